"""The generated back-end: the plan as one Python row function, deciding cases whose facts are known, without trace."""
from __future__ import annotations

import datetime
from functools import partial

from rulerun.dsl.analysis import CheckedMeasure

from .assembly import assemble, window_open
from .codegen import CANNOT_DECIDE, Generated, RowParts, TooDeep, generate
from .plan import DecisionPlan
from .runtime import Program
from .trace import Decision


def generate_plan(checked: CheckedMeasure, plan: DecisionPlan, program: Program) -> Generated | None:
    """The plan as a generated row function; None when Python cannot hold it or it nests too deep."""
    measure = checked.measure
    decision = measure.decision
    assert decision is not None  # a measure without a decision does not pass the checker
    parts = RowParts(
        reference=measure.reference_date,
        eligible=decision.eligible if decision.eligible is not None else tuple(plan.conditions),
        amount=decision.amount,
        deadlines=[named.expr for named in decision.deadlines],
        values=[named.expr for named in decision.values],
        notes=[note.when if note.when is not None else () for note in decision.notes],  # (): always shown
        conditions=plan.conditions, reported=plan.reported,
        window_open=partial(window_open, plan.window) if plan.window is not None else None)
    rules = {name: r for name, (r, _t, _s) in checked.rules.items()}
    try:
        return generate(measure.id, checked.typing, rules, program, parts)
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
