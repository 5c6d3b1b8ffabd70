"""A decision in the auditable format of schemas/decision.schema.json: sources, failed conditions, receipt."""
from __future__ import annotations

from ..engine.trace import Decision
from .boundaries import failed_boundaries, failed_json
from .labels import Labels
from . import render
from .receipt import receipt
from .sources import Sources


def auditable_json(compiled, decision: Decision, trace: bool = True, labels: Labels | None = None,
                   ident: str | None = None, execution: dict | None = None) -> dict:
    """The decision as `rulerun explain --format json` writes it; `labels` and the receipt may be given to reuse them."""
    found = failed_boundaries(compiled, decision)
    return render.decision_json(decision, trace, sources=Sources(compiled.measure).used(decision),
                         failed_conditions=failed_json(found, decision, labels or Labels(compiled)),
                         receipt=execution if execution is not None else receipt(compiled.measure, decision),
                         ident=ident)
