"""The common values of a report are written without Babel exactly as Babel writes them."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulerun.interpreter.formats import localised
from rulerun.interpreter.formats.plain_locale import plain_text

AMOUNTS = st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), allow_nan=False, allow_infinity=False,
                      places=None)
CENTS = st.integers(min_value=-10**17, max_value=10**17).map(lambda n: Decimal(n).scaleb(-2))
SHAPES = st.sampled_from(["0", "0.00", "1", "1.5", "12.50", "0.125", "1E+3", "1234567.891", "-0.05", "5.0000",
                          "999", "1000", "0.001", "-12345.6"]).map(Decimal)


def babel(value, tag: str, lang: str) -> str:
    """What Babel writes, with the wider decimal context `readable` gives it."""
    with localised.localcontext() as context:
        if isinstance(value, Decimal):
            context.prec = max(context.prec, len(value.as_tuple().digits) + 10)
        return localised._babel(value, tag, lang)


def same_as_babel(value, tag: str) -> None:
    for lang in ("en", "nl"):
        plain = plain_text(value, tag, lang)
        if plain is not None:
            assert plain == babel(value, tag, lang), (value, tag, lang)


@settings(max_examples=150, deadline=None)
@given(st.one_of(AMOUNTS, CENTS, SHAPES), st.sampled_from(["money", "percent", "number"]))
def test_numbers_are_written_as_babel_writes_them(value, tag):
    same_as_babel(value, tag)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.integers(min_value=0, max_value=10**7), st.integers(min_value=0, max_value=5000).map(Decimal)),
       st.sampled_from(["days", "months"]))
def test_durations_are_written_as_babel_writes_them(count, tag):
    same_as_babel(count, tag)


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=datetime.date(1000, 1, 1)))
def test_dates_are_written_as_babel_writes_them(day):
    same_as_babel(day, "date")


@pytest.mark.parametrize("value, tag, en, nl", [
    (Decimal("337.50"), "money", "€337.50", "€ 337,50"),
    (Decimal("-1234567.5"), "money", "-€1,234,567.50", "€ -1.234.567,50"),
    (Decimal("0.125"), "percent", "12.5%", "12,5%"),
    (Decimal("1234.50"), "number", "1234.5", "1234,5"),
    (1, "days", "1 day", "1 dag"),
    (Decimal("14"), "months", "14 months", "14 maanden"),
    (datetime.date(2022, 3, 5), "date", "5 March 2022", "5 maart 2022"),
])
def test_the_common_values_are_written_here(value, tag, en, nl):
    assert (plain_text(value, tag, "en"), plain_text(value, tag, "nl")) == (en, nl)


@pytest.mark.parametrize("value, tag", [
    (Decimal("1234.505"), "money"),  # a fraction of a cent
    (Decimal("-0"), "money"),
    (Decimal("1.5"), "months"),
    (Decimal("14.0"), "days"),
    (-3, "days"),
    (datetime.date(999, 12, 31), "date"),
    (Decimal("NaN"), "number"),
    (Decimal("5.8232367064842264620990391975E-28"), "percent"),  # Babel rounds a number this long
])
def test_the_rest_is_left_to_babel(value, tag):
    assert plain_text(value, tag, "en") is None and plain_text(value, tag, "nl") is None
    assert localised.readable(value, tag, "en") == babel(value, tag, "en")
