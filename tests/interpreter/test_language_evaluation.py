"""Exact arithmetic and date() at evaluation: positioned errors (exit 4), never a rounded or internal result;
the generated code and the closures agree."""
from __future__ import annotations

import datetime
import functools
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from rulerun.dsl.errors import RulerunError, render_all
from rulerun.interpreter.cli import main
from rulerun.interpreter.engine.evaluator import decide_closures, decide_generated, load

ON = datetime.date(2024, 6, 1)

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
    assert "€10,000,000,000,000,000,000,000,000,001.01" in result.output  # every digit, grouped for reading


@pytest.mark.parametrize("options", [(), ("--no-trace",)])
def test_date_of_fractions_is_refused_with_its_position(write, options):
    text = MEASURE.replace("AMOUNT", "kost").replace(
        "decision:\n", "decision:\n  deadlines:\n    einde: date(2022, 1, deelnemers)\n")
    write("deling.yaml", text)
    write("case.yaml", "facts: {kost: 100, deelnemers: 31.99}\n")
    result = run("explain", "deling.yaml", "case.yaml", "--on", "2024-06-01", *options)
    assert result.exit_code == 4, result.output
    assert "deling.yaml:15:12: error: `date` takes a whole day, not 31.99" in result.output



ARITHMETIC = MEASURE.replace("AMOUNT", "kost * deelnemers / 4 - kost / deelnemers").replace("decision:\n", """\
  afgerond: {label: {nl: Afgerond, en: Rounded}, source: W01, expr: round_cents(kost * 7 / deelnemers) + - kost}
  heel: {label: {nl: Heel, en: Whole}, source: W01, expr: round(deelnemers / 3) * 1_000_000_000_000_000_000}
decision:
  values:
    afgerond: afgerond
    heel: heel
    som: sum(x for each x in [kost, kost * 0.000_000_000_000_000_000_000_001, per_deelnemer])
""")


@functools.cache
def _arithmetic():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deling.yaml"
        path.write_text(ARITHMETIC, encoding="utf-8")
        return load(path)


def _rendered(decision):
    return render_all(decision.diagnostics) if isinstance(decision, RulerunError) else decision


@settings(max_examples=200, deadline=None)
@given(cents=st.integers(0, 10**17), count=st.integers(-40, 40), tenths=st.booleans())
def test_generated_code_and_closures_agree_on_exact_arithmetic(cents, count, tenths):
    compiled = _arithmetic()
    facts = {"kost": Decimal(cents) / 100, "deelnemers": Decimal(count) / (10 if tenths else 1)}
    try:
        closure = decide_closures(compiled, facts, ON, trace=False)
    except RulerunError as error:
        closure = render_all(error.diagnostics)
    fast = decide_generated(compiled, facts, ON)
    if isinstance(closure, str):  # an error: the generated code leaves the case to the closures
        assert fast is None
        assert "no exact decimal result" in closure or "division by zero" in closure
    else:
        assert fast == closure
    assert [_rendered(d) for d in compiled.decide_many([(facts, ON)])] == [closure]
