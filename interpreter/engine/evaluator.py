"""Evaluate a compiled measure for one case and assemble the decision with its trace."""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Iterable, Iterator

from rulerun.dsl.analysis import CheckedMeasure, check_measure
from rulerun.dsl.deep import run_deep, too_deep
from rulerun.dsl.errors import RulerunError
from rulerun.dsl.loader import load_measure

from ..formats.facts import read_facts
from .columns import Columns, decide_columns
from .generated import decide_known, generate_plan
from .interpret import decide
from .ir import LoweredMeasure
from .lower import lower_measure
from .plan import DecisionPlan, Part, build_plan
from .program import compile_measure
from .runtime import Program
from .trace import Decision, TraceNode

__all__ = ["CompiledMeasure", "Decision", "DecisionPlan", "Part", "TraceNode", "decide_closures",
           "decide_generated", "evaluate", "load"]


class CompiledMeasure:
    """A loaded, checked and compiled measure: evaluate it for many cases."""

    def __init__(self, checked: CheckedMeasure):
        self.checked = checked
        self.measure = checked.measure
        self.lowered: LoweredMeasure = lower_measure(checked)
        self.program: Program = compile_measure(self.lowered)
        self.plan: DecisionPlan = build_plan(self.lowered, self.program)
        plan = self.plan
        self.eligible, self.amount, self.deadlines, self.values = plan.eligible, plan.amount, plan.deadlines, plan.values
        self.notes, self.conditions, self.reported = plan.notes, plan.conditions, plan.reported
        self.deadline_ids = [p.id for p in plan.deadlines]
        self.generated = generate_plan(self.lowered, plan, self.program)

    def read_facts(self, raw, document=None, base: tuple = ()) -> dict:
        """Validate and convert raw case facts for this measure."""
        return read_facts(self.checked.facts, raw, document, base)

    def evaluate(self, facts: dict, on: datetime.date, trace: bool = True) -> Decision:
        """The decision for typed `facts`, evaluated on `on`."""
        if not trace and self.generated is not None:
            decision = decide_known(self.plan, self.generated, facts, on)
            if decision is not None:
                return decision
        return decide(self.plan, self.program, facts, on, trace)

    def decide_many(self, cases: Iterable[tuple[dict, datetime.date]], chunk: int = 1000
                    ) -> Iterator[Decision | RulerunError]:
        """Decisions without trace for (typed facts, date) pairs, in order; a case that fails yields its error."""
        pending: list = []
        for pair in cases:
            pending.append(pair)
            if len(pending) == chunk:
                yield from _decisions(decide_columns(self, pending))
                pending = []
        if pending:
            yield from _decisions(decide_columns(self, pending))


def _decisions(columns: Columns) -> Iterator[Decision | RulerunError]:
    for i in range(len(columns)):
        yield columns.errors[i] if i in columns.errors else columns.decision(i)


def decide_closures(compiled: CompiledMeasure, facts: dict, on: datetime.date, trace: bool = True) -> Decision:
    """The decision by the traced back-end (closures), whatever the generated code could do."""
    return decide(compiled.plan, compiled.program, facts, on, trace)


def decide_generated(compiled: CompiledMeasure, facts: dict, on: datetime.date) -> Decision | None:
    """The decision by the generated code alone; None when it leaves the case to the closures."""
    if compiled.generated is None:
        return None
    return decide_known(compiled.plan, compiled.generated, facts, on)


def load(path: str | Path, display: str | None = None) -> CompiledMeasure:
    """Load, check and compile a measure file (raises MeasureError with every problem).

    Always on a deep thread: a RecursionError inside a library (the schema validator's) does not
    always come out as one, so a retry could not tell it; a load costs far more than a thread.
    """
    return run_deep(_load, path, display)


def _load(path: str | Path, display: str | None) -> CompiledMeasure:
    try:
        return CompiledMeasure(check_measure(load_measure(path, display, partial=True)))
    except RecursionError:
        raise too_deep(display or str(path)) from None


def evaluate(measure: CompiledMeasure | str | Path, facts: dict, on: datetime.date | None = None,
             trace: bool = True) -> Decision:
    """Evaluate `measure` for raw `facts` (as read from YAML/JSON) on date `on` (default: today)."""
    compiled = measure if isinstance(measure, CompiledMeasure) else load(measure)
    typed = compiled.read_facts(facts)
    return compiled.evaluate(typed, on or datetime.date.today(), trace)
