"""Readers built once per declared fact, for the common shapes of a value: plain digits, ISO dates, known words.

A fact reader gives the value `FactReader` would give, or `SLOW` for anything it does not take
(a currency sign, a decimal comma, a value out of bounds, an unknown name, a wrong type): then
the whole mapping is read again by `FactReader`, so every accepted value is the same and every
refusal keeps its message. Many cases read with one measure pay for the checks once, not per value.
"""
from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Callable

from rulerun.dsl.measure import Fact
from rulerun.dsl.names import normal_name

from .scalars import Refused, Written, read_duration, read_yes_no

#: What a reader returns for a value it leaves to the general reader.
SLOW = object()

# Fifteen whole digits at most: below scalars.MAX_MAGNITUDE (1e15), so no magnitude check is needed.
_MONEY = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?").fullmatch
_NUMBER = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,100})?").fullmatch
_PERCENT = re.compile(r"([0-9]{1,15}(?:\.[0-9]{1,100})?)%").fullmatch
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch
_LIMIT = 10 ** 15

Reader = Callable[[object], object]


def mapping_reader(declared: dict[str, Fact]) -> Callable[[object], object]:
    """A reader of a mapping of these facts (a case's facts, a record's fields): a dict, or SLOW."""
    readers = {name: fact_reader(fact) for name, fact in declared.items() if normal_name(name) == name}

    def read(raw):
        if type(raw) is not dict:
            return SLOW
        out = {}
        for name, value in raw.items():
            reader = readers.get(name) if type(name) is str else None
            if reader is None:
                return SLOW  # an unknown name, or one written in another form: the general reader says which
            if value is None:
                continue
            typed = reader(value)
            if typed is SLOW:
                return SLOW
            out[name] = typed
        return out
    return read


def fact_reader(fact: Fact) -> Reader:
    """The reader of one fact's values."""
    kind = fact.type.kind
    if kind == "money":
        return _decimal_reader(_MONEY, *_bounds(fact, Decimal(0), None))
    if kind == "number":
        return _decimal_reader(_NUMBER, *_bounds(fact, None, None))
    if kind == "percent":
        return _percent_reader(*_bounds(fact, Decimal(0), Decimal(1)))
    if kind == "date":
        return _date_reader(*_bounds(fact, None, None))
    if kind == "enum":
        words = frozenset(fact.type.values or ())
        return lambda value: value if type(value) is str and value in words else SLOW
    if kind == "text":
        return _text_reader(fact)
    if kind == "bool":
        return _bool_reader
    if kind == "duration" and fact.type.unit is not None:
        return _duration_reader(fact.type.unit)
    if kind == "record":
        return mapping_reader(fact.fields)
    if kind == "list":
        return _list_reader(fact)
    return lambda value: SLOW


def _bounds(fact: Fact, low, high) -> tuple:
    """The fact's declared bounds, else the kind's own (None: no bound)."""
    return (fact.minimum if fact.minimum is not None else low, fact.maximum if fact.maximum is not None else high)


def _decimal_reader(pattern, low, high) -> Reader:
    def read(value):
        kind = type(value)
        if kind is str:
            text = value
        elif kind is Written:
            text = value.written
        elif kind is int and 0 <= value < _LIMIT:
            text = str(value)
        else:
            return SLOW
        if pattern(text) is None:
            return SLOW
        number = Decimal(text)
        if (low is not None and number < low) or (high is not None and number > high):
            return SLOW
        return number
    return read


def _percent_reader(low, high) -> Reader:
    def read(value):
        match = _PERCENT(value) if type(value) is str else None
        if match is None:
            return SLOW
        fraction = Decimal(match.group(1)) / 100
        return fraction if low <= fraction <= high else SLOW
    return read


def _date_reader(low, high) -> Reader:
    def read(value):
        if type(value) is datetime.date:
            day = value
        elif type(value) is str and _DATE(value) is not None:
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                return SLOW
        else:
            return SLOW
        if (low is not None and day < low) or (high is not None and day > high):
            return SLOW
        return day
    return read


def _text_reader(fact: Fact) -> Reader:
    pattern = fact.pattern
    if pattern is None:
        return lambda value: value if type(value) is str else SLOW
    return lambda value: value if type(value) is str and pattern.fullmatch(value) else SLOW


def _bool_reader(value):
    if type(value) is bool:
        return value
    try:
        return read_yes_no(value)
    except Refused:
        return SLOW


def _duration_reader(unit: str) -> Reader:
    def read(value):
        if type(value) is bool:
            return SLOW
        try:
            return read_duration(value, unit)
        except Refused:
            return SLOW
    return read


def _list_reader(fact: Fact) -> Reader:
    if fact.item is not None:
        item = fact_reader(fact.item)

        def read_items(value):
            if type(value) is not list:
                return SLOW
            items = []
            for one in value:
                typed = SLOW if one is None else item(one)
                if typed is SLOW:
                    return SLOW
                items.append(typed)
            return tuple(items)
        return read_items
    record = mapping_reader(fact.fields)
    required = [name for name, field in fact.fields.items() if not field.optional]

    def read_records(value):
        if type(value) is not list:
            return SLOW
        items = []
        for one in value:
            if type(one) is not dict or any(one.get(name) is None for name in required):
                return SLOW
            typed = record(one)
            if typed is SLOW:
                return SLOW
            items.append(typed)
        return tuple(items)
    return read_records
