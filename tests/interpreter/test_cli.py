"""The CLI: formats, measure ids, stdin, exit codes, check warnings, internal errors, the Python API."""
from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main
from rulerun.dsl.errors import EvaluationError
from rulerun.interpreter.engine.evaluator import evaluate, load

ROOT = Path(__file__).resolve().parents[2]
CASE = "measures/cases/kmo-portefeuille/r3-klein-opleiding.yaml"


def test_formats(run):
    markdown = run("explain", "kmo-portefeuille", CASE, "--format", "markdown")
    assert markdown.exit_code == 0 and "| Amount | €337.50 |" in markdown.output and "- ✓ **is_kmo**" in markdown.output
    page = run("explain", "kmo-portefeuille", CASE, "--format", "html", "--lang", "nl")
    assert page.exit_code == 0 and page.output.startswith("<!DOCTYPE html>") and "<details open>" in page.output
    assert "Komt in aanmerking" in page.output and "<script" not in page.output
    data = json.loads(run("explain", "kmo-portefeuille", CASE, "--format", "json", "--no-trace").output)
    assert "trace" not in data and data["amount"] == "337.50"


def test_case_from_stdin_and_on_option(run):
    text = (ROOT / CASE).read_text()
    result = run("explain", "measures/kmo-portefeuille.yaml", "-", "--on", "2030-01-01", "--format", "json", input=text)
    assert result.exit_code == 0
    assert json.loads(result.output)["evaluated_on"] == "2030-01-01"


@pytest.mark.parametrize("args, code, fragment", [
    (("explain", "kmo-portefeuile", CASE), 64, "did you mean `kmo-portefeuille`?"),
    (("explain", "kmo-portefeuille", "nope.yaml"), 3, "no such file"),
    (("explain", "kmo-portefeuille", "measures"), 3, "is a directory"),
    (("explain", "kmo-portefeuille", CASE, "--on", "2022-13-01"), 64, "--on must be a date"),
    (("check", "does-not-exist"), 64, "does not exist"),
    (("explain", "kmo-portefeuille", CASE, "--format", "pdf"), 64, "Invalid value"),
])
def test_usage_errors(run, args, code, fragment):
    result = run(*args)
    assert result.exit_code == code
    assert fragment in result.output and "Traceback" not in result.output


def test_check_list_schema_and_test_are_clean(run):
    assert run("check").exit_code == 0
    listed = run("list")
    assert listed.exit_code == 0 and "kmo-portefeuille" in listed.output and "– 2022-07-31" in listed.output
    schema = json.loads(run("schema", "innovatieve-starterssteun").output)
    assert schema["properties"]["facts"]["properties"]["starter"]["properties"]["vorm"]["enum"][0] == "vennootschap"
    tested = run("test", "-k", "sofie")
    assert tested.exit_code == 0 and tested.output.strip() == "2 passed, 0 failed"


def test_non_utf8_file(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"facts:\n  grootte: kl\xe9in\n")
    result = run("explain", "kmo-portefeuille", str(bad))
    assert result.exit_code == 3 and "not UTF-8" in result.output and "line 2, column 14" in result.output


def test_internal_errors_are_reported_as_bugs(run, monkeypatch):
    def boom(*_, **__):
        raise RuntimeError("boom")
    monkeypatch.setattr("rulerun.interpreter.engine.evaluator.CompiledMeasure.evaluate", boom)
    result = run("explain", "kmo-portefeuille", CASE)
    assert result.exit_code == 70 and "this is a bug in rulerun" in result.output and "Traceback" not in result.output
    debug = run("--debug", "explain", "kmo-portefeuille", CASE)
    assert debug.exit_code == 70 and "RuntimeError: boom" in debug.output


MEASURE = """\
measure: proef
title: {nl: Proef, en: Trial}
summary: {nl: Proef., en: Trial.}
authority: VLAIO
sources:
  W01: {title: Bron, url: "https://www.vlaio.be/nl/bron"}
reference_date: datum
window: {from: 2016-04-01, until: 2020-12-31}
facts:
  datum: {type: date, label: {nl: Datum, en: Date}, question: {nl: Datum, en: Date}}
  grootte:
    type: enum
    values: [klein, middelgroot]
    label: {nl: Grootte, en: Size}
    question: {nl: Grootte, en: Size}
  kost: {type: money, label: {nl: Kost, en: Cost}, question: {nl: Kost, en: Cost}}
  EXTRA_FACT
parameters:
  tarief:
    label: {nl: Tarief, en: Rate}
    source: W01
    versions:
      - {from: 2016-04-01, values: {klein: 40%, middelgroot: 30%}}
      - {from: 2019-12-01, values: {klein: 30%, middelgroot: 20%}}
  EXTRA_PARAMETER
rules:
  klasse:
    label: {nl: Klasse, en: Class}
    source: W01
    table:
      - {label: groot project, when: kost >= € 10_000, then: '"A"'}
      - {when: kost >= € 1_000, then: '"B"'}
      - {otherwise: '"C"'}
  ok:
    label: {nl: Ok, en: Ok}
    source: W01
    expr: klasse != "C"
  EXTRA_RULE
decision:
  eligible: [ok]
  amount: kost * tarief[grootte]
"""


