"""The tables of operators, functions and aggregates, shared by checker and evaluator.

An operator's or a function's entry is all there is to it: its signature for the checker (and the
editor), its result type, and its implementation on plain values (from `library`), which both
back-ends of the engine call.
"""
from __future__ import annotations

import datetime
import operator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any, Callable

from .exact import EXACT
from .library import (
    CENT, WHOLE, absolute, add_days, add_months, date_difference, days_between, divide_rounded, end_of_month,
    end_of_year, make_date, multiply_duration, negate, round_cents, round_down_cents, round_whole,
)
from .records import record

NUMERIC = ("number", "money", "percent")
ORDERING = ("<", "<=", ">", ">=")
EQUALITY = ("=", "!=")
#: Operators the checker types by its rules of comparison (comparable types, ordered types, a list's items).
COMPARING = (*EQUALITY, *ORDERING, "in", "not in")


@record(frozen=True)
class Operator:
    """An operator on operands of given types: its result type, what it computes, and its implementation."""

    symbol: str  # as written: `+`, `<=`, `in`; `-` with one operand is negation
    operands: tuple[str, ...]  # the operands' type tags; none for a comparison (see COMPARING)
    result: str
    key: str  # what it computes, for a back-end that writes it out rather than calling `impl`: "add", "<="
    impl: Callable[..., Any]  # on plain values; a value it cannot take raises `library.Refused`

    @property
    def entry(self) -> tuple[str, ...]:
        """Its key in OPERATORS: the symbol with the operand types; a comparison's symbol alone."""
        return (self.symbol, *self.operands)


#: (symbol, *operand tags) -> the operator; a comparison by (symbol,) alone.
OPERATORS: dict[tuple[str, ...], Operator] = {}


def _enter(symbol: str, operands: tuple[str, ...], result: str, key: str, impl: Callable[..., Any]) -> None:
    entry = Operator(symbol, operands, result, key, impl)
    OPERATORS[entry.entry] = entry


def _in(item: object, items: Any) -> bool:
    return item in items


def _not_in(item: object, items: Any) -> bool:
    return item not in items


# Decimals through the exact context (a result that would be rounded raises `Inexact`); whole days
# and months through the operator module: C functions, no Python frame per operation.
for _tag in NUMERIC:
    _enter("+", (_tag, _tag), _tag, "add", EXACT.add)
    _enter("-", (_tag, _tag), _tag, "sub", EXACT.subtract)
    _enter("-", (_tag,), _tag, "neg", negate)
for _unit in ("days", "months"):
    _enter("+", (_unit, _unit), _unit, "add_durations", operator.add)
    _enter("-", (_unit, _unit), _unit, "sub_durations", operator.sub)
    _enter("-", (_unit,), _unit, "neg", negate)
_enter("+", ("date", "days"), "date", "date_plus_days", add_days)
_enter("+", ("days", "date"), "date", "days_plus_date", lambda days, day: add_days(day, days))
_enter("+", ("date", "months"), "date", "date_plus_months", add_months)
_enter("+", ("months", "date"), "date", "months_plus_date", lambda months, day: add_months(day, months))
_enter("-", ("date", "days"), "date", "date_minus_days", lambda day, days: add_days(day, -days))
_enter("-", ("date", "months"), "date", "date_minus_months", lambda day, months: add_months(day, -months))
_enter("-", ("date", "date"), "number", "date_diff", date_difference)
for _left, _right, _result in [
    ("number", "number", "number"), ("money", "number", "money"), ("number", "money", "money"),
    ("money", "percent", "money"), ("percent", "money", "money"), ("percent", "number", "number"),
    ("number", "percent", "number"), ("percent", "percent", "percent"),
]:
    _enter("*", (_left, _right), _result, "mul", EXACT.multiply)
for _unit in ("days", "months"):
    _enter("*", (_unit, "number"), _unit, "mul_duration", multiply_duration)
    _enter("*", ("number", _unit), _unit, "mul_duration", multiply_duration)
for _left, _right, _result in [
    ("number", "number", "number"), ("money", "money", "number"), ("money", "number", "money"),
    ("percent", "number", "percent"), ("percent", "percent", "number"),
]:
    _enter("/", (_left, _right), _result, "div", EXACT.divide)
for _symbol, _impl in [("=", operator.eq), ("!=", operator.ne), ("<", operator.lt), ("<=", operator.le),
                       (">", operator.gt), (">=", operator.ge), ("in", _in), ("not in", _not_in)]:
    _enter(_symbol, (), "bool", _symbol, _impl)


def operator_for(symbol: str, *tags: str) -> Operator | None:
    """The operator `symbol` on operands of these types (a comparison whatever they are), or None."""
    return OPERATORS.get((symbol,)) if symbol in COMPARING else OPERATORS.get((symbol, *tags))


def add_operator(entry: Operator) -> None:
    """Add an operator for operand types: the checker and both back-ends of the engine take it from here.

    The symbol must be one the grammar reads; a new symbol needs the grammar and the parser too.
    """
    if entry.symbol in COMPARING or entry.entry in OPERATORS:
        raise ValueError(f"there is already an operator `{entry.symbol}` on {', '.join(entry.operands)}")
    OPERATORS[entry.entry] = entry


def remove_operator(entry: Operator) -> None:
    """Remove an operator added with `add_operator`."""
    del OPERATORS[entry.entry]


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


@record(frozen=True)
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


def _given(value: object) -> bool:
    # Reached only with a value: both back-ends answer false themselves for a fact left out.
    return True


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
    Function("given", ("fact",), "bool",
             "whether the case gives this fact (never unknown): for a fact the measure treats as optional", _given),
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

# The tables as the language defines them, before any entry is added at run time.
_BUILT_IN_FUNCTIONS = dict(FUNCTIONS)
_BUILT_IN_OPERATORS = dict(OPERATORS)


def pristine() -> bool:
    """Whether FUNCTIONS and OPERATORS hold exactly the language's own entries (none added, removed or replaced)."""
    return (FUNCTIONS.keys() == _BUILT_IN_FUNCTIONS.keys() and OPERATORS.keys() == _BUILT_IN_OPERATORS.keys()
            and all(FUNCTIONS[k] is v for k, v in _BUILT_IN_FUNCTIONS.items())
            and all(OPERATORS[k] is v for k, v in _BUILT_IN_OPERATORS.items()))
