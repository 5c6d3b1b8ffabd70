"""One case tried in the workbench: the decision JSON and both explanations (the analyst's, the applicant's)."""
from __future__ import annotations

import datetime
import json

from ...engine.evaluator import CompiledMeasure
from ...formats import applicant, render
from ...formats.boundaries import describe as describe_boundary
from ...formats.boundaries import failed_boundaries, failed_json
from ...formats.labels import Labels
from ...formats.sources import Sources
from .. import bodies
from ..problems import Problem
from .plain import plain


def try_case(compiled: CompiledMeasure, data: dict, lang: str) -> dict:
    """Decide the case of a request body (`case` as JSON data, or `case_yaml` as the text of a case file)."""
    if isinstance(data.get("case_yaml"), str):
        body = data["case_yaml"].encode("utf-8")
    elif isinstance(data.get("case"), dict):
        body = json.dumps(data["case"]).encode("utf-8")
    else:
        raise Problem(400, "bad-request", "The request cannot be used",
                      "the request needs `case` (an object with `facts` and `on`) or `case_yaml` (a case file's text)")
    case, facts = bodies.case_and_facts(body, compiled)
    day = case.on or datetime.date.today()
    decision = compiled.evaluate(facts, day, trace=True)
    labels = Labels(compiled)
    found = failed_boundaries(compiled, decision)
    sources = Sources(compiled.measure)
    out = render.decision_json(decision, trace=False, sources=sources.used(decision),
                               failed_conditions=failed_json(found, decision, labels))
    changes = {name: describe_boundary(f, labels, lang) for name, f in found.items() if f is not None}
    title = compiled.measure.title.get(lang)
    return {"case": {"facts": plain(case.facts or {}), "on": day.isoformat()},
            "decision": out,
            "analyst": render.to_html(decision, title, lang),
            "applicant": applicant.to_html(applicant.build(decision, compiled, sources, lang, changes))}
