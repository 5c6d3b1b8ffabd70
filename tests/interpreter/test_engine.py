"""The engine's shape: one assembly for every back-end, and bugs in generated code never hidden."""
from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from rulerun.interpreter.engine.columns import decide_columns
from rulerun.interpreter.engine.evaluator import decide_closures, decide_generated, load

ROOT = Path(__file__).resolve().parents[2]
SIMPLE = ROOT / "tests/benchmarks/kmo-eenvoudig.yaml"
ON = datetime.date(2024, 1, 1)
RAW = {"grootte": "klein", "pijler": "advies", "bedrag": "€ 2000", "start": "2019-05-01",
       "aanvraag": "2019-05-10", "ontvangen": "€ 0"}


@pytest.fixture(scope="module")
def windowed(tmp_path_factory):
    """The simple measure with an application window that opens on 2019-06-01."""
    path = tmp_path_factory.mktemp("windowed") / "kmo-eenvoudig.yaml"
    text = SIMPLE.read_text(encoding="utf-8").replace("  amount: subsidie\n", (
        "  amount: subsidie\n"
        "  deadlines:\n    laatste_dag: {label: {nl: Laatste dag, en: Last day}, expr: start + 14 days}\n"
        "  values:\n    tarief: {label: {nl: Tarief, en: Rate}, expr: 'tarief[grootte]'}\n"))
    path.write_text(text + "window:\n  from: 2019-06-01\n  source: W01\n", encoding="utf-8")
    return load(path)


def test_a_closed_window_is_decided_alike_by_every_back_end(windowed):
    facts = windowed.read_facts(RAW)
    traced = decide_closures(windowed, facts, ON, trace=False)
    assert traced.eligible == "no" and traced.failed == ("window",)
    assert traced.notes == ({"nl": "aanvragen kunnen pas vanaf 2019-06-01", "en": "applications open on 2019-06-01"},)
    assert decide_generated(windowed, facts, ON) == traced
    columns = decide_columns(windowed, [(facts, ON)])
    assert columns.left == [] and columns.decision(0) == traced and columns.failed(0) == ("window",)


def test_outside_the_window_the_deadlines_and_values_are_still_computed(windowed):
    facts = windowed.read_facts(RAW)
    traced = decide_closures(windowed, facts, ON, trace=True)
    assert traced.eligible == "no" and traced.failed == ("window",) and traced.amount is None
    assert traced.deadlines == {"laatste_dag": datetime.date(2019, 5, 15)}
    assert traced.outcome == {"tarief": (Decimal("0.4"), "percent")}
    assert [node.id for node in traced.trace] == ["window", "laatste_dag", "tarief"]
    untraced = decide_closures(windowed, facts, ON, trace=False)
    assert decide_generated(windowed, facts, ON) == untraced == decide_columns(windowed, [(facts, ON)]).decision(0)


def test_outside_the_window_a_value_with_no_version_is_unknown_not_an_error(windowed):
    facts = windowed.read_facts({**RAW, "start": "2015-05-01", "aanvraag": "2015-05-10"})
    traced = decide_closures(windowed, facts, ON, trace=False)
    assert traced.deadlines == {"laatste_dag": datetime.date(2015, 5, 15)}
    assert traced.outcome == {"tarief": (None, "percent")}
    assert decide_generated(windowed, facts, ON) is None  # the generated code leaves it to the closures
    assert decide_columns(windowed, [(facts, ON)]).decision(0) == traced


def test_an_open_window_decides_the_case(windowed):
    facts = windowed.read_facts({**RAW, "start": "2019-07-01", "aanvraag": "2019-07-02"})
    traced = decide_closures(windowed, facts, ON, trace=False)
    assert traced.eligible == "yes" and traced.failed == ()
    assert decide_generated(windowed, facts, ON) == traced == decide_columns(windowed, [(facts, ON)]).decision(0)


def _broken(*_args):
    raise TypeError("a bug")


@pytest.mark.parametrize("path", ["one case", "batch"])
def test_a_bug_in_the_generated_code_is_not_hidden(monkeypatch, path):
    compiled = load(SIMPLE)
    facts = compiled.read_facts(RAW)
    monkeypatch.setitem(compiled.generated.row.__globals__, "_round_cents", _broken)
    if path == "one case":
        run = lambda: compiled.evaluate(facts, ON, trace=False)  # noqa: E731
    else:
        run = lambda: decide_columns(compiled, [(facts, ON)])  # noqa: E731
    with pytest.raises(TypeError, match="a bug"):
        run()


def test_what_the_generated_code_cannot_decide_goes_to_the_traced_back_end():
    compiled = load(SIMPLE)
    facts = compiled.read_facts({k: v for k, v in RAW.items() if k != "ontvangen"})
    assert decide_generated(compiled, facts, ON) is None
    decision = compiled.evaluate(facts, ON, trace=False)
    assert decision.eligible == "yes" and decision.missing == ("ontvangen",)
    columns = decide_columns(compiled, [(facts, ON)])
    assert columns.left == [0] and columns.decision(0) == decision
