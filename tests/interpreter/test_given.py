"""`given(fact)`: whether the case gives a fact, never unknown, alike in both back-ends."""
from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from rulerun.dsl.errors import MeasureError
from rulerun.interpreter.engine.columns import decide_columns
from rulerun.interpreter.engine.evaluator import decide_closures, decide_generated, load

ROOT = Path(__file__).resolve().parents[2]
SIMPLE = (ROOT / "tests/benchmarks/kmo-eenvoudig.yaml").read_text(encoding="utf-8")
ON = datetime.date(2024, 1, 1)
RAW = {"grootte": "klein", "pijler": "advies", "bedrag": "€ 2000", "start": "2019-05-01",
       "aanvraag": "2019-05-10", "ontvangen": "€ 0"}


def _measure(tmp_path: Path, expr: str):
    folder = tmp_path / "m"
    folder.mkdir(exist_ok=True)
    path = folder / "kmo-eenvoudig.yaml"
    path.write_text(SIMPLE.replace("  amount: subsidie\n", (
        "  amount: subsidie\n"
        f"  values:\n    gegeven: {{label: {{nl: Gegeven, en: Given}}, expr: '{expr}'}}\n")), encoding="utf-8")
    return load(path)


@pytest.mark.parametrize("left_out, expected", [(None, True), ("ontvangen", False)])
def test_given_is_true_or_false_and_never_missing(tmp_path, left_out, expected):
    compiled = _measure(tmp_path, "given(ontvangen)")
    facts = compiled.read_facts({k: v for k, v in RAW.items() if k != left_out})
    traced = decide_closures(compiled, facts, ON, trace=False)
    assert traced.outcome["gegeven"] == (expected, "bool")
    if left_out is None:
        assert decide_generated(compiled, facts, ON) == traced == decide_columns(compiled, [(facts, ON)]).decision(0)


def test_a_default_for_a_fact_left_out(tmp_path):
    compiled = _measure(tmp_path, "(if given(ontvangen) then ontvangen else € 0) = € 0")
    facts = compiled.read_facts(RAW)
    assert decide_closures(compiled, facts, ON, trace=False).outcome["gegeven"] == (True, "bool")
    assert decide_generated(compiled, facts, ON).outcome["gegeven"] == (True, "bool")


@pytest.mark.parametrize("expr", ["given(subsidie)", "given(€ 5)", "given(tarief[grootte])"])
def test_the_argument_must_name_a_fact(tmp_path, expr):
    with pytest.raises(MeasureError) as caught:
        _measure(tmp_path, expr)
    assert "`given` asks whether the case gives a fact: its argument must name a fact" in str(caught.value)
    assert "kmo-eenvoudig.yaml:39:" in str(caught.value)
