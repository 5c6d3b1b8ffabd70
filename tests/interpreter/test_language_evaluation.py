"""Exact arithmetic and date() at evaluation: positioned errors (exit 4), never a rounded or internal result."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

MEASURE = """\
measure: deling
title: {nl: Deling, en: Division}
summary: {nl: Een bedrag per deelnemer., en: An amount per participant.}
authority: VLAIO
sources:
  W01: {title: Voorwaarden, url: "https://www.vlaio.be/nl/voorbeeld"}
facts:
  kost: {type: money, label: {nl: Kost, en: Cost}, question: {nl: Kost?, en: Cost?}}
  deelnemers: {type: number, label: {nl: Deelnemers, en: Participants}, question: {nl: Hoeveel?, en: How many?}}
rules:
  genoeg: {label: {nl: Genoeg, en: Enough}, source: W01, expr: kost > € 0}
  per_deelnemer: {label: {nl: Per deelnemer, en: Per participant}, source: W01, expr: AMOUNT}
decision:
  eligible: [genoeg]
  amount: per_deelnemer
"""


def run(*args):
    return CliRunner().invoke(main, list(args))


def _explain(write, amount: str, facts: str, *options: str):
    write("deling.yaml", MEASURE.replace("AMOUNT", amount))
    write("case.yaml", f"facts: {facts}\n")
    return run("explain", "deling.yaml", "case.yaml", "--on", "2024-06-01", *options)


@pytest.mark.parametrize("options", [(), ("--no-trace",), ("--format", "json")])
def test_a_division_without_exact_result_stops_with_its_position(write, options):
    result = _explain(write, "kost / deelnemers", "{kost: 100, deelnemers: 3}", *options)
    assert result.exit_code == 4, result.output
    assert "deling.yaml:12:87: error: this division has no exact decimal result" in result.output
    assert "write `round_cents(a / b)`" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("options", [(), ("--no-trace",)])
def test_a_rounded_division_rounds_the_exact_quotient_once(write, options):
    result = _explain(write, "round_cents(kost / deelnemers)", "{kost: 200, deelnemers: 3}", *options)
    assert result.exit_code == 0, result.output
    assert "66.67" in result.output


def test_an_exact_division_is_not_an_error(write):
    result = _explain(write, "kost / deelnemers", "{kost: 100, deelnemers: 8}")
    assert result.exit_code == 0, result.output
    assert "12.50" in result.output


@pytest.mark.parametrize("options", [(), ("--no-trace",)])
def test_an_amount_beyond_28_digits_is_exact_not_an_internal_error(write, options):
    amount = "kost + € 10_000_000_000_000_000_000_000_000_000.01"
    result = _explain(write, amount, "{kost: 1}", *options)
    assert result.exit_code == 0, result.output
    assert "10000000000000000000000000001.01" in result.output


@pytest.mark.parametrize("options", [(), ("--no-trace",)])
def test_date_of_fractions_is_refused_with_its_position(write, options):
    text = MEASURE.replace("AMOUNT", "kost").replace(
        "decision:\n", "decision:\n  deadlines:\n    einde: date(2022, 1, deelnemers)\n")
    write("deling.yaml", text)
    write("case.yaml", "facts: {kost: 100, deelnemers: 31.99}\n")
    result = run("explain", "deling.yaml", "case.yaml", "--on", "2024-06-01", *options)
    assert result.exit_code == 4, result.output
    assert "deling.yaml:15:12: error: `date` takes a whole day, not 31.99" in result.output
