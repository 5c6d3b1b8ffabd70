"""The values of literal tokens (numbers, durations, dates, texts), for every parser of expressions."""
from __future__ import annotations

import datetime
import re
from decimal import Decimal

from .exact import EXACT, MAX_DIGITS

#: The escapes a text literal may hold, and the character each stands for.
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
_ESCAPE = re.compile(r"\\(.)")
#: A duration's unit (singular) to the kind of value it makes and how many of that kind one unit is.
_UNITS = {"day": ("days", 1), "week": ("days", 7), "month": ("months", 1), "year": ("months", 12)}


class LiteralProblem(Exception):
    """A literal that lexes but is invalid; `offset` and `width` mark a part of its token, from its start."""

    def __init__(self, message: str, hint: str | None = None, offset: int | None = None, width: int = 1):
        super().__init__(message)
        self.message, self.hint, self.offset, self.width = message, hint, offset, width


def number(written: str) -> Decimal:
    """The value of a NUMBER token (`1_000.5`)."""
    digits = written.replace("_", "")
    if len(digits.replace(".", "")) > MAX_DIGITS:  # also bounds how large or small a number is
        raise LiteralProblem(f"a number may have at most {MAX_DIGITS} digits",
                             "numbers are exact; no amount, count or percentage needs more digits")
    return Decimal(digits)


def percent(written: str) -> Decimal:
    """The fraction a NUMBER token followed by `%` stands for."""
    return number(written).scaleb(-2, EXACT)


def duration(written: str, unit: str) -> tuple[str, int]:
    """The kind (days or months) and whole count of a NUMBER token followed by a DURATION_UNIT token."""
    amount, singular = number(written), unit.rstrip("s")
    if amount != amount.to_integral_value():
        raise LiteralProblem(f"a duration must be a whole number of {singular}s, not {written}",
                             "write e.g. `14 days` or `6 months`")
    kind, size = _UNITS[singular]
    return kind, size * int(amount)


def date(written: str) -> datetime.date:
    """The calendar date of a DATE token."""
    try:
        return datetime.date.fromisoformat(written)
    except ValueError:
        raise LiteralProblem(f"`{written}` is not a calendar date",
                             "dates are written YYYY-MM-DD with a day that exists in that month") from None


def text(written: str) -> str:
    """The text a STRING token (in its double quotes) stands for."""
    raw = written[1:-1]
    for escape in _ESCAPE.finditer(raw):
        if escape.group(1) not in ESCAPES:
            raise LiteralProblem(f"unknown escape `{escape.group(0)}` in a text",
                                 'the escapes are `\\"` `\\\\` `\\n` `\\t`; write a backslash itself as `\\\\`',
                                 offset=1 + escape.start(), width=2)
    # One pass, so that the backslash of `\\` never starts another escape: "C:\\new" is C:\new.
    return _ESCAPE.sub(lambda escape: ESCAPES[escape.group(1)], raw)
