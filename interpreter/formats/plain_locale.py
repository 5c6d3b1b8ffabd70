"""The common values of a report (whole cents, percentages, dates, whole days) written as Babel writes them.

Babel loads its locale data (some 30 ms) to write `€337.50` or `15 March 2022`; these few patterns of
`en_IE` and `nl_BE` are written here instead, and anything else (an amount of fractions of a cent,
a negative zero, a date before the year 1000) is left to Babel. tests/interpreter/test_plain_locale.py
compares both on many values.
"""
from __future__ import annotations

import datetime
from decimal import Decimal

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
}
#: Longest number written here, in digits (and places either side of the point): amounts, rates and counts.
MOST_DIGITS = 18
#: (group separator, decimal separator) of `en_IE` and `nl_BE`.
SYMBOLS = {"en": (",", "."), "nl": (".", ",")}
#: A duration's unit, one and more than one: Babel's long units.
UNITS = {"en": {"days": ("day", "days"), "months": ("month", "months")},
         "nl": {"days": ("dag", "dagen"), "months": ("maand", "maanden")}}


def plain_text(value: object, tag: str, lang: str) -> str | None:
    """`value` as Babel writes it in `lang`, or None when it is not one of the common cases written here."""
    if isinstance(value, Decimal):
        shape = value.as_tuple()
        if not value.is_finite() or (value.is_zero() and value.is_signed()) or len(shape.digits) > MOST_DIGITS \
                or not -MOST_DIGITS <= int(shape.exponent) <= MOST_DIGITS:
            return None  # very long or very small numbers: Babel's own rounding
        if tag == "money":
            return _money(value, lang)
        if tag == "percent":
            return _number(value.scaleb(2), lang, grouped=True) + "%"
        if tag == "number":
            return _number(value, lang, grouped=False)
        if tag in ("days", "months") and shape.exponent == 0:
            return _duration(int(value), tag, lang)
        return None
    if type(value) is int and tag in ("days", "months"):
        return _duration(value, tag, lang)
    if type(value) is datetime.date and value.year >= 1000:
        return f"{value.day} {MONTHS[lang][value.month - 1]} {value.year}"
    return None


def _money(value: Decimal, lang: str) -> str | None:
    whole, fraction = _digits(value)
    if len(fraction) > 2:
        return None  # fractions of a cent: Babel shows every digit
    amount = _group(whole, SYMBOLS[lang][0]) + SYMBOLS[lang][1] + fraction.ljust(2, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}€{amount}" if lang == "en" else f"€ {sign}{amount}"


def _number(value: Decimal, lang: str, grouped: bool) -> str:
    whole, fraction = _digits(value)
    group, point = SYMBOLS[lang]
    text = (_group(whole, group) if grouped else whole) + (point + fraction if fraction else "")
    return ("-" if value < 0 else "") + text


def _duration(count: int, tag: str, lang: str) -> str | None:
    if count < 0:
        return None
    one, more = UNITS[lang][tag]
    return f"{_group(str(count), SYMBOLS[lang][0])} {one if count == 1 else more}"


def _digits(value: Decimal) -> tuple[str, str]:
    """The whole and fractional digits of |value|, without trailing zeros after the point."""
    text = format(abs(value), "f")
    whole, _, fraction = text.partition(".")
    return whole, fraction.rstrip("0")


def _group(digits: str, separator: str) -> str:
    """`1234567` as `1,234,567`."""
    head = len(digits) % 3 or 3
    return separator.join([digits[:head], *(digits[i:i + 3] for i in range(head, len(digits), 3))])
