"""A measure ready to decide cases: the front door over the engine, the case readers and the intake."""
from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from rulerun.dsl.errors import CaseError, Diagnostic, RulerunError, UsageError, quoted
from rulerun.dsl.measure import Fact, Text, Window
from rulerun.interpreter.engine import api as engine

if TYPE_CHECKING:  # imported where used: deciding a case needs neither the checker nor the intake
    from rulerun.dsl.yamlsource import Document
    from rulerun.interpreter.formats.cases import Case
    from rulerun.interpreter.tools.intake import Intake, Question

#: Facts as a case file gives them: YAML or JSON data, before validation.
RawFacts = Mapping[str, object]
#: One record for `Measure.decide_many`: raw facts, or raw facts with their own evaluation date.
Record = RawFacts | tuple[RawFacts, datetime.date | None]

CHUNK = 1000  # cases decided together by the generated code: large enough to amortise, small enough to stream


class Measure:
    """A measure from `rulerun.load`, checked and compiled once: decide cases, ask for facts, describe its cases."""

    def __init__(self, compiled: engine.Engine) -> None:
        self.engine = compiled  # the engine's compiled form, for the tools built on it

    @property
    def id(self) -> str:
        """The measure's id (`kmo-portefeuille`)."""
        return self.engine.measure.id

    @property
    def title(self) -> Text:
        """The measure's title in Dutch and English (`title.get("en")`)."""
        return self.engine.measure.title

    @property
    def path(self) -> str:
        """The measure file, as given to `load` (or its display name)."""
        return self.engine.measure.path

    @property
    def window(self) -> Window | None:
        """The application window (`start`, `end`), or None when the measure is always open."""
        return self.engine.measure.window

    @property
    def facts(self) -> dict[str, Fact]:
        """The facts a case gives, by name, with those of the files the measure uses."""
        return self.engine.facts

    @property
    def warnings(self) -> list[Diagnostic]:
        """What the check found valid but probably not meant (empty for a clean measure)."""
        return list(self.engine.checked.warnings)

    def read_facts(self, facts: object, document: Document | None = None, base: tuple = ()) -> dict:
        """Typed facts from raw ones; raise CaseError listing every problem (positioned when `document` is given)."""
        return self.engine.read_facts(facts, document, base)

    def decide(self, facts: RawFacts | None, on: datetime.date | None = None, trace: bool = False) -> engine.Decision:
        """The decision for raw `facts` on `on` (default: today); raise CaseError or EvaluationError."""
        return self.engine.evaluate(self.read_facts(facts), evaluation_date(on), trace)

    def decide_case(self, case: Case, on: datetime.date | None = None, trace: bool = False) -> engine.Decision:
        """The decision for a case file read by `rulerun.read_case`, on `on`, else the case's `on`, else today."""
        facts = self.read_facts(case.facts, case.document, ("facts",))
        return self.engine.evaluate(facts, evaluation_date(on, case.on), trace)

    def decide_many(self, records: Iterable[Record], on: datetime.date | None = None
                    ) -> Iterator[engine.Decision | RulerunError]:
        """Decisions without trace for records (raw facts, or (raw facts, date) pairs), in order; errors in place."""
        day = evaluation_date(on)
        pending: list[tuple[dict, datetime.date] | RulerunError] = []
        for number, record in enumerate(records, 1):
            try:
                facts, when = _record(record, number)
                pending.append((self.read_facts(facts), evaluation_date(when, day, f"the date of record {number}")))
            except (CaseError, UsageError) as error:
                pending.append(error)
            if len(pending) == CHUNK:
                yield from self._decide_chunk(pending)
                pending = []
        if pending:
            yield from self._decide_chunk(pending)

    def _decide_chunk(self, pending: list[tuple[dict, datetime.date] | RulerunError]
                      ) -> Iterator[engine.Decision | RulerunError]:
        decided = self.engine.decide_many([p for p in pending if isinstance(p, tuple)], chunk=CHUNK)
        for item in pending:
            yield item if isinstance(item, RulerunError) else next(decided)

    def decision_json(self, decision: engine.Decision, ident: str | None = None) -> dict:
        """A decision of this measure as `rulerun explain --format json` gives it (schemas/decision.schema.json)."""
        from rulerun.interpreter.formats.auditable import auditable_json
        return auditable_json(self.engine, decision, trace=bool(decision.trace), ident=ident)

    def questions(self, facts: RawFacts | None = None, on: datetime.date | None = None) -> list[Question]:
        """The questions whose answers can still change the decision for raw `facts`, the next one first."""
        return self.intake(facts, on).questions()

    def intake(self, facts: RawFacts | None = None, on: datetime.date | None = None, name: str | None = None
               ) -> Intake:
        """A guided intake starting from raw `facts`: ask, answer, skip, and the decision after every answer."""
        from rulerun.interpreter.tools.intake import Intake
        day = evaluation_date(on)
        self.read_facts(facts)  # CaseError for facts that are not a mapping of valid facts, before any copy
        return Intake(self.engine, day, dict(facts or {}), name=name)

    def schema(self) -> dict:
        """A JSON Schema of the case files this measure accepts."""
        from rulerun.dsl.case_schema import case_schema
        return case_schema(self.id, self.facts)

    def __repr__(self) -> str:
        return f"<rulerun.Measure {self.id}>"


def evaluation_date(on: object, default: datetime.date | None = None, what: str = "`on`") -> datetime.date:
    """`on` when it is a calendar date, else `default`, else today; raise UsageError for anything else."""
    if on is None:
        return default or datetime.date.today()
    if type(on) is not datetime.date:  # a datetime is a date too, with a time that comparisons choke on
        given = f"the {type(on).__name__} {quoted(on)}"
        raise UsageError(Diagnostic(f"{what} must be a calendar date (datetime.date), not {given}",
                                    hint='e.g. datetime.date(2024, 6, 1) or datetime.date.fromisoformat("2024-06-01")'))
    return on


def _record(record: object, number: int) -> tuple[object, object]:
    """(raw facts, date or None) of one record for `decide_many`."""
    if not isinstance(record, tuple):
        return record, None
    if len(record) != 2:
        raise UsageError(Diagnostic(f"record {number} is a tuple of {len(record)} items, not (facts, date)",
                                    hint="give each record as its facts, or as a (facts, date) pair"))
    return record[0], record[1]


def load(path: str | Path, display: str | None = None) -> Measure:
    """Load, check and compile a measure file (named `display` in messages); raise MeasureError with every problem."""
    return Measure(engine.load(path, display))


def check(path: str | Path, display: str | None = None) -> list[Diagnostic]:
    """Check a measure file without compiling it: its warnings; raise MeasureError with every error."""
    from rulerun.dsl import loader
    from rulerun.dsl.analysis import check_measure
    return list(check_measure(loader.load_measure(path, display, partial=True)).warnings)
