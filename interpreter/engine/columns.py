"""Decisions of many cases as columns: one list per part of the decision, aligned by case."""
from __future__ import annotations

import datetime
from typing import Callable, Iterable

from rulerun.dsl.errors import RulerunError

from .assembly import assemble, failed, verdict
from .codegen import CANNOT_DECIDE
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
        self._failed: dict[tuple | None, tuple[str, ...]] = {}  # the failed conditions by the reported rules' values

    def __len__(self) -> int:
        return len(self.eligible)

    def failed(self, i: int) -> tuple[str, ...]:
        """The failed conditions of case i, worked out from the rule values kept for it."""
        return self.decision(i).failed

    def verdict(self, i: int) -> tuple:
        """`assembly.verdict` of case i, without a Decision: for a case the row function decided (not `left`).

        The failed conditions are worked out once per set of rule values met: many cases fail alike.
        """
        if self.eligible[i] == "yes":
            return verdict(self.plan, self.reference_date[i], True, self.amount[i])
        reported = self.reported[i]
        return verdict(self.plan, self.reference_date[i], False, self.amount[i],
                       failed_conditions=lambda: self._failed_of(reported))

    def _failed_of(self, reported: tuple | None) -> tuple[str, ...]:
        try:
            conditions = self._failed.get(reported)
        except TypeError:  # a value that cannot be a key: worked out for this case alone
            conditions = None
        if conditions is None:
            conditions = failed(self.plan, dict(zip(self.plan.reported, reported)) if reported is not None else {})
            try:
                self._failed[reported] = conditions
            except TypeError:
                pass
        return conditions

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
    generated = compiled.generated
    if generated is not None:
        _fill(columns, generated.row, pairs)
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


def _fill(columns: Columns, row: Callable[[dict, datetime.date], tuple], pairs: list) -> None:
    """The generated row function over every case, into the columns; a case it cannot decide is left (`left`).

    Each part is appended as it comes: gathering the results to make columns at once (zip) measured no
    faster and keeps every result tuple alive until the end.
    """
    add_reference, add_eligible, add_amount = (columns.reference_date.append, columns.eligible.append,
                                               columns.amount.append)
    add_deadlines, add_values, add_notes, add_reported = (columns.deadline_rows.append, columns.value_rows.append,
                                                          columns.note_rows.append, columns.reported.append)
    left = columns.left.append
    index = len(columns.eligible) - 1
    for facts, on in pairs:
        index += 1
        try:
            reference, eligible, amount, deadlines, values, shown, reported = row(facts, on)
        except CANNOT_DECIDE:  # an unknown fact or an error to report: the traced back-end decides
            reference = eligible = amount = deadlines = values = shown = reported = None
            left(index)
        else:
            eligible = "yes" if eligible else "no"
        add_reference(reference); add_eligible(eligible); add_amount(amount)  # noqa: E702 - one line per case
        add_deadlines(deadlines); add_values(values); add_notes(shown); add_reported(reported)  # noqa: E702