def measure(tmp_path, fact="", parameter="", rule="", eligible="ok"):
    text = MEASURE.replace("EXTRA_FACT", fact).replace("EXTRA_PARAMETER", parameter).replace("EXTRA_RULE", rule)
    text = text.replace("eligible: [ok]", f"eligible: [{eligible}]")
    path = tmp_path / "proef.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("extra, warning", [
    ({"fact": "ongebruikt: {type: bool, label: {nl: x, en: x}, question: {nl: x, en: x}}"},
     "fact `ongebruikt` is declared but no rule reads it"),
    ({"parameter": "vrij: {label: {nl: x, en: x}, source: W01, value: 5%}"},
     "parameter `vrij` is declared but no rule uses it"),
    ({"rule": "los: {label: {nl: x, en: x}, source: W01, expr: kost > € 1}"},
     "rule `los` does not contribute to the decision"),
    ({"rule": "open_tabel: {label: {nl: x, en: x}, source: W01, table: [{when: kost > € 1, then: 'true'}]}"},
     "table `open_tabel` has no `otherwise` row; a case no row matches is an evaluation error"),
    ({"rule": "open_tabel: {label: {nl: x, en: x}, source: W01, table: [{when: 'grootte = \"klein\"', then: 'true'}]}"},
     'table `open_tabel` has no `otherwise` row, and no row matches when grootte = "middelgroot"'),
    ({"rule": "dubbel: {label: {nl: x, en: x}, source: W01, table: [{when: 'grootte = \"klein\"', then: 'true'}, "
              "{when: 'grootte in [\"klein\"] and kost > € 5', then: 'false'}, {otherwise: 'false'}]}"},
     "row 2 of table `dubbel` can never match: the rows above it already match every case it matches"),
    ({"rule": "dubbel: {label: {nl: x, en: x}, source: W01, table: [{when: kost > € 5, then: 'true'}, "
              "{label: zelfde, when: kost >  € 5, then: 'false'}, {otherwise: 'false'}]}"},
     "row 2 (zelfde) of table `dubbel` can never match"),
    ({"rule": "leeg: {label: {nl: x, en: x}, source: W01, table: [{when: 'grootte = \"klein\" and grootte != \"klein\"', "
              "then: 'true'}, {otherwise: 'false'}]}"},
     "row 1 of table `leeg` can never match: its condition can never be true"),
    ({"parameter": "gat: {label: {nl: x, en: x}, source: W01, versions: [{from: 2016-04-01, until: 2017-12-31, "
                   "value: 1%}, {from: 2019-01-01, value: 2%}]}", "rule": "r: {label: {nl: x, en: x}, source: W01, expr: gat > 0%}"},
     "parameter `gat` has no value from 2018-01-01 to 2018-12-31, between two versions"),
    ({"parameter": "dubbel: {label: {nl: x, en: x}, source: W01, versions: [{from: 2016-04-01, until: 2019-03-31, "
                   "value: 1%}, {from: 2019-01-01, value: 2%}]}", "rule": "r: {label: {nl: x, en: x}, source: W01, expr: dubbel > 0%}"},
     "versions of parameter `dubbel` overlap from 2019-01-01 to 2019-03-31"),
    ({"parameter": "later: {label: {nl: x, en: x}, source: W01, versions: [{from: 2018-01-01, value: 1%}]}",
      "rule": "r: {label: {nl: x, en: x}, source: W01, expr: later > 0%}", "eligible": "ok, r"},
     "parameter `later` may be read in rule `r` on a reference date before its first value (2018-01-01): "
     "the window opens on 2016-04-01"),
])
def test_check_warnings(tmp_path, extra, warning):
    result = CliRunner().invoke(main, ["check", str(measure(tmp_path, **extra))])
    assert result.exit_code == 1
    assert warning in result.output


