"""A guided intake: which missing facts to ask next, and how to take an answer into the case.

The questions are the facts in the decision's `missing` list (those whose answer can still
change eligibility or the amount), ordered deterministically: first the fact that fixes the
reference date (the window and every dated parameter depend on it), then the others in the
order the measure declares them, its own facts before those of the files it uses. Nothing
here reads a terminal; `ask.py` drives the same loop on one.
"""
from __future__ import annotations

import copy
import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from rulerun.dsl.errors import Collector, Diagnostic, EvaluationError
from rulerun.dsl.measure import Fact, Text

from ..engine.evaluator import CompiledMeasure
from ..formats.facts import FactReader, dotted
from ..engine.trace import Decision


@dataclass(frozen=True)
class Question:
    """One fact to ask: where it goes in the case, what to show and what kind of answer it takes."""

    path: tuple            # keys into the case's facts, e.g. ("starter", "oprichting") or ("aandeelhouders", 0, "x")
    fact: Fact
    label: Text
    text: Text             # the fact's question, or its label when it has none
    item_of: Text | None = None   # for a field of one list item: the list's label, ...
    item_name: str | None = None  # ... and the item's name when it has one

    def heading(self, lang: str) -> str:
        """`Shareholders 2 (Jan)` for a field of a list item, else empty."""
        if self.item_of is None:
            return ""
        index = next(k for k in self.path if isinstance(k, int))
        return f"{self.item_of.get(lang)} {index + 1}" + (f" ({self.item_name})" if self.item_name else "")

    @property
    def name(self) -> str:
        """The dotted path, as in the decision's `missing` list and in error messages."""
        return dotted(self.path)

    @property
    def kind(self) -> str:
        """bool, enum, date, money, number, percent, duration, text, or list."""
        return self.fact.type.kind

    @property
    def choices(self) -> tuple[str, ...]:
        """The allowed values of an enum (empty for other kinds)."""
        return tuple(self.fact.type.values or ()) if self.kind == "enum" else ()


@dataclass
class Intake:
    """The state of one intake: the facts given so far, the facts the person cannot give, the decision."""

    measure: CompiledMeasure
    on: datetime.date
    facts: dict = field(default_factory=dict)
    unknown: set = field(default_factory=set)
    asked: int = 0
    name: str | None = None

    def __post_init__(self) -> None:
        self.facts = copy.deepcopy(self.facts or {})
        self._order = _declaration_order(self.measure)
        self._first = _reference_fact(self.measure)
        self.decision: Decision = self.evaluate()

    def evaluate(self, trace: bool = False) -> Decision:
        """The decision on the facts given so far."""
        return self.measure.evaluate(self.measure.read_facts(self.facts), self.on, trace)

    @property
    def settled(self) -> bool:
        """True when no answer that could still be given can change the decision."""
        return not self.questions()

    def questions(self) -> list[Question]:
        """Every question that can still change the decision, the next one first."""
        order, first = self._order, self._first
        wanted = [name for name in self.decision.missing if name not in self.unknown]
        wanted.sort(key=lambda n: (n != first, order.get(_ITEM.sub("", n), len(order)), n))
        questions = []
        for name in wanted:
            questions += self._questions_for(name)
        return [q for q in questions if q.name not in self.unknown]

    def next_question(self) -> Question | None:
        """The question to ask now, or None when the decision is settled."""
        questions = self.questions()
        return questions[0] if questions else None

    def check(self, question: Question, value) -> tuple[object, list[Diagnostic]]:
        """Validate a raw answer (as a case file would give it): (value in case form, problems)."""
        report = Collector()
        typed = FactReader(self.measure.facts, None, report).value(question.fact, value, question.path)
        problems = report.errors
        if problems or typed is None:
            return None, problems
        return case_form(question.fact, typed), []

    def answer(self, question: Question, value) -> list[Diagnostic]:
        """Record a raw answer when it is valid and the measure can decide with it; return the problems otherwise."""
        form, problems = self.check(question, value)
        if problems:
            return problems
        before = copy.deepcopy(self.facts)
        _put(self.facts, question.path, form)
        try:
            self.decision = self.evaluate()
        except EvaluationError as error:
            self.facts = before
            return [Diagnostic(f"fact `{question.name}`: with this answer the decision cannot be made: {d.message}"
                               + (f" ({d.where})" if d.where else ""), d.span, d.hint, file=d.file)
                    for d in error.diagnostics]
        self.asked += 1
        return []

    def skip(self, question: Question) -> None:
        """The person cannot answer: do not ask this fact again."""
        self.unknown.add(question.name)

    def _questions_for(self, name: str) -> list[Question]:
        declared = self.measure.facts
        keys = _keys(name)
        fact = declared.get(keys[0])
        path: tuple = (keys[0],)
        value = self.facts.get(keys[0])
        item_of: tuple = ()
        for key in keys[1:]:
            if fact is None:
                return []
            if isinstance(key, int):  # one item of a list, named in `missing` as `list[0].field`
                if fact.type.kind != "list" or not isinstance(value, list) or key >= len(value):
                    return []
                item_of = (fact.label, _item_name(fact, value[key]) if isinstance(value[key], dict) else None)
                path += (key,)
                value = value[key]
                fact = fact.item or fact  # a record item's fields are the list's own
                continue
            if fact.type.kind == "list" and isinstance(value, list):
                # A field of list items the case gives without it: ask it per item.
                field_fact = fact.fields.get(key)
                if field_fact is None:
                    return []
                return [_question(path + (i, key), field_fact, fact.label, _item_name(fact, item))
                        for i, item in enumerate(value) if isinstance(item, dict) and item.get(key) is None]
            fact = fact.fields.get(key)
            path += (key,)
            value = value.get(key) if isinstance(value, dict) else None
        return [] if fact is None else [_question(path, fact, *item_of)]


