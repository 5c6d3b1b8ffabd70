"""The one strict reading of each kind of value a person gives: amounts, numbers, percentages, dates, durations.

Case files, batch records, `ask` answers and `--on` all come here, so a value is accepted or
refused, with the same words, whatever it came through. Nothing is guessed: a value that could
be read two ways is refused with both readings in the hint.
"""
from __future__ import annotations

import datetime
import re
from decimal import Decimal

from rulerun.dsl.printable import printable

#: Largest absolute amount or number accepted: exact to the cent within Decimal's 28 digits, with room to multiply.
MAX_MAGNITUDE = Decimal("1e15")
#: Longest duration accepted: the whole calendar (years 1 to 9999).
MAX_DURATION = {"days": (datetime.date.max - datetime.date.min).days, "months": 9999 * 12}
#: Most decimals in a number given as a number (JSON, Parquet); far beyond any measure's need.
MAX_DECIMALS = 100
#: Longest written value shown back in a message.
SHOWN_CHARS = 40

# ASCII digits only: `\d` would also take other scripts' digits. No `_` digit groups: amounts are not
# written so, and durations never took them.
_DIGITS = r"[0-9]+"
_DECIMAL = re.compile(rf"([-+]?{_DIGITS})(?:\.([0-9]+))?")
_CURRENCY = re.compile(r"^(?:€|EUR)\s*")
_GROUPED = re.compile(r"(-?[0-9]{1,3})((?:([.,])[0-9]{3})+)(?:(?!\3)[.,]([0-9]{1,2}))?")
_DECIMAL_COMMA = re.compile(r"-?[0-9]+,[0-9]+")
_PERCENT = re.compile(rf"([-+]?{_DIGITS}(?:\.[0-9]+)?)\s*%")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DURATION = re.compile(r"([-+]?[0-9]+)\s*(days?|weeks?|months?|years?)?")
_UNITS = {"day": ("days", 1), "week": ("days", 7), "month": ("months", 1), "year": ("months", 12)}


class Written(Decimal):
    """A number from JSON that keeps its text as written, so that `1e3` is judged as `1e3`, not as 1000."""

    written: str

    def __new__(cls, text: str) -> Written:
        number = super().__new__(cls, text)
        number.written = text
        return number

    def __reduce__(self):
        return (Written, (self.written,))  # worker processes get the text too


class Refused(ValueError):
    """A value that cannot be read: what is wrong, and what to write instead."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


def shown(value) -> str:
    """A value as the person wrote it, cut short when long."""
    if isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, Written):
        text = value.written
    elif isinstance(value, Decimal):
        text = f"{value:f}" if value.is_finite() and abs(value.adjusted()) < 100 else str(value)
    elif isinstance(value, int) and value.bit_length() > 200:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    else:
        text = str(value)
    # Escaped, line feeds too: a quoted value stays on its line and cannot forge one of its own.
    return printable(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS]) + (
        "" if len(text) <= SHOWN_CHARS else f"… ({len(text)} characters)")


def _as_text(value, what: str, hint: str) -> str:
    """A number given as a number (YAML, JSON, Parquet) as its written digits, so that text and numbers read alike."""
    if isinstance(value, bool):
        raise Refused(f"must be {what}, not a yes/no value", hint)
    if isinstance(value, Written):
        return value.written
    if isinstance(value, float):
        raise Refused(f"must be {what}; give it as text or a decimal", hint)
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise Refused(f"`{value}` is not a number", hint)
        if value.copy_abs() > MAX_MAGNITUDE:  # copy_abs: no context, so no overflow
            raise Refused(f"{shown(value)} is too large (the limit is {MAX_MAGNITUDE:,.0f})")
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)  # a finite decimal's exponent is a whole number
        if exponent < -MAX_DECIMALS:  # 1E-999999999 would be written out with a billion zeros
            raise Refused(f"{shown(value)} has more than {MAX_DECIMALS} decimals", hint)
        return f"{value:f}"
    if not isinstance(value, str):
        raise Refused(f"must be {what}, not {what_it_is(value)}", hint)
    return value.strip()


def _decimal(digits: str) -> Decimal:
    number = Decimal(digits)
    if number.copy_abs() > MAX_MAGNITUDE:
        raise Refused(f"{shown(digits)} is too large (the limit is {MAX_MAGNITUDE:,.0f})")
    return number.copy_abs() if number.is_zero() else number  # -0 is 0: never shown as € -0.00


def _underscores(text: str, what: str) -> None:
    """Refuse `1_000`: digit groups are not how a value is written here; the hint gives the plain digits."""
    if "_" in text:
        raise Refused(f"`{shown(text)}` is not {what}; digits are not grouped with `_`",
                      f"write {shown(text.replace('_', ''))}")


def _grouped(text: str) -> str | None:
    """`1250000` for `1.250.000`, `2500` for `2,500`, `1250.50` for `1.250,50`: the digits without thousands marks."""
    match = _GROUPED.fullmatch(text)
    if not match:
        return None
    whole = match.group(1) + re.sub(r"[.,]", "", match.group(2))
    return whole + (f".{match.group(4)}" if match.group(4) else "")


def read_money(value) -> Decimal:
    """An amount in euro, at most two decimals: `1250.50`, `€ 1250.50`, 1250, Decimal('1250.5')."""
    hint = "write an amount in euro, e.g. 1250.50 or '€ 1250.50'"
    text = _as_text(value, "an amount in euro", hint)
    digits = _CURRENCY.sub("", text)
    _underscores(digits, "an amount")
    match = _DECIMAL.fullmatch(digits)
    if match is None:
        meant = _grouped(digits)
        if meant is not None:  # the suggestion is in the message, as batch error records show messages only
            raise Refused(f"`{shown(text)}` is not an amount; did you mean {meant}?",
                          f"write {meant}: amounts have no thousands separators")
        if _DECIMAL_COMMA.fullmatch(digits):
            raise Refused(f"`{shown(text)}` uses a decimal comma", "write a decimal point: € 1250.50")
        raise Refused(f"`{shown(text)}` is not an amount", hint)
    amount = _decimal(match.group(0))
    cents = match.group(2) or ""
    if len(cents) > 2:
        meant = _grouped(digits)
        if meant is not None:
            raise Refused(f"{shown(digits)} has more than two decimals; did you mean {meant}?",
                          f"write {meant}: amounts have no thousands separators and at most two decimals "
                          "(two euro fifty is 2.50)")
        raise Refused(f"{shown(digits)} has more than two decimals; amounts are in whole cents",
                      "round it to the cent")
    return amount


def read_number(value) -> Decimal:
    """A number written with a decimal point: `12`, `12.5`, `-3`."""
    hint = "write a number with a decimal point, e.g. 12.5"
    text = _as_text(value, "a number", hint)
    _underscores(text, "a number")
    if _DECIMAL.fullmatch(text):
        return _decimal(text)
    if _DECIMAL_COMMA.fullmatch(text):
        raise Refused(f"`{shown(text)}` uses a decimal comma", "write a decimal point: " + text.replace(",", "."))
    raise Refused(f"`{shown(text)}` is not a number", hint)


def read_percent(value) -> Decimal:
    """A percentage written with its sign, `30%` or `12.5%`, as its fraction: 30% is Decimal('0.3')."""
    if isinstance(value, str):
        _underscores(value.strip(), "a percentage")
        match = _PERCENT.fullmatch(value.strip())
        if match:
            return _decimal(match.group(1)) / 100
    if isinstance(value, (int, Decimal, str)) and not isinstance(value, bool):
        try:
            bare = read_number(value)
        except Refused:
            bare = None
        if bare is not None:
            raise Refused(f"`{shown(value)}` is not a percentage", _readings(bare))
    raise Refused(f"`{shown(value)}` is not a percentage", "write it with a percent sign, e.g. '30%'")


def _readings(bare: Decimal) -> str:
    """Both readings of a bare number when both are percentages up to 100%: 0.3 is 30% or 0.3%."""
    as_written = f"{bare.normalize():f}%"
    if 0 < bare <= 1:
        return f"write {(bare * 100).normalize():f}% or {as_written}, with the percent sign"
    return f"write it with a percent sign, e.g. '{as_written}'"


#: The words of a yes/no value in every channel (case files, batch records, answers), in any letter case.
YES_WORDS = ("yes", "y", "true", "ja", "j")
NO_WORDS = ("no", "n", "false", "nee")


def read_yes_no(value) -> bool:
    """A yes/no value: a boolean (JSON, Parquet) or one of the words, judged on the text as written.

    `1`/`0` and YAML's `on`/`off` are refused: a number or a switch position is not an answer.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in YES_WORDS or word in NO_WORDS:
            return word in YES_WORDS
    raise Refused(f"must be yes or no (true/false), not `{shown(value)}`", "write yes or no (or true/false, ja/nee)")


