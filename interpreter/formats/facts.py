"""Validate and convert a case's facts to typed values; every wrong value is a positioned error."""
from __future__ import annotations

import datetime
from decimal import Decimal

from rulerun.dsl.names import did_you_mean
from rulerun.dsl.errors import CaseError, Collector
from rulerun.dsl.measure import Fact
from rulerun.dsl.names import normal_name
from rulerun.dsl.yamlsource import Document

from .fact_readers import SLOW, mapping_reader
from .records import RecordProblem, decode_json
from .scalars import (
    Refused, read_date, read_yes_no, read_duration, read_money, read_number, read_percent, shown, what_it_is,
)

#: The kinds whose values are read by `scalars`, from the text as written when a case file gives it.
WRITTEN_KINDS = frozenset({"money", "number", "percent", "date", "duration"})


class FactReader:
    """Converts raw case data for the declared facts, reporting into a collector."""

    def __init__(self, facts: dict[str, Fact], document: Document | None, report: Collector, base: tuple = ()):
        self.facts = facts
        self.doc = document
        self.report = report
        self.base = base

    def span(self, path: tuple, key: bool = False):
        return self.doc.span(self.base + path, key) if self.doc else None

    def error(self, path: tuple, message: str, hint: str | None = None, key: bool = False) -> None:
        name = dotted(path)
        self.report.error(f"fact `{name}`: {message}" if name else message, self.span(path, key), hint,
                          file=self.doc.source.name if self.doc else None)

    def read(self, raw) -> dict:
        """The typed facts of a case mapping."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.error((), "the facts must be a mapping of fact names to values")
            return {}
        return self._mapping(raw, self.facts, ())

    def _mapping(self, raw: dict, declared: dict[str, Fact], path: tuple) -> dict:
        out = {}
        given: dict[str, str] = {}
        for name, value in raw.items():
            key = normal_name(str(name))
            fact = declared.get(key)
            if fact is not None and key in given:
                self.report.error(f"fact `{name}` is given twice: it is the same name as `{given[key]}`",
                                  self.span(path + (name,), key=True), "give each fact once",
                                  file=self.doc.source.name if self.doc else None)
                continue
            if fact is None:
                where = f"`{dotted(path)}` has no field" if path else "the measure has no fact"
                hint = did_you_mean(name, declared) or ("known: " + ", ".join(declared) if declared else None)
                self.report.error(f"unknown fact: {where} `{shown(name)}`", self.span(path + (name,), key=True), hint,
                                  file=self.doc.source.name if self.doc else None)
                continue
            given[key] = name  # a name left empty still counts: its other spelling is then given twice
            if value is None:
                continue
            converted = self.value(fact, value, path + (name,))
            if converted is not None:
                out[key] = converted
        return out

    def value(self, fact: Fact, value, path: tuple):
        kind = fact.type.kind
        if kind == "record":
            if not isinstance(value, dict):
                return self.error(path, f"must be a mapping of its fields ({', '.join(fact.fields)})")
            return self._mapping(value, fact.fields, path)
        if kind == "list":
            return self._list(fact, value, path)
        if kind in WRITTEN_KINDS:
            return self._scalar(fact, self.written(path, value), path)
        return getattr(self, "_" + kind)(fact, value, path)

    def written(self, path: tuple, value):
        """The value as written in the case file, for numbers and dates; see `as_written`."""
        return as_written(self.doc, self.base + path, value)

    def _list(self, fact: Fact, value, path: tuple):
        if not isinstance(value, list):
            return self.error(path, "must be a list", "write one item per line, each starting with `- `")
        items = []
        for i, item in enumerate(value):
            if fact.item is not None:
                converted = self.value(fact.item, item, path + (i,)) if item is not None else None
                if converted is None and item is None:
                    self.error(path + (i,), "a list item cannot be empty")
                items.append(converted)
                continue
            if not isinstance(item, dict):
                self.error(path + (i,), f"each item must be a mapping with fields {', '.join(fact.fields)}")
                continue
            record = self._mapping(item, fact.fields, path + (i,))
            for fname, field in fact.fields.items():
                if field.optional:
                    continue
                if fname not in item:
                    self.error(path + (i,), f"is missing the field `{fname}`",
                               f"every item of `{dotted(path)}` gives " + ", ".join(fact.fields))
                elif item[fname] is None:
                    self.error(path + (i, fname), "is empty; every item of the list must give it")
            items.append(record)
        return tuple(items)

    def _bool(self, fact, value, path):
        try:
            return read_yes_no(self.written(path, value))
        except Refused as refused:
            return self.error(path, refused.message, refused.hint)

    def _bounds(self, fact: Fact, value, path, default_min=None, default_max=None, show=str):
        low = fact.minimum if fact.minimum is not None else default_min
        high = fact.maximum if fact.maximum is not None else default_max
        if low is not None and value < low:
            return self.error(path, f"{show(value)} is below the minimum {show(low)}")
        if high is not None and value > high:
            return self.error(path, f"{show(value)} is above the maximum {show(high)}")
        return value

    def _scalar(self, fact, value, path):
        """Read a scalar with its kind's one reader; a refusal becomes a positioned error."""
        kind = fact.type.kind
        try:
            if kind == "money":
                return self._bounds(fact, read_money(value), path, Decimal(0), None, lambda v: f"€ {v}")
            if kind == "number":
                return self._bounds(fact, read_number(value), path)
            if kind == "percent":
                return self._bounds(fact, read_percent(value), path, Decimal(0), Decimal(1),
                                    lambda v: f"{(v * 100).normalize():f}%")
            if kind == "date":
                return self._bounds(fact, read_date(value), path)
            return read_duration(value, fact.type.unit)
        except Refused as refused:
            return self.error(path, refused.message, refused.hint)

    def _text(self, fact, value, path):
        if not isinstance(value, str):
            written = self.written(path, value)
            return self.error(path, f"must be a text, not {what_it_is(value, written)}",
                              f"quote it: \"{shown(written)}\"")
        if fact.pattern is not None and not fact.pattern.fullmatch(value):
            return self.error(path, f"`{shown(value)}` does not have the required form",
                              f"it must match {shown(fact.pattern.text)}")
        return value

    def _enum(self, fact, value, path):
        values = fact.type.values or ()
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, str) or value not in values:
            return self.error(path, f"`{shown(value)}` is not one of {', '.join(values)}",
                              did_you_mean(str(value)[:100], values))
        return value


