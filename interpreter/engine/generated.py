"""The generated back-end: the plan as one Python row function, deciding cases whose facts are known, without trace."""
from __future__ import annotations

import datetime
from functools import partial

from .assembly import assemble, window_open
from .codegen import CANNOT_DECIDE, Generated, TooDeep, generate
from .ir import LoweredMeasure
from .plan import DecisionPlan
from .runtime import Program
from .trace import Decision


def generate_plan(lowered: LoweredMeasure, plan: DecisionPlan, program: Program) -> Generated | None:
    """The lowered measure as a generated row function; None when Python cannot hold it or it nests too deep."""
    is_open = partial(window_open, plan.window) if plan.window is not None else None
    try:
        return generate(lowered, program, plan.reported, is_open)
    except (TooDeep, SyntaxError, RecursionError, MemoryError, ValueError):
        return None  # nesting deeper than the generated code may (or Python's compiler takes): the closures decide


def decide_known(plan: DecisionPlan, generated: Generated, facts: dict, on: datetime.date) -> Decision | None:
    """The decision by the generated code, without trace; None when the closure evaluator must decide."""
    try:
        reference, eligible, amount, deadlines, values, shown, reported = generated.row(facts, on)
    except CANNOT_DECIDE:  # an unknown fact or an error to report with its position: the traced back-end decides
        return None
    return assemble(plan, on, reference, eligible, amount=amount, deadlines=deadlines, values=values, shown=shown,
                    rule_values=dict(zip(plan.reported, reported)) if eligible is False else None)
