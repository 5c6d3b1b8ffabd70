"""Evaluate a compiled measure for one case and assemble the decision with its trace."""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from rulerun.dsl import files
from rulerun.dsl.deep import run_deep, too_deep
from rulerun.dsl.errors import MeasureError, RulerunError
from rulerun.dsl.measure import Measure

from ..formats.facts import read_facts
from . import kept
from .interpret import decide
from .ir import LoweredMeasure
from .plan import DecisionPlan, Part, build_plan
from .program import compile_measure
from .runtime import Program
from .trace import Decision, TraceNode

if TYPE_CHECKING:  # a measure recalled from the cache is compiled without the checker, the lowering or the code writer
    from rulerun.dsl.analysis import CheckedMeasure
    from rulerun.dsl.measure import Fact

    from .codegen import Generated
    from .columns import Columns

_PENDING = object()  # the generated code, not yet written

__all__ = ["CompiledMeasure", "Decision", "DecisionPlan", "Part", "TraceNode", "decide_closures",
           "decide_generated", "evaluate", "load"]


class CompiledMeasure:
    """A loaded, checked and compiled measure: evaluate it for many cases."""

    def __init__(self, checked: CheckedMeasure):
        from .lower import lower_measure
        self._checked: CheckedMeasure | None = checked
        self._compile(checked.measure, lower_measure(checked))

    @classmethod
    def from_lowered(cls, measure: Measure, lowered: LoweredMeasure) -> CompiledMeasure:
        """A measure that checked without error before, compiled from its lowered form; checked again only if asked."""
        compiled = cls.__new__(cls)
        compiled._checked = None
        compiled._compile(measure, lowered)
        return compiled

    def _compile(self, measure: Measure, lowered: LoweredMeasure) -> None:
        self.measure = measure
        self.lowered = lowered
        self.program: Program = compile_measure(lowered)
        self.plan: DecisionPlan = build_plan(lowered, self.program)
        plan = self.plan
        self.eligible, self.amount, self.deadlines, self.values = plan.eligible, plan.amount, plan.deadlines, plan.values
        self.notes, self.conditions, self.reported = plan.notes, plan.conditions, plan.reported
        self.deadline_ids = [p.id for p in plan.deadlines]
        self._generated: Generated | None | object = _PENDING
        self._decide_known: Any = None  # generated.decide_known, imported with the generated code

    @property
    def checked(self) -> CheckedMeasure:
        """The checked measure with the checker's side tables (checked now when the measure came from the cache)."""
        if self._checked is None:
            from rulerun.dsl.analysis import check_measure
            self._checked = run_deep(check_measure, self.measure)  # the same measure, so the same answer as before
        return self._checked

    @property
    def facts(self) -> dict[str, Fact]:
        """The facts a case gives, by name, with those of the files the measure uses."""
        return self.lowered.facts

    @property
    def generated(self) -> Generated | None:
        """The generated code of the measure (None when it is not generated), written when first needed."""
        if self._generated is _PENDING:
            from .generated import decide_known, generate_plan  # not for a traced decision: `explain` never writes it
            self._decide_known = decide_known
            self._generated = run_deep(generate_plan, self.lowered, self.plan, self.program)
        return self._generated  # type: ignore[return-value]

    def read_facts(self, raw, document=None, base: tuple = ()) -> dict:
        """Validate and convert raw case facts for this measure."""
        return read_facts(self.lowered.facts, raw, document, base)

    def evaluate(self, facts: dict, on: datetime.date, trace: bool = True) -> Decision:
        """The decision for typed `facts`, evaluated on `on`."""
        if not trace and self.generated is not None:
            decision = self._decide_known(self.plan, self.generated, facts, on)
            if decision is not None:
                return decision
        return decide(self.plan, self.program, facts, on, trace)

    def decide_many(self, cases: Iterable[tuple[dict, datetime.date]], chunk: int = 1000
                    ) -> Iterator[Decision | RulerunError]:
        """Decisions without trace for (typed facts, date) pairs, in order; a case that fails yields its error."""
        from .columns import decide_columns  # many cases: not needed to explain one
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
    from .generated import decide_known
    return decide_known(compiled.plan, compiled.generated, facts, on)


def load(path: str | Path, display: str | None = None) -> CompiledMeasure:
    """Load, check and compile a measure file (raises MeasureError with every problem).

    Always on a deep thread: a RecursionError inside a library (the schema validator's) does not
    always come out as one, so a retry could not tell it; a load costs far more than a thread.
    """
    return run_deep(_load, path, display)


def _load(path: str | Path, display: str | None) -> CompiledMeasure:
    path, shown = Path(path), display or str(path)
    try:
        files.require_regular(path, shown, files.MAX_FILE_BYTES)  # before the cache reads it
    except files.FileProblem as problem:
        raise MeasureError(problem.diagnostic) from None
    try:
        found = kept.recall(path, shown)
        if found is not None:
            return CompiledMeasure.from_lowered(*found)
        from rulerun.dsl.analysis import check_measure
        from rulerun.dsl.loader import load_measure
        # The compiled entry kept below holds the loaded measure too: a second entry of it alone would cost a
        # first start some 20 ms of pickling for nothing that `load` recalls.
        compiled = CompiledMeasure(check_measure(load_measure(path, display, partial=True, keep=not kept.keeps())))
    except RecursionError:
        raise too_deep(shown) from None
    kept.keep(shown, compiled.measure, compiled.lowered)
    return compiled


def evaluate(measure: CompiledMeasure | str | Path, facts: dict, on: datetime.date | None = None,
             trace: bool = True) -> Decision:
    """Evaluate `measure` for raw `facts` (as read from YAML/JSON) on date `on` (default: today)."""
    compiled = measure if isinstance(measure, CompiledMeasure) else load(measure)
    typed = compiled.read_facts(facts)
    return compiled.evaluate(typed, on or datetime.date.today(), trace)
