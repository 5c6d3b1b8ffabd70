"""The rulerun API: explainable, exact decisions from YAML subsidy measures.

Load a measure once, then decide any number of cases:

    import datetime, rulerun
    measure = rulerun.load("measures/kmo-portefeuille.yaml")   # MeasureError when invalid
    decision = measure.decide({"aanvraag": {"datum": "2024-05-01"}}, on=datetime.date(2026, 11, 1))
    decision.eligible, decision.amount, decision.missing

Functions
    load(path) -> Measure          load, check and compile a measure file
    check(path) -> [Diagnostic]    check a measure file: its warnings (errors raise MeasureError)
    read_case(path) -> Case        read a case file (`-` for standard input); CaseError when invalid

Measure
    decide(facts, on=None, trace=False) -> Decision     raw facts, as a case file gives them
    decide_case(case, on=None, trace=False) -> Decision errors point into the case file
    decide_many(records, on=None)   decisions without trace, in order; errors in place of failed cases
    decision_json(decision) -> dict                     the auditable JSON (schemas/decision.schema.json)
    questions(facts, on=None) -> [Question]             the intake's next questions
    intake(facts, on=None) -> Intake                    the guided intake, one answer at a time
    schema() -> dict                                    the JSON Schema of the measure's case files
    id, title, path, window, facts, warnings, read_facts(raw), engine

Decision
    eligible ("yes", "no", "undetermined"), amount (Decimal or None), failed, missing,
    deadlines, notes, outcome (values), evaluated_on, reference_date, trace (TraceNode tree)

Errors (all RulerunError, with `diagnostics`: message, file, line, column, hint, and `exit_code`)
    MeasureError (2), CaseError (3), EvaluationError (4), UsageError (64), InputOutputError (74)

Money and percentages are Decimal; dates are datetime.date. See docs/api.md.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from rulerun.dsl.errors import (CaseError, Diagnostic, EvaluationError, InputOutputError, MeasureError,
                                RulerunError, UsageError)

if TYPE_CHECKING:  # imported on first use: `import rulerun` stays light for the command line
    from rulerun.interpreter.engine.api import Decision, TraceNode
    from rulerun.interpreter.formats.cases import Case, read_case
    from rulerun.interpreter.tools.intake import Intake, Question

    from .measure import Measure, check, load

    __version__: str

__all__ = ["Case", "CaseError", "Decision", "Diagnostic", "EvaluationError", "InputOutputError", "Intake",
           "Measure", "MeasureError", "Question", "RulerunError", "TraceNode", "UsageError", "__version__",
           "check", "load", "read_case"]

_LAZY = {
    "Measure": "rulerun.measure", "load": "rulerun.measure", "check": "rulerun.measure",
    "Decision": "rulerun.interpreter.engine.api", "TraceNode": "rulerun.interpreter.engine.api",
    "Case": "rulerun.interpreter.formats.cases", "read_case": "rulerun.interpreter.formats.cases",
    "Intake": "rulerun.interpreter.tools.intake", "Question": "rulerun.interpreter.tools.intake",
}


def __getattr__(name: str) -> object:
    """The API's heavier parts, imported when first used."""
    if name == "__version__":
        from importlib.metadata import version
        value: object = version("rulerun")
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'rulerun' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
