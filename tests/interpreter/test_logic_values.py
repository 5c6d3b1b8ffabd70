"""Kleene logic tables, date arithmetic, rounding."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from rulerun.interpreter.engine.logic import and3, not3, or3
from rulerun.interpreter.engine.values import Unknown, add_months, round_cents, round_down_cents

U = Unknown({"x"})
V = Unknown({"y"})


@pytest.mark.parametrize("a, b, expected", [
    (True, True, True), (True, False, False), (False, True, False), (False, False, False),
    (True, U, U), (U, True, U), (False, U, False), (U, False, False), (U, V, Unknown({"x", "y"})),
])
def test_and(a, b, expected):
    assert and3(a, b) == expected


@pytest.mark.parametrize("a, b, expected", [
    (True, True, True), (True, False, True), (False, True, True), (False, False, False),
    (True, U, True), (U, True, True), (False, U, U), (U, False, U), (U, V, Unknown({"x", "y"})),
])
def test_or(a, b, expected):
    assert or3(a, b) == expected


@pytest.mark.parametrize("a, expected", [(True, False), (False, True), (U, U)])
def test_not(a, expected):
    assert not3(a) == expected


@pytest.mark.parametrize("start, months, expected", [
    ("2024-01-31", 1, "2024-02-29"),   # leap year: clamp to 29 February
    ("2023-01-31", 1, "2023-02-28"),
    ("2024-02-29", 12, "2025-02-28"),
    ("2024-03-31", -1, "2024-02-29"),
    ("2022-08-31", 6, "2023-02-28"),
    ("2022-01-15", 6, "2022-07-15"),
    ("2021-12-31", 2, "2022-02-28"),
])
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(datetime.date.fromisoformat(start), months).isoformat() == expected


def test_add_months_out_of_range():
    with pytest.raises(OverflowError):
        add_months(datetime.date(9999, 12, 1), 1)


@pytest.mark.parametrize("amount, half_up, down", [
    ("0.005", "0.01", "0.00"), ("0.004", "0.00", "0.00"), ("2.675", "2.68", "2.67"),
    ("-0.005", "-0.01", "-0.00"), ("10.125", "10.13", "10.12"), ("7500", "7500.00", "7500.00"),
])
def test_rounding_at_the_half_cent(amount, half_up, down):
    assert round_cents(Decimal(amount)) == Decimal(half_up)
    assert round_down_cents(Decimal(amount)) == Decimal(down)


def test_exact_decimal_sum():
    assert Decimal("0.10") + Decimal("0.20") == Decimal("0.30")
