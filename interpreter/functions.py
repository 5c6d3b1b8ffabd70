"""Implementations of the built-in table in rulerun.dsl.builtins, by key."""
from __future__ import annotations

import datetime
import operator
from decimal import Decimal

from . import values as v


def _date_diff(left: datetime.date, right: datetime.date) -> Decimal:
    return Decimal((left - right).days)


def _mul_duration(left, right) -> int:
    count, duration = (right, left) if isinstance(left, int) else (left, right)
    if count != count.to_integral_value():
        raise ValueError(f"a duration can only be multiplied by a whole number, not {count}")
    return int(count) * duration


# The operator module's functions: the same operations, without a Python frame for each.
BINARY_IMPL = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
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
    return datetime.date(int(year), int(month), int(day))


FUNCTION_IMPL = {
    "min": min,
    "max": max,
    "abs": abs,
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
}
