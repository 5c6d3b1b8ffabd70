"""The one table of operators, functions and aggregates, shared by checker and evaluator.

A function's entry is all there is to it: its signature for the checker and the editor, and its
implementation (from `library`), which both back-ends of the engine call. An operator's entry names
an implementation key; the engine maps operator keys to Python functions.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any, Callable

from .library import (
    CENT, WHOLE, absolute, days_between, divide_rounded, end_of_month, end_of_year, make_date, round_cents,
    round_down_cents, round_whole,
)

NUMERIC = ("number", "money", "percent")

#: (operator, left tag, right tag) -> (result tag, implementation key)
BINARY: dict[tuple[str, str, str], tuple[str, str]] = {}


def _add(op: str, left: str, right: str, result: str, impl: str) -> None:
    BINARY[(op, left, right)] = (result, impl)


for _tag in NUMERIC:
    _add("+", _tag, _tag, _tag, "add")
    _add("-", _tag, _tag, _tag, "sub")
for _unit in ("days", "months"):
    _add("+", _unit, _unit, _unit, "add_durations")
    _add("-", _unit, _unit, _unit, "sub_durations")
_add("+", "date", "days", "date", "date_plus_days")
_add("+", "days", "date", "date", "days_plus_date")
_add("+", "date", "months", "date", "date_plus_months")
_add("+", "months", "date", "date", "months_plus_date")
_add("-", "date", "days", "date", "date_minus_days")
_add("-", "date", "months", "date", "date_minus_months")
_add("-", "date", "date", "number", "date_diff")
for _left, _right, _result in [
    ("number", "number", "number"), ("money", "number", "money"), ("number", "money", "money"),
    ("money", "percent", "money"), ("percent", "money", "money"), ("percent", "number", "number"),
    ("number", "percent", "number"), ("percent", "percent", "percent"),
]:
    _add("*", _left, _right, _result, "mul")
for _unit in ("days", "months"):
    _add("*", _unit, "number", _unit, "mul_duration")
    _add("*", "number", _unit, _unit, "mul_duration")
for _left, _right, _result in [
    ("number", "number", "number"), ("money", "money", "number"), ("money", "number", "money"),
    ("percent", "number", "percent"), ("percent", "percent", "number"),
]:
    _add("/", _left, _right, _result, "div")

ORDERING = ("<", "<=", ">", ">=")
EQUALITY = ("=", "!=")

#: Hints for operator/operand combinations analysts get wrong.
BINARY_HINTS = {
    ("+", "money", "number"): "write the number as an amount: `€ 500`",
    ("+", "number", "money"): "write the number as an amount: `€ 500`",
    ("-", "money", "number"): "write the number as an amount: `€ 500`",
    ("+", "money", "percent"): "to add a percentage of an amount, write `amount * (1 + 10%)`",
    ("*", "money", "money"): "multiply an amount by a number or a percentage, not by another amount",
    ("+", "date", "number"): "add a duration: `date + 14 days`",
    ("-", "date", "number"): "subtract a duration: `date - 14 days`",
    ("+", "date", "date"): "subtract dates to get a number of days; add a duration to a date",
    ("/", "number", "percent"): "divide by a number, or multiply by the percentage",
}


@dataclass(frozen=True)
class Function:
    """A built-in function: its parameter tags (or a rule name), result, meaning and implementation."""

    name: str
    params: tuple[str, ...]
    result: str
    doc: str
    impl: Callable[..., Any] | None  # on plain values; None only for `matches`, whose pattern the checker compiles
    variadic: bool = False  # `impl` takes one tuple of all the arguments
    #: For a rounding function: `impl` of a division written straight inside it, rounding its exact quotient once.
    quotient: Callable[[Decimal, Decimal], Decimal] | None = None

    @property
    def signature(self) -> str:
        """How it is called, as the editor shows it: `min(ordered, …) → same`."""
        return f"{self.name}({', '.join(self.params)}{', …' if self.variadic else ''}) → {self.result}"


def _year(day: datetime.date) -> Decimal:
    return Decimal(day.year)


def _month(day: datetime.date) -> Decimal:
    return Decimal(day.month)


def _day(day: datetime.date) -> Decimal:
    return Decimal(day.day)


def _length(text: str) -> Decimal:
    return Decimal(len(text))


FUNCTIONS: dict[str, Function] = {f.name: f for f in [
    Function("min", ("ordered",), "same", "the smallest of its arguments (all of one type)", min, variadic=True),
    Function("max", ("ordered",), "same", "the largest of its arguments (all of one type)", max, variadic=True),
    Function("abs", ("numeric",), "same", "the absolute value", absolute),
    Function("round_cents", ("money",), "money", "rounds an amount to the cent, half up (€ 0.005 → € 0.01)",
             round_cents, quotient=partial(divide_rounded, quantum=CENT, rounding=ROUND_HALF_UP)),
    Function("round_down_cents", ("money",), "money", "rounds an amount down to the cent (towards zero)",
             round_down_cents, quotient=partial(divide_rounded, quantum=CENT, rounding=ROUND_DOWN)),
    Function("round", ("number",), "number", "rounds a number to a whole number, half up",
             round_whole, quotient=partial(divide_rounded, quantum=WHOLE, rounding=ROUND_HALF_UP)),
    Function("days_between", ("date", "date"), "number", "days from the first date to the second", days_between),
    Function("year", ("date",), "number", "the year of a date", _year),
    Function("month", ("date",), "number", "the month of a date (1-12)", _month),
    Function("day", ("date",), "number", "the day of the month of a date", _day),
    Function("date", ("number", "number", "number"), "date", "the date with year, month and day", make_date),
    Function("end_of_year", ("date",), "date", "31 December of the date's year", end_of_year),
    Function("end_of_month", ("date",), "date", "the last day of the date's month", end_of_month),
    Function("matches", ("text", "pattern"), "bool",
             "whether the whole text matches a regular expression given as a text literal", None),
    Function("length", ("text",), "number", "the number of characters in a text", _length),
]}


def add_function(function: Function) -> None:
    """Add a built-in function: the checker, the editor and both back-ends of the engine take it from here."""
    if function.name in FUNCTIONS:
        raise ValueError(f"there is already a built-in function `{function.name}`")
    if function.impl is None:
        raise ValueError(f"the built-in function `{function.name}` needs an implementation")
    FUNCTIONS[function.name] = function


def remove_function(name: str) -> None:
    """Remove a built-in function added with `add_function`."""
    del FUNCTIONS[name]

#: Aggregates over a list: func -> (body requirement, result rule).
AGGREGATES: dict[str, tuple[str, str]] = {
    "sum": ("summable", "same"),
    "min": ("ordered", "same"),
    "max": ("ordered", "same"),
    "count": ("none", "number"),
    "any": ("bool-or-none", "bool"),
    "all": ("bool-or-none", "bool"),
}

#: Names every measure can use without declaring them.
CONSTANTS = {"evaluation_date": "date", "reference_date": "date"}
