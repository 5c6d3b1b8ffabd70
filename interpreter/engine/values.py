"""Runtime values: exact decimals, calendar dates, and Unknown for facts not given.

Types are checked before evaluation, so values are plain Python: money, numbers and
percentages are `Decimal` (a percentage holds its fraction: 30% is Decimal('0.3')),
durations are `int` days or months (the checker knows which), dates are `datetime.date`.
"""
from __future__ import annotations

import datetime
from decimal import Decimal

from rulerun.dsl.exact import EXACT, ROUNDING
# The built-in functions' arithmetic, defined with the language and used here for amounts and display.
from rulerun.dsl.library import (  # noqa: F401 - re-exported as the engine's values
    CENT, WHOLE, absolute, add_days, add_months, divide_rounded, end_of_month, negate, plain, round_cents,
    round_down_cents, round_whole,
)


class Unknown:
    """A value that depends on facts the case does not give; `missing` names them.

    `low` and `high` bound it where the declarations do (an amount is never below € 0), None
    where nothing does; `bounds.py` settles a result from them. Two Unknowns are equal when they
    miss the same facts.
    """

    __slots__ = ("missing", "low", "high")

    def __init__(self, missing=frozenset(), low=None, high=None):
        self.missing = frozenset(missing)
        self.low = low
        self.high = high

    def __repr__(self) -> str:
        return f"Unknown({sorted(self.missing)})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Unknown) and other.missing == self.missing

    def __hash__(self) -> int:
        return hash(self.missing)


def unknown_of(*values) -> Unknown:
    """An Unknown whose missing facts are those of every Unknown among `values`."""
    missing: set[str] = set()
    for v in values:
        if type(v) is Unknown:
            missing |= v.missing
    return Unknown(missing)


def exact_sum(values, zero):
    """The sum of `values` (decimals, or whole days or months), without rounding."""
    if isinstance(zero, Decimal):
        add = EXACT.add
        total = zero
        for value in values:
            total = add(total, value)
        return total
    return sum(values, zero)


def format_money(amount: Decimal) -> str:
    """An amount as `€ 1234.56`; an amount finer than a cent keeps all its digits."""
    return f"€ {round_cents(amount):.2f}" if amount == round_cents(amount) else f"€ {plain(amount)}"


def format_value(value, tag: str) -> str:
    """A value as an analyst reads it, by its type tag."""
    if type(value) is Unknown:
        return "unknown"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if tag == "money":
        return format_money(value)
    if tag == "percent":
        return f"{plain(value.scaleb(2, ROUNDING))}%"
    if tag == "days":
        return f"{value} day" + ("" if value in (1, -1) else "s")
    if tag == "months":
        return f"{value} month" + ("" if value in (1, -1) else "s")
    if tag == "number":
        return plain(value) if isinstance(value, Decimal) else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return f"[{len(value)} item{'s' if len(value) != 1 else ''}]"
    if isinstance(value, dict):
        return "{" + ", ".join(value) + "}"
    return str(value)


def to_json(value, tag: str):
    """A value in the stable JSON form: decimals and dates as strings."""
    if type(value) is Unknown:
        return None
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        if tag == "money":
            return f"{round_cents(value):.2f}" if value == round_cents(value) else plain(value)
        return plain(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [to_json(v, "") for v in value]
    if isinstance(value, dict):
        return {k: to_json(v, "") for k, v in value.items()}
    return value
