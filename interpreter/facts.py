"""Validate and convert a case's facts to typed values; every wrong value is a positioned error."""
from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from rulerun.dsl.checker import did_you_mean
from rulerun.dsl.errors import CaseError, Collector
from rulerun.dsl.measure import Fact
from rulerun.dsl.names import normal_name
from rulerun.dsl.yamlsource import Document

#: Largest absolute amount or number accepted in a case.
MAX_MAGNITUDE = Decimal("1e15")
_MONEY = re.compile(r"^\s*(?:€|EUR)?\s*(-?\d[\d_]*(?:\.\d+)?)\s*$")
_PERCENT = re.compile(r"^\s*(-?\d[\d_]*(?:\.\d+)?)\s*%\s*$")
_DURATION = re.compile(r"^\s*(\d+)\s*(days?|weeks?|months?|years?)\s*$")


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
                self.report.error(f"unknown fact: {where} `{name}`", self.span(path + (name,), key=True), hint,
                                  file=self.doc.source.name if self.doc else None)
                continue
            if value is None:
                continue
            given[key] = name
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
        return getattr(self, "_" + kind)(fact, value, path)

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
        if isinstance(value, bool):
            return value
        return self.error(path, f"must be yes or no (true/false), not `{value}`", "write true or false")

    def _number_like(self, value, path, what: str, hint: str):
        if isinstance(value, bool):
            return self.error(path, f"must be {what}, not a yes/no value", hint)
        if isinstance(value, int):
            value = Decimal(value)
        if isinstance(value, float):
            return self.error(path, f"must be {what}; give it as text or a decimal", hint)
        if isinstance(value, str):
            return value
        if not isinstance(value, Decimal):
            return self.error(path, f"must be {what}, not {_what(value)}", hint)
        if abs(value) > MAX_MAGNITUDE:
            return self.error(path, f"{value} is too large (the limit is {MAX_MAGNITUDE:,.0f})")
        return value

    def _bounds(self, fact: Fact, value, path, default_min=None, default_max=None, show=str):
        low = fact.minimum if fact.minimum is not None else default_min
        high = fact.maximum if fact.maximum is not None else default_max
        if low is not None and value < low:
            return self.error(path, f"{show(value)} is below the minimum {show(low)}")
        if high is not None and value > high:
            return self.error(path, f"{show(value)} is above the maximum {show(high)}")
        return value

    def _number(self, fact, value, path):
        hint = "write a number with a decimal point, e.g. 12.5"
        value = self._number_like(value, path, "a number", hint)
        if isinstance(value, str):
            text = value.replace("_", "")
            if re.fullmatch(r"-?\d+,\d+", text.strip()):
                return self.error(path, f"`{value}` uses a decimal comma", "write a decimal point: "
                                  + text.strip().replace(",", "."))
            try:
                value = Decimal(text)
                if not value.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                return self.error(path, f"`{value}` is not a number", hint)
        return None if value is None else self._bounds(fact, value, path)

    def _money(self, fact, value, path):
        hint = "write an amount in euro, e.g. 1250.50 or '€ 1250.50'"
        value = self._number_like(value, path, "an amount in euro", hint)
        if isinstance(value, str):
            match = _MONEY.match(value)
            if not match:
                if re.fullmatch(r"\s*(€|EUR)?\s*-?\d+,\d{1,2}\s*", value):
                    return self.error(path, f"`{value}` uses a decimal comma", "write a decimal point: € 1250.50")
                return self.error(path, f"`{value}` is not an amount", hint)
            value = Decimal(match.group(1).replace("_", ""))
        if value is None:
            return None
        if value != value.quantize(Decimal("0.01")):
            return self.error(path, f"{value} has more than two decimals; amounts are in whole cents",
                              "round it to the cent")
        return self._bounds(fact, value, path, Decimal(0), None, lambda v: f"€ {v}")

    def _percent(self, fact, value, path):
        if isinstance(value, str):
            match = _PERCENT.match(value)
            if match:
                return self._bounds(fact, Decimal(match.group(1).replace("_", "")) / 100, path, Decimal(0),
                                    Decimal(1), lambda v: f"{(v * 100).normalize():f}%")
        shown = value if not isinstance(value, bool) else str(value).lower()
        return self.error(path, f"`{shown}` is not a percentage", f"write it with a percent sign, e.g. '{shown}%'"
                          if isinstance(value, (int, Decimal)) and not isinstance(value, bool)
                          else "write it with a percent sign, e.g. '30%'")

    def _date(self, fact, value, path):
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return self._bounds(fact, value, path)
        if isinstance(value, str):
            try:
                return self._bounds(fact, datetime.date.fromisoformat(value.strip()), path)
            except ValueError:
                pass
        return self.error(path, f"`{value}` is not a calendar date", "write YYYY-MM-DD, e.g. 2022-04-28")

    def _duration(self, fact, value, path):
        unit = fact.type.unit
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            match = _DURATION.match(value)
            if match:
                count, word = int(match.group(1)), match.group(2).rstrip("s")
                days = {"day": ("days", 1), "week": ("days", 7), "month": ("months", 1), "year": ("months", 12)}
                got_unit, factor = days[word]
                if got_unit != unit:
                    return self.error(path, f"`{value}` is in {got_unit}, but this fact counts {unit}")
                return count * factor
        return self.error(path, f"`{value}` is not a duration", f"write e.g. '14 days' (this fact counts {unit})")

    def _text(self, fact, value, path):
        if not isinstance(value, str):
            return self.error(path, f"must be a text, not {_what(value)}", f"quote it: \"{value}\"")
        if fact.pattern and not re.fullmatch(fact.pattern, value[:1000]):
            return self.error(path, f"`{value}` does not have the required form", f"it must match {fact.pattern}")
        return value

    def _enum(self, fact, value, path):
        values = fact.type.values or ()
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, str) or value not in values:
            return self.error(path, f"`{value}` is not one of {', '.join(values)}",
                              did_you_mean(str(value), values))
        return value


def dotted(path: tuple) -> str:
    """`("a", 0, "b")` as `a[0].b`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (("." if text else "") + part)
    return text


def _what(value) -> str:
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, (int, Decimal)):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"`{value}`"


def read_facts(facts: dict[str, Fact], raw, document: Document | None = None, base: tuple = ()) -> dict:
    """Typed facts from raw data; raise CaseError listing every problem."""
    report = Collector()
    result = FactReader(facts, document, report, base).read(raw)
    report.raise_if_errors(CaseError)
    return result


#: Words read as yes and as no where a person or a spreadsheet types a yes/no fact.
YES = frozenset({"yes", "y", "ja", "j", "true", "waar", "1"})
NO = frozenset({"no", "n", "nee", "false", "onwaar", "0"})


def from_text(fact: Fact, text: str):
    """A typed-in value (an answer, a CSV cell) as a case file would give it, for the reader to judge."""
    kind = fact.type.kind
    if kind == "bool":
        low = text.strip().lower()
        return True if low in YES else False if low in NO else text
    if kind == "list":
        import json
        try:
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError:
            return text
    return text