def dotted(path: tuple) -> str:
    """`("a", 0, "b")` as `a[0].b`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (("." if text else "") + part)
    return text


def as_written(document: Document | None, path: tuple, value):
    """A number, date or yes/no as written in the file (YAML would read `010` as 8, `1:30` as 90, `on` as
    true); else the value."""
    if document is None or isinstance(value, str) or not isinstance(value, (int, Decimal, datetime.date)):
        return value
    info = document.nodes.get(path)
    return info.raw if info is not None and info.style is None and info.raw is not None else value


def read_facts(facts: dict[str, Fact], raw, document: Document | None = None, base: tuple = ()) -> dict:
    """Typed facts from raw data; raise CaseError listing every problem."""
    if document is None:  # without a file to point into, the common shapes are read by readers built once
        typed = _readers(facts)(raw)
        if typed is not SLOW:
            return typed
    report = Collector()
    result = FactReader(facts, document, report, base).read(raw)
    report.raise_if_errors(CaseError)
    return result


#: The mapping readers of the measures in use, by the identity of their facts (kept alive here, so the id stays theirs).
_READERS: dict[int, tuple[dict, object]] = {}
_MOST_READERS = 64


def _readers(facts: dict[str, Fact]):
    entry = _READERS.get(id(facts))
    if entry is None or entry[0] is not facts:
        if len(_READERS) >= _MOST_READERS:
            _READERS.clear()  # rather than choosing one to drop: so many measures in one process are rare
        entry = _READERS[id(facts)] = (facts, mapping_reader(facts))
    return entry[1]


def from_text(fact: Fact, text: str):
    """A typed-in value (an answer, a CSV cell) as a case file would give it; RecordProblem for a broken JSON list."""
    if fact.type.kind == "list" and text.lstrip().startswith("["):
        # Written as JSON: decoded by the batch record decoder (numbers keep their text, for the
        # readers to judge as written); broken JSON raises RecordProblem, naming where it breaks.
        return decode_json(text)
    return text