@pytest.mark.parametrize("rule", [
    # Guards on the reference date, directly or through a rule, make an early read impossible.
    "r: {label: {nl: x, en: x}, source: W01, expr: 'if datum >= 2018-01-01 then later > 0% else false'}",
    "r: {label: {nl: x, en: x}, source: W01, expr: nieuw and later > 0%}",
    "r: {label: {nl: x, en: x}, source: W01, table: [{when: not nieuw, then: 'false'}, {otherwise: later > 0%}]}",
    "r: {label: {nl: x, en: x}, source: W01, table: [{when: datum < 2018-01-01, then: 'false'}, "
    "{when: 'grootte = \"klein\"', then: later > 0%}, {when: 'grootte = \"middelgroot\"', then: 'true'}]}",
])
def test_guarded_reads_and_complete_tables_are_not_warned(tmp_path, rule):
    extra = {"parameter": "later: {label: {nl: x, en: x}, source: W01, versions: [{from: 2018-01-01, value: 1%}]}",
             "rule": rule + "\n  nieuw: {label: {nl: x, en: x}, source: W01, expr: datum >= 2018-01-01}",
             "eligible": "ok, r, nieuw"}
    result = CliRunner().invoke(main, ["check", str(measure(tmp_path, **extra))])
    assert result.exit_code == 0, result.output


def test_a_date_between_two_versions_is_an_evaluation_error(tmp_path):
    extra = {"parameter": "gat: {label: {nl: x, en: x}, source: W01, versions: [{from: 2016-04-01, until: 2017-12-31, "
                          "value: 1%}, {from: 2019-01-01, value: 2%}]}",
             "rule": "r: {label: {nl: x, en: x}, source: W01, expr: gat > 0%}", "eligible": "ok, r"}
    m = load(measure(tmp_path, **extra))
    facts = {"grootte": "klein", "kost": 1000}
    assert evaluate(m, dict(facts, datum="2017-12-31"), datetime.date(2024, 1, 1)).eligible == "yes"
    assert evaluate(m, dict(facts, datum="2019-01-01"), datetime.date(2024, 1, 1)).eligible == "yes"
    with pytest.raises(EvaluationError, match="parameter `gat` has no value on 2018-06-01: no version covers"):
        evaluate(m, dict(facts, datum="2018-06-01"), datetime.date(2024, 1, 1))


@pytest.mark.parametrize("day, amount, since", [
    ("2019-11-30", "400.00", "2016-04-01"),
    ("2019-12-01", "300.00", "2019-12-01"),
])
def test_dated_parameter_on_either_side_of_the_change(tmp_path, day, amount, since):
    m = load(measure(tmp_path))
    decision = evaluate(m, {"datum": day, "grootte": "klein", "kost": 1000}, datetime.date(2024, 1, 1))
    assert decision.amount == Decimal(amount)
    reads = [p for n in decision.trace for c in n.children for p in c.parameters] + [
        p for n in decision.trace for p in n.parameters]
    assert [p.since.isoformat() for p in reads if p.name == "tarief"] == [since]


@pytest.mark.parametrize("day, eligible, note", [
    ("2016-03-31", "no", "applications open on 2016-04-01"),
    ("2016-04-01", "yes", None),
    ("2020-12-31", "yes", None),
    ("2021-01-01", "no", "applications closed on 2020-12-31"),
])
def test_window(tmp_path, day, eligible, note):
    m = load(measure(tmp_path))
    decision = evaluate(m, {"datum": day, "grootte": "klein", "kost": 1000}, datetime.date(2024, 1, 1), )
    assert decision.eligible == eligible
    if note:
        assert decision.failed == ("window",) and decision.notes[0]["en"] == note


@pytest.mark.parametrize("kost, row", [(10_000, "1 (groot project)"), ("9999.99", "2"), (999, "otherwise")])
def test_decision_table_names_the_row(tmp_path, kost, row):
    m = load(measure(tmp_path))
    decision = evaluate(m, {"datum": "2018-01-01", "grootte": "klein", "kost": kost}, datetime.date(2024, 1, 1))
    nodes = [c for n in decision.trace for c in n.children]
    klasse = next(c for n in nodes for c in n.children if c.id == "klasse")
    assert klasse.row == row


def test_undetermined_lists_exactly_the_missing_facts(tmp_path):
    m = load(measure(tmp_path))
    decision = evaluate(m, {"datum": "2018-01-01", "grootte": "klein"}, datetime.date(2024, 1, 1))
    assert decision.eligible == "undetermined" and decision.missing == ("kost",) and decision.amount is None
    short_circuit = evaluate(m, {"datum": "2018-01-01", "kost": 5}, datetime.date(2024, 1, 1))
    assert short_circuit.eligible == "no" and short_circuit.missing == ()