def next_questions(measure: CompiledMeasure, facts: dict | None = None,
                   on: datetime.date | None = None) -> list[Question]:
    """The questions that can still change the decision for these raw facts, the next one first."""
    return Intake(measure, on or datetime.date.today(), facts or {}).questions()


#: An item index in a fact's path, `[0]` in `aandeelhouders[0].activiteit_sinds`.
_ITEM = re.compile(r"\[[0-9]+\]")


def _keys(name: str) -> list:
    """`aandeelhouders[0].activiteit_sinds` as ["aandeelhouders", 0, "activiteit_sinds"]."""
    keys: list = []
    for part in name.split("."):
        head, *indices = part.split("[")
        keys.append(head)
        keys += [int(index.rstrip("]")) for index in indices]
    return keys


def _question(path: tuple, fact: Fact, item_of: Text | None = None, item_name: str | None = None) -> Question:
    return Question(path, fact, fact.label, fact.question or fact.label, item_of, item_name)


def _item_name(fact: Fact, item: dict) -> str | None:
    """The item's first field when it is a text (a shareholder's name), to tell items apart."""
    first = next(iter(fact.fields), None)
    return item.get(first) if first and fact.fields[first].type.kind == "text" else None


def _declaration_order(measure: CompiledMeasure) -> dict[str, int]:
    order: dict[str, int] = {}

    def walk(facts: dict[str, Fact], prefix: str) -> None:
        for name, fact in facts.items():
            order.setdefault(prefix + name, len(order))
            if fact.fields:
                walk(fact.fields, prefix + name + ".")
    walk(measure.facts, "")
    return order


def _reference_fact(measure: CompiledMeasure) -> str | None:
    node = measure.measure.reference_date
    path = getattr(node, "path", None)
    return ".".join(path) if path else None


def _put(facts: dict, path: tuple, value) -> None:
    target = facts
    for key in path[:-1]:
        if isinstance(key, int):
            target = target[key]
        else:
            target = target.setdefault(key, {})
    target[path[-1]] = value


def case_form(fact: Fact, value):
    """A typed value as a case file writes it (so that a saved case reads back to the same value)."""
    kind = fact.type.kind
    if kind == "record":
        return {k: case_form(fact.fields[k], v) for k, v in value.items()}
    if kind == "list":
        if fact.item is not None:
            return [case_form(fact.item, v) for v in value]
        return [{k: case_form(fact.fields[k], v) for k, v in item.items()} for item in value]
    if kind == "percent":
        return f"{(value * 100).normalize():f}%"
    if kind == "duration":
        return f"{value} {fact.type.unit}"
    if isinstance(value, Decimal):
        return plain_number(value)
    return value


def plain_number(value: Decimal):
    """An int when whole, else the exact decimal as text (YAML floats would lose exactness)."""
    return int(value) if value == value.to_integral_value() else f"{value:f}"


def plain(data):
    """Raw case data with Decimals made YAML-safe (ints or exact text)."""
    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [plain(v) for v in data]
    if isinstance(data, Decimal):
        return plain_number(data)
    return data
