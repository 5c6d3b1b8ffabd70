"""`parameter at date`: a dated parameter read at another date than the reference date, checked and traced."""
from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from rulerun.dsl import ast
from rulerun.dsl.errors import EvaluationError, MeasureError
from rulerun.dsl.parser import parse
from rulerun.interpreter.engine.columns import decide_columns
from rulerun.interpreter.engine.evaluator import decide_closures, decide_generated, load
from rulerun.interpreter.engine.trace import walk

ROOT = Path(__file__).resolve().parents[2]
SIMPLE = (ROOT / "tests/benchmarks/kmo-eenvoudig.yaml").read_text(encoding="utf-8")
ON = datetime.date(2024, 1, 1)


def _measure(tmp_path: Path, expr: str, extra: str = ""):
    folder = tmp_path / "m"
    folder.mkdir(exist_ok=True)
    path = folder / "kmo-eenvoudig.yaml"
    path.write_text(SIMPLE.replace("  amount: subsidie\n", (
        "  amount: subsidie\n"
        f"  values:\n    bij_start: {{label: {{nl: Bij start, en: At start}}, expr: '{expr}'}}\n")) + extra,
        encoding="utf-8")
    return load(path)


def _facts(compiled, start: str):
    return compiled.read_facts({"grootte": "klein", "pijler": "advies", "bedrag": "€ 2000", "start": start,
                                "aanvraag": "2020-01-02", "ontvangen": "€ 0"})


def test_at_binds_tighter_than_arithmetic():
    node = parse("plafond at werken.start + 1 day")
    assert isinstance(node, ast.Binary) and isinstance(node.left, ast.At)
    assert node.left.on == ast.Name(("werken", "start"), node.left.on.span)
    keyed = parse("tarief[grootte] at (aanvraag.datum + 30 days)")
    assert isinstance(keyed, ast.At) and isinstance(keyed.target, ast.Index) and isinstance(keyed.on, ast.Binary)


@pytest.mark.parametrize("start, value", [("2019-12-20", Decimal(10000)), ("2020-01-01", Decimal(7500))])
def test_the_value_in_force_on_that_date_by_every_back_end(tmp_path, start, value):
    compiled = _measure(tmp_path, "plafond[grootte] at start")
    facts = _facts(compiled, start)
    traced = decide_closures(compiled, facts, ON, trace=True)
    assert traced.outcome["bij_start"] == (value, "money")
    assert traced.reference_date == datetime.date(2020, 1, 2)  # the reference date itself is unchanged
    reads = [p for node in walk(traced.trace) for p in node.parameters if p.at is not None]
    assert [(p.name, p.key, p.at, p.value) for p in reads] == [
        ("plafond", "klein", datetime.date.fromisoformat(start), value)]
    untraced = decide_closures(compiled, facts, ON, trace=False)
    assert decide_generated(compiled, facts, ON) == untraced == decide_columns(compiled, [(facts, ON)]).decision(0)


def test_a_date_before_the_first_version_is_a_positioned_evaluation_error(tmp_path):
    compiled = _measure(tmp_path, "plafond[grootte] at start")
    facts = _facts(compiled, "2016-03-01")
    with pytest.raises(EvaluationError) as caught:
        decide_closures(compiled, facts, ON, trace=False)
    assert "parameter `plafond` has no value on 2016-03-01" in str(caught.value)
    assert "kmo-eenvoudig.yaml:39:" in str(caught.value)
    assert decide_generated(compiled, facts, ON) is None  # left to the closures, which report it


@pytest.mark.parametrize("expr, message, where", [
    ("bedrag at start", "the left of `at` must be a parameter", "39:62"),
    ("subsidie at start", "the left of `at` must be a parameter", "39:62"),
    ("tarief[grootte] at bedrag", "the date after `at` must be a date, but this is a money", "39:81"),
    ("plafond at start", "parameter `plafond` has a value per key", "39:62"),
    ("drempel at start", "parameter `drempel` has one value for every date", "40:62"),  # one line added above
])
def test_a_wrong_operand_is_a_positioned_error(tmp_path, expr, message, where):
    with pytest.raises(MeasureError) as caught:
        _measure(tmp_path, expr) if "drempel" not in expr else _undated(tmp_path, expr)
    text = str(caught.value)
    assert message in text and f"kmo-eenvoudig.yaml:{where}:" in text, text


def _undated(tmp_path: Path, expr: str):
    folder = tmp_path / "m"
    folder.mkdir(exist_ok=True)
    path = folder / "kmo-eenvoudig.yaml"
    text = SIMPLE.replace("parameters:\n", "parameters:\n  drempel: {label: {nl: D, en: D}, source: W01, value: € 5}\n")
    path.write_text(text.replace("  amount: subsidie\n", (
        "  amount: subsidie\n"
        f"  values:\n    bij_start: {{label: {{nl: Bij start, en: At start}}, expr: '{expr}'}}\n")), encoding="utf-8")
    return load(path)


def test_the_explanation_shows_the_date_in_text_and_json(tmp_path, run):
    compiled = _measure(tmp_path, "plafond[grootte] at start")
    case = tmp_path / "case.yaml"
    case.write_text("facts: {grootte: klein, pijler: advies, bedrag: 2000, start: 2019-12-20, aanvraag: 2020-01-02, "
                    "ontvangen: 0}\n", encoding="utf-8")
    measure = str(tmp_path / "m" / "kmo-eenvoudig.yaml")
    assert compiled is not None
    text = run("explain", measure, str(case), "--on", "2024-01-01").output
    assert "plafond[klein] at 20 December 2019 = €10,000.00 (since 1 April 2016)" in text
    assert "plafond[klein] = €7,500.00 (since 1 January 2020)" in text  # the reference date's read, beside it
    dutch = run("explain", measure, str(case), "--on", "2024-01-01", "--lang", "nl").output
    assert "plafond[klein] op 20 december 2019 = € 10.000,00 (sinds 1 april 2016)" in dutch
    data = json.loads(run("explain", measure, str(case), "--on", "2024-01-01", "--format", "json").output)
    reads = [p for node in data["trace"] for p in node["parameters"] if "at" in p]
    assert reads == [{"name": "plafond", "key": "klein", "value": "10000.00", "since": "2016-04-01", "source": "W01",
                      "at": "2019-12-20"}]


def test_the_de_minimis_ceiling_follows_the_date_of_grant():
    """Both sides in the bundled measures: without a grant date the application date decides."""
    cases = ROOT / "measures/cases"
    import yaml
    for measure, without, granted in [
        ("kmo-portefeuille", "de-minimis-aanvraag-2023-zonder-toekenningsdatum",
         "de-minimis-toegekend-2024-plafond-300000"),
        ("rentetoelage-hinder-openbare-werken", "de-minimis-aanvraag-2013-zonder-toekenningsdatum",
         "de-minimis-toegekend-2014-nieuwe-periode"),
    ]:
        compiled = load(ROOT / f"measures/{measure}.yaml")
        first = yaml.safe_load((cases / measure / f"{without}.yaml").read_text(encoding="utf-8"))
        second = yaml.safe_load((cases / measure / f"{granted}.yaml").read_text(encoding="utf-8"))
        assert {k: v for k, v in second["facts"].items() if k != "de_minimis_toekenning"} == first["facts"]
        on = first[True]  # YAML 1.1 reads the key `on` as true
        no = compiled.evaluate(compiled.read_facts(first["facts"]), on, trace=False)
        yes = compiled.evaluate(compiled.read_facts(second["facts"]), on, trace=False)
        assert (no.eligible, no.failed) == ("no", ("binnen_de_minimis",)) and yes.eligible == "yes"
