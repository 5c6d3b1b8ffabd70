"""Decisions of many cases as columns: one list per part of the decision, aligned by case."""
from __future__ import annotations

import datetime
from typing import Iterable

from rulerun.dsl.errors import RulerunError

from .assembly import assemble, window_open
from .interpret import decide
from .plan import DecisionPlan
from .runtime import Program
from .trace import Decision


class Columns:
    """The decisions of a batch; `decision(i)` gives case i as a Decision, `errors` the cases that failed."""

    def __init__(self, compiled) -> None:
        self.compiled = compiled
        self.plan: DecisionPlan = compiled.plan
        self.reference_date: list = []
        self.eligible: list[str | None] = []
        self.amount: list = []
        self.deadline_rows: list = []
        self.value_rows: list = []
        self.note_rows: list = []
        self.reported: list = []
        self.evaluated_on: list[datetime.date] = []
        self.left: list[int] = []  # cases the generated code left to the closure evaluator
        self.decided: dict[int, Decision] = {}  # ... and their decisions
        self.errors: dict[int, RulerunError] = {}

    def __len__(self) -> int:
        return len(self.eligible)

    def failed(self, i: int) -> tuple[str, ...]:
        """The failed conditions of case i, worked out from the rule values kept for it."""
        return self.decision(i).failed

    def decision(self, i: int) -> Decision:
        """Case i as a Decision (raises the case's error when it failed)."""
        if i in self.errors:
            raise self.errors[i]
        if i in self.decided:
            return self.decided[i]
        plan = self.plan
        reported = self.reported[i]
        return assemble(plan, self.evaluated_on[i], self.reference_date[i], self.eligible[i] == "yes",
                        amount=self.amount[i], deadlines=self.deadline_rows[i] or (), values=self.value_rows[i] or (),
                        shown=self.note_rows[i] or (),
                        rule_values=dict(zip(plan.reported, reported)) if reported is not None else None)


def decide_columns(compiled, cases: Iterable[tuple[dict, datetime.date]]) -> Columns:
    """The decisions, without trace, of (typed facts, date) pairs, as columns."""
    columns = Columns(compiled)
    plan: DecisionPlan = compiled.plan
    program: Program = compiled.program
    pairs = cases if isinstance(cases, list) else list(cases)
    columns.evaluated_on = [on for _facts, on in pairs]
    window = plan.window
    if compiled.batch is not None:
        compiled.batch(pairs, (lambda day: True) if window is None else (lambda day: window_open(window, day)),
                       columns)
    else:
        for name in ("reference_date", "eligible", "amount", "deadline_rows", "value_rows", "note_rows", "reported"):
            getattr(columns, name).extend([None] * len(pairs))
        columns.left.extend(range(len(pairs)))
    for i in columns.left:
        facts, on = pairs[i]
        try:
            decision = decide(plan, program, facts, on, False)
        except RulerunError as error:
            columns.errors[i] = error
            continue
        columns.decided[i] = decision
        columns.reference_date[i], columns.eligible[i], columns.amount[i] = (
            decision.reference_date, decision.eligible, decision.amount)
        columns.deadline_rows[i] = tuple(decision.deadlines.values())
        columns.value_rows[i] = tuple(value for value, _tag in decision.outcome.values())
    return columns
