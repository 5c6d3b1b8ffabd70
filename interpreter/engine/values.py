"""Runtime values: exact decimals, calendar dates, and Unknown for facts not given.

Types are checked before evaluation, so values are plain Python: money, numbers and
percentages are `Decimal` (a percentage holds its fraction: 30% is Decimal('0.3')),
durations are `int` days or months (the checker knows which), dates are `datetime.date`.
"""
from __future__ import annotations

import calendar
import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction

from rulerun.dsl.exact import EXACT, ROUNDING

CENT = Decimal("0.01")
WHOLE = Decimal(1)


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


def round_cents(amount: Decimal) -> Decimal:
    """Round to the cent, half up (away from zero at exactly half a cent): 0.005 -> 0.01."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP, context=ROUNDING)


def round_down_cents(amount: Decimal) -> Decimal:
    """Round to the cent towards zero."""
    return amount.quantize(CENT, rounding=ROUND_DOWN, context=ROUNDING)


def round_whole(number: Decimal) -> Decimal:
    """Round to a whole number, half up."""
    return number.quantize(WHOLE, rounding=ROUND_HALF_UP, context=ROUNDING)


def divide_rounded(dividend: Decimal, divisor: Decimal, quantum: Decimal, rounding: str) -> Decimal:
    """`dividend / divisor` rounded once to a multiple of `quantum`, from the exact quotient.

    A quotient such as 1/3 has no exact decimal form, so it is never rounded to some precision
    first: the rounding the measure asks for is the only one. `rounding` is ROUND_HALF_UP (away
    from zero at exactly half) or ROUND_DOWN (towards zero), as in `round_cents`.
    """
    if not divisor:
        raise ZeroDivisionError("division by zero")
    quotient = Fraction(dividend) / Fraction(divisor) / Fraction(quantum)
    size = abs(quotient)
    if rounding == ROUND_HALF_UP:
        steps = (2 * size.numerator + size.denominator) // (2 * size.denominator)
    else:
        steps = size.numerator // size.denominator
    result = Decimal(-steps if quotient < 0 else steps).scaleb(int(quantum.as_tuple().exponent), ROUNDING)
    return EXACT.plus(result)  # more digits than a number may hold raise, as for any other result


def exact_sum(values, zero):
    """The sum of `values` (decimals, or whole days or months), without rounding."""
    if isinstance(zero, Decimal):
        add = EXACT.add
        total = zero
        for value in values:
            total = add(total, value)
        return total
    return sum(values, zero)


def negate(value):
    """`-value` for a decimal (exactly) or a whole number of days or months."""
    return EXACT.minus(value) if isinstance(value, Decimal) else -value


def absolute(value):
    """The absolute value of a decimal (exactly) or a whole number of days or months."""
    return EXACT.abs(value) if isinstance(value, Decimal) else abs(value)


def plain(number: Decimal) -> str:
    """A decimal with its trailing zeros removed, every digit kept: 2.50 -> 2.5."""
    return f"{number.normalize(ROUNDING):f}"


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
