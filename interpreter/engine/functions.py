"""Implementations of the built-in table in rulerun.dsl.builtins, by key."""
from __future__ import annotations

import datetime
import operator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any, Callable

from rulerun.dsl import ast
from rulerun.dsl.builtins import BINARY, FUNCTIONS, Function
from rulerun.dsl.exact import EXACT

from . import values as v


class Refused(ValueError):
    """A value a function cannot take, with what to write instead."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


def _date_diff(left: datetime.date, right: datetime.date) -> Decimal:
    return Decimal((left - right).days)


def _mul_duration(left, right) -> int:
    count, duration = (right, left) if isinstance(left, int) else (left, right)
    if count != count.to_integral_value():
        raise Refused(f"a duration can only be multiplied by a whole number, not {count}")
    return int(count) * duration


#: What the implementations raise for a value they cannot take (a division by zero, a result out of
#: range): a language error, reported at the expression. Anything else is a bug in the engine.
LANGUAGE_ERRORS = (ArithmeticError, ValueError)


# Decimals through the exact context (a result that would be rounded raises `Inexact`); whole
# days and months through the operator module. Both are C functions: no Python frame per operation.
BINARY_IMPL: dict[str, Callable[[Any, Any], Any]] = {
    "add": EXACT.add,
    "sub": EXACT.subtract,
    "mul": EXACT.multiply,
    "div": EXACT.divide,
    "add_durations": operator.add,
    "sub_durations": operator.sub,
    "date_plus_days": v.add_days,
    "days_plus_date": lambda a, b: v.add_days(b, a),
    "date_plus_months": v.add_months,
    "months_plus_date": lambda a, b: v.add_months(b, a),
    "date_minus_days": lambda a, b: v.add_days(a, -b),
    "date_minus_months": lambda a, b: v.add_months(a, -b),
    "date_diff": _date_diff,
    "mul_duration": _mul_duration,
}

COMPARE_IMPL = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def _date(year: Decimal, month: Decimal, day: Decimal) -> datetime.date:
    for part, value in (("year", year), ("month", month), ("day", day)):
        if value != value.to_integral_value():
            raise Refused(f"`date` takes a whole {part}, not {v.plain(value)}",
                          "round it first, e.g. `date(year(d), round(m), 1)`, or compute with dates and durations")
    if not 1 <= year <= 9999:
        raise Refused(f"the year {v.plain(year)} is out of range (years 1 to 9999)")
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise Refused(f"there is no date with year {v.plain(year)}, month {v.plain(month)} and day {v.plain(day)}",
                      "months are 1 to 12, and the day must exist in that month") from None


FUNCTION_IMPL: dict[str, Callable[..., Any]] = {
    "min": min,
    "max": max,
    "abs": v.absolute,
    "round_cents": v.round_cents,
    "round_down_cents": v.round_down_cents,
    "round": v.round_whole,
    "days_between": lambda a, b: Decimal((b - a).days),
    "year": lambda d: Decimal(d.year),
    "month": lambda d: Decimal(d.month),
    "day": lambda d: Decimal(d.day),
    "date": _date,
    "end_of_year": lambda d: datetime.date(d.year, 12, 31),
    "end_of_month": v.end_of_month,
    "length": lambda t: Decimal(len(t)),
    "given": lambda value: True,  # reached only with a value: both back-ends answer false for a fact left out
}


def add_function(function: Function, impl: Callable[..., Any]) -> None:
    """Add a built-in function: its signature for the checker, its implementation for both back-ends.

    The one place a function is added: the closures and the generated code both call `impl`
    through FUNCTION_IMPL, with Unknown arguments and language errors handled around it.
    """
    FUNCTIONS[function.name] = function
    FUNCTION_IMPL[function.name] = impl


def remove_function(name: str) -> None:
    """Remove a built-in function added with `add_function`."""
    del FUNCTIONS[name], FUNCTION_IMPL[name]


#: Rounding functions that, applied straight to a division, round its exact quotient once.
QUOTIENT_IMPL = {
    "round_cents": partial(v.divide_rounded, quantum=v.CENT, rounding=ROUND_HALF_UP),
    "round_down_cents": partial(v.divide_rounded, quantum=v.CENT, rounding=ROUND_DOWN),
    "round": partial(v.divide_rounded, quantum=v.WHOLE, rounding=ROUND_HALF_UP),
}


def rounded_division(node: ast.Call, typing) -> ast.Binary | None:
    """The division `node` rounds directly (`round_cents(a / b)`), or None.

    A division is otherwise exact or an error; written straight inside a rounding function, its
    quotient need not be exact, as it is rounded once to what the regulation asks.
    """
    if node.func not in QUOTIENT_IMPL or len(node.args) != 1:
        return None
    inner = node.args[0]
    if not isinstance(inner, ast.Binary) or inner.op != "/":
        return None
    key = (inner.op, typing.types[id(inner.left)].tag, typing.types[id(inner.right)].tag)
    return inner if BINARY[key][1] == "div" else None
