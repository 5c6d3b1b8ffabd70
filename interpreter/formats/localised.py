"""Values as a person reads them in Dutch or English (Babel's locale data), and labels for identifiers."""
from __future__ import annotations

import datetime
from decimal import Decimal, localcontext

from ..engine.values import Unknown, round_cents
from .plain_locale import plain_text

#: Belgian Dutch, and the English of a euro country: `€ 3.800,00` / `€3,800.00`, `24 maart 2022` / `24 March 2022`.
LOCALES = {"nl": "nl_BE", "en": "en_IE"}
WORDS = {"nl": {True: "ja", False: "nee", None: "onbekend", "item": "element", "items": "elementen"},
         "en": {True: "yes", False: "no", None: "unknown", "item": "item", "items": "items"}}


def _plain_spaces(text: str) -> str:
    # Babel separates `€` and digits with a no-break space; reports are plain text, and a terminal shows a space.
    return text.replace("\xa0", " ").replace("\u202f", " ")


def readable(value, tag: str, lang: str) -> str:
    """`value` (of type tag `tag`) as a person reads it in `lang`: money, dates, durations, yes/no localised."""
    if isinstance(value, Decimal):
        # Babel rounds in the current decimal context; an amount of more than 28 digits needs a wider one.
        with localcontext() as context:
            context.prec = max(context.prec, len(value.as_tuple().digits) + 10)
            return _readable(value, tag, lang)
    return _readable(value, tag, lang)


def _readable(value, tag: str, lang: str) -> str:
    words = WORDS[lang]
    if type(value) is Unknown or value is None:
        return words[None]
    if value is True or value is False:
        return words[value]
    plain = plain_text(value, tag, lang)
    if plain is not None:  # the common values, written as Babel writes them without loading its locale data
        return plain
    return _babel(value, tag, lang)


def _babel(value, tag: str, lang: str) -> str:
    """`value` written with Babel's locale data where it needs them (imported there: most reports never do)."""
    words = WORDS[lang]
    where = LOCALES[lang]
    if tag == "money":
        from babel.numbers import format_currency
        exact = value == round_cents(value)
        return _plain_spaces(format_currency(value, "EUR", locale=where, currency_digits=exact,
                                             decimal_quantization=exact))
    if tag == "percent":
        from babel.numbers import format_percent
        return _plain_spaces(format_percent(value, locale=where, decimal_quantization=False))
    if tag in ("days", "months"):
        from babel.units import format_unit
        return format_unit(value, "duration-day" if tag == "days" else "duration-month", length="long", locale=where)
    if isinstance(value, datetime.date):
        from babel.dates import format_date
        return format_date(value, "long", locale=where)
    if tag == "number" and isinstance(value, Decimal):
        from babel.numbers import format_decimal
        return _plain_spaces(format_decimal(value, locale=where, decimal_quantization=False, group_separator=False))
    if isinstance(value, tuple):
        return f"{len(value)} {words['item'] if len(value) == 1 else words['items']}"
    if isinstance(value, dict):
        return ", ".join(value)
    return str(value)