def read_date(value) -> datetime.date:
    """A calendar date, written exactly `YYYY-MM-DD` (or a date value); nothing else is a date."""
    if isinstance(value, datetime.datetime):
        raise Refused(f"`{value}` has a time of day; give a date only", "write YYYY-MM-DD")
    if isinstance(value, datetime.date):
        return value
    hint = "write YYYY-MM-DD, e.g. 2022-04-28"
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError as error:
            raise Refused(f"`{value.strip()}` is not a calendar date: {error}",
                          "dates are written YYYY-MM-DD with a day that exists in that month") from None
    raise Refused(f"`{shown(value)}` is not a calendar date", hint)


def read_duration(value, unit: str) -> int:
    """A duration in `unit` (days or months): `14 days`, `2 weeks`, `6 months`, or a whole number of `unit`."""
    hint = f"write e.g. '14 {unit}' (this fact counts {unit})"
    too_long = f"is longer than the calendar (at most {MAX_DURATION[unit]} {unit})"
    if isinstance(value, Written):
        value = value.written
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        number = Decimal(value)
        if not number.is_finite() or number != number.to_integral_value():
            raise Refused(f"`{shown(value)}` is not a whole number of {unit}", hint)
        if number.adjusted() > 12:
            raise Refused(f"`{shown(value)}` {too_long}")
        value = f"{number.to_integral_value():f}"
    if not isinstance(value, str):
        raise Refused(f"`{shown(value)}` is not a duration", hint)
    text = value.strip()
    match = _DURATION.fullmatch(text)
    if match is None:
        raise Refused(f"`{shown(text)}` is not a duration", hint)
    count, word = match.group(1), (match.group(2) or unit).rstrip("s")
    if count.startswith("-"):
        raise Refused(f"`{shown(text)}` is negative; a duration is zero or more", hint)
    got_unit, factor = _UNITS[word]
    if got_unit != unit:
        raise Refused(f"`{shown(text)}` is in {got_unit}, but this fact counts {unit}")
    if len(count) > 12 or int(count) * factor > MAX_DURATION[unit]:
        raise Refused(f"`{shown(text)}` {too_long}")
    return int(count) * factor


def what_it_is(value, written=None) -> str:
    """How a value of the wrong kind is named in a message, shown as `written` when the file's text is known."""
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, (int, Decimal)):
        return f"the number {shown(value if written is None else written)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"`{shown(value)}`"

