"""What the built-in functions and operators compute, on plain values: exact decimals and calendar dates.

The language defines these results, so they live with it; the engine calls them from both back-ends
(an Unknown argument never reaches them). A value a function cannot take raises `Refused`.
"""
from __future__ import annotations

import calendar
import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from .exact import EXACT, ROUNDING

CENT = Decimal("0.01")
WHOLE = Decimal(1)


class Refused(ValueError):
    """A value a function cannot take, with what to write instead."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


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


def absolute(value: Decimal | int) -> Decimal | int:
    """The absolute value of a decimal (exactly) or a whole number of days or months."""
    return EXACT.abs(value) if isinstance(value, Decimal) else abs(value)


def plain(number: Decimal) -> str:
    """A decimal with its trailing zeros removed, every digit kept: 2.50 -> 2.5."""
    return f"{number.normalize(ROUNDING):f}"


def end_of_month(day: datetime.date) -> datetime.date:
    """The last day of `day`'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def end_of_year(day: datetime.date) -> datetime.date:
    """31 December of `day`'s year."""
    return datetime.date(day.year, 12, 31)


def days_between(first: datetime.date, second: datetime.date) -> Decimal:
    """The days from `first` to `second` (negative when `second` is earlier)."""
    return Decimal((second - first).days)


def make_date(year: Decimal, month: Decimal, day: Decimal) -> datetime.date:
    """The date with this year, month and day, each a whole number."""
    for part, value in (("year", year), ("month", month), ("day", day)):
        if value != value.to_integral_value():
            raise Refused(f"`date` takes a whole {part}, not {plain(value)}",
                          "round it first, e.g. `date(year(d), round(m), 1)`, or compute with dates and durations")
    if not 1 <= year <= 9999:
        raise Refused(f"the year {plain(year)} is out of range (years 1 to 9999)")
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise Refused(f"there is no date with year {plain(year)}, month {plain(month)} and day {plain(day)}",
                      "months are 1 to 12, and the day must exist in that month") from None


# The operators' arithmetic on dates and durations (the table of operators is in `builtins`).

def negate(value: Any) -> Any:
    """`-value` for a decimal (exactly) or a whole number of days or months."""
    return EXACT.minus(value) if isinstance(value, Decimal) else -value


def add_days(day: datetime.date, days: int) -> datetime.date:
    """`day` plus a number of days (negative to go back); past the years 1 to 9999 an OverflowError."""
    return day + datetime.timedelta(days=days)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` plus whole months, clamped to the month's end: 2024-01-31 + 1 month = 2024-02-29."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    month = month0 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def date_difference(later: datetime.date, earlier: datetime.date) -> Decimal:
    """`later - earlier` in days, a number."""
    return Decimal((later - earlier).days)


def multiply_duration(left: Any, right: Any) -> int:
    """A duration (whole days or months) times a whole number (a Decimal), in either order."""
    count, duration = (right, left) if isinstance(left, int) else (left, right)
    if count != count.to_integral_value():
        raise Refused(f"a duration can only be multiplied by a whole number, not {count}")
    return int(count) * duration
