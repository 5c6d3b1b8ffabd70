"""The generated back-end: the plan as Python source, deciding cases whose facts are known, without trace."""
from __future__ import annotations

import datetime
from typing import Callable

from rulerun.dsl.analysis import CheckedMeasure

from .assembly import assemble, window_state
from .codegen import CANNOT_DECIDE, Generated, generate, generate_batch
from .plan import DecisionPlan
from .runtime import Program
from .trace import Decision
from .values import round_cents

def generate_plan(checked: CheckedMeasure, plan: DecisionPlan, program: Program
                  ) -> tuple[Generated | None, Callable | None]:
    """The plan as generated Python for one case and for many; None when Python cannot hold it."""
    measure = checked.measure
    parts: dict = {}
    if measure.reference_date is not None:
        parts["reference"] = measure.reference_date
    decision = measure.decision
    assert decision is not None  # a measure without a decision does not pass the checker
    parts["eligible"] = decision.eligible if decision.eligible is not None else tuple(plan.conditions)
    if decision.amount is not None:
        parts["amount"] = decision.amount
    for named in decision.deadlines:
        parts[("deadline", named.name)] = named.expr
    for named in decision.values:
        parts[("value", named.name)] = named.expr
    for i, note in enumerate(decision.notes):
        parts[("note", i)] = note.when if note.when is not None else ()  # no rules to hold: always shown
    rules = {name: r for name, (r, _t, _s) in checked.rules.items()}
    try:
        one = generate(measure.id, checked.typing, rules, program, parts, plan.conditions)
        many = generate_batch(measure.id, checked.typing, rules, program, parts, plan.conditions,
                              plan.reported, measure.window is not None)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None, None  # e.g. nesting deeper than Python's compiler takes: the closures decide
    return one, many


def decide_known(plan: DecisionPlan, generated: Generated, facts: dict, on: datetime.date) -> Decision | None:
    """The decision by the generated code, without trace; None when the closure evaluator must decide."""
    parts = generated.parts
    memo: dict = {}
    try:
        reference = parts["reference"](facts, memo, on, on) if "reference" in parts else on
        if window_state(plan.window, reference)[0] is False:
            deadlines = [parts["deadline", p.id](facts, memo, reference, on) for p in plan.deadlines]
            values = [parts["value", p.id](facts, memo, reference, on) for p in plan.values]
            return assemble(plan, on, reference, False, deadlines=deadlines, values=values)
        eligible = parts["eligible"](facts, memo, reference, on)
        amount = (round_cents(parts["amount"](facts, memo, reference, on))
                  if eligible and plan.amount is not None else None)
        deadlines = [parts["deadline", p.id](facts, memo, reference, on) for p in plan.deadlines]
        values = [parts["value", p.id](facts, memo, reference, on) for p in plan.values]
        shown = [parts["note", i](facts, memo, reference, on) for i in range(len(plan.notes))]
    except CANNOT_DECIDE:  # an unknown fact or an error to report with its position: the traced back-end decides
        return None
    return assemble(plan, on, reference, bool(eligible), amount=amount, deadlines=deadlines, values=values,
                    shown=shown, rule_values=memo)
