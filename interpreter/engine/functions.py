"""Implementations of the operators of rulerun.dsl.builtins, by key (functions carry their own there)."""
from __future__ import annotations

import datetime
import operator
from decimal import Decimal
from typing import Any, Callable

from rulerun.dsl import ast
from rulerun.dsl.builtins import BINARY, FUNCTIONS
from rulerun.dsl.checker import Typing
from rulerun.dsl.exact import EXACT
from rulerun.dsl.library import Refused

from . import values as v


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


def rounded_division(node: ast.Call, typing: Typing) -> ast.Binary | None:
    """The division `node` rounds directly (`round_cents(a / b)`), or None.

    A division is otherwise exact or an error; written straight inside a rounding function, its
    quotient need not be exact, as it is rounded once to what the regulation asks.
    """
    if FUNCTIONS[node.func].quotient is None or len(node.args) != 1:
        return None
    inner = node.args[0]
    if not isinstance(inner, ast.Binary) or inner.op != "/":
        return None
    key = (inner.op, typing.types[id(inner.left)].tag, typing.types[id(inner.right)].tag)
    return inner if BINARY[key][1] == "div" else None
