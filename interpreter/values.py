"""Runtime values: exact decimals, calendar dates, and Unknown for facts not given.

Types are checked before evaluation, so values are plain Python: money, numbers and
percentages are `Decimal` (a percentage holds its fraction: 30% is Decimal('0.3')),
durations are `int` days or months (the checker knows which), dates are `datetime.date`.
"""
from __future__ import annotations

import calendar
import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


class Unknown:
    """A value that depends on facts the case does not give; `missing` names them."""

    __slots__ = ("missing",)

    def __init__(self, missing=frozenset()):
        self.missing = frozenset(missing)

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


def round_cents(amount: Decimal) -> Decimal:
    """Round to the cent, half up (away from zero at exactly half a cent): 0.005 -> 0.01."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_down_cents(amount: Decimal) -> Decimal:
    """Round to the cent towards zero."""
    return amount.quantize(CENT, rounding=ROUND_DOWN)


def round_whole(number: Decimal) -> Decimal:
    """Round to a whole number, half up."""
    return number.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def add_days(day: datetime.date, days: int) -> datetime.date:
    """`day` plus a number of days (negative to go back)."""
    return day + datetime.timedelta(days=days)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` plus whole months, clamped to the month's end: 2024-01-31 + 1 month = 2024-02-29."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    month = month0 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_of_month(day: datetime.date) -> datetime.date:
    """The last day of `day`'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def format_money(amount: Decimal) -> str:
    """An amount as `€ 1234.56`; an amount finer than a cent keeps all its digits."""
    return f"€ {round_cents(amount):.2f}" if amount == round_cents(amount) else f"€ {amount.normalize():f}"


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
        return f"{(value * 100).normalize():f}%"
    if tag == "days":
        return f"{value} day" + ("" if value in (1, -1) else "s")
    if tag == "months":
        return f"{value} month" + ("" if value in (1, -1) else "s")
    if tag == "number":
        return f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)
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
            return f"{round_cents(value):.2f}" if value == round_cents(value) else f"{value.normalize():f}"
        return f"{value.normalize():f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [to_json(v, "") for v in value]
    if isinstance(value, dict):
        return {k: to_json(v, "") for k, v in value.items()}
    return value
