"""The engine's shape: one assembly for every back-end, and bugs in generated code never hidden."""
from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from rulerun.dsl.builtins import Function, add_function, remove_function
from rulerun.dsl.errors import EvaluationError
from rulerun.dsl.library import round_cents
from rulerun.interpreter.engine.codegen import CANNOT_DECIDE, MOST_FRAMES
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
    names = compiled.generated.row.__globals__
    rounding = [name for name, value in names.items() if value is round_cents]  # the measure's own round_cents
    assert rounding
    for name in rounding:
        monkeypatch.setitem(names, name, _broken)
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


def _stray_value_error(amount):
    raise ValueError("a bug that happens to be a ValueError")


def _type_error(amount):
    return amount + "text"  # a TypeError, as a real bug would raise it


@pytest.fixture(params=[_type_error, _stray_value_error], ids=["TypeError", "ValueError"])
def broken(request, tmp_path):
    """The simple measure calling `broken(…)`, a test-only function whose implementation has a bug."""
    add_function(Function("broken", ("money",), "money", "a function with a bug", request.param))
    text = SIMPLE.read_text(encoding="utf-8").replace("expr: 'max(plafond[grootte] - ontvangen, € 0)'",
                                                      "expr: 'max(broken(plafond[grootte] - ontvangen), € 0)'")
    assert "broken(" in text
    path = tmp_path / "kmo-eenvoudig.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        yield load(path), (TypeError if request.param is _type_error else ValueError)
    finally:
        remove_function("broken")


@pytest.mark.parametrize("path", ["one case", "batch", "traced"])
def test_a_bug_in_an_implementation_is_not_decided_by_the_traced_back_end(broken, path):
    compiled, error = broken
    assert compiled.generated is not None
    facts = compiled.read_facts(RAW)
    run = {"one case": lambda: compiled.evaluate(facts, ON, trace=False),
           "batch": lambda: decide_columns(compiled, [(facts, ON)]),
           "traced": lambda: compiled.evaluate(facts, ON, trace=True)}[path]
    with pytest.raises(error) as caught:  # not left to the traced back-end, nor reported as a language error
        run()
    assert not isinstance(caught.value, EvaluationError) and caught.type is error


def test_only_undecided_and_language_errors_stop_the_generated_code():
    assert not any(issubclass(kind, (LookupError, RecursionError, TypeError)) for kind in CANNOT_DECIDE)
    assert not any(kind is ValueError or kind is ArithmeticError for kind in CANNOT_DECIDE)


def test_a_key_the_case_leaves_out_is_checked_where_it_is_read():
    compiled = load(SIMPLE)
    full = compiled.read_facts(RAW)
    absent = {k: v for k, v in full.items() if k != "ontvangen"}  # not even a None: no key at all
    assert decide_generated(compiled, absent, ON) is None
    assert compiled.evaluate(absent, ON, trace=False).missing == ("ontvangen",)
    # A size the rate table has no row for (typed facts handed in directly): an error the closures report.
    other = dict(full, grootte="reus")
    assert decide_generated(compiled, other, ON) is None
    with pytest.raises(EvaluationError, match="no value for `reus`"):
        compiled.evaluate(other, ON, trace=False)
    columns = decide_columns(compiled, [(absent, ON), (other, ON), (full, ON)])
    assert columns.left == [0, 1] and 1 in columns.errors and columns.decision(2).eligible == "yes"


def _chain(folder: Path, rules: int) -> Path:
    """A measure whose rule r(i) is r(i-1) + 1, `rules` deep."""
    body = "".join(f"  r{i}: {{label: {{nl: Stap, en: Step}}, source: W01, expr: '{'start' if i == 0 else f'r{i - 1} + 1'}'}}\n"
                   for i in range(rules))
    path = folder / f"keten{rules}.yaml"
    path.write_text(
        f"measure: keten{rules}\n"
        "title: {nl: Keten, en: Chain}\nsummary: {nl: Een keten., en: A chain.}\nauthority: VLAIO\n"
        "sources:\n  W01: {title: Voorwaarden, url: 'https://www.vlaio.be/nl/voorbeeld'}\n"
        "facts:\n  start: {type: number, label: {nl: Start, en: Start}, question: {nl: Start?, en: Start?}}\n"
        f"rules:\n{body}decision:\n  eligible: r{rules - 1} > 0\n  values:\n    laatste: r{rules - 1}\n",
        encoding="utf-8")
    return path


def test_a_chain_deeper_than_the_generated_code_may_nest_is_not_generated(tmp_path):
    shallow, deep = load(_chain(tmp_path, 50)), load(_chain(tmp_path, MOST_FRAMES + 50))
    assert shallow.generated is not None and shallow.generated.frames <= MOST_FRAMES
    assert deep.generated is None  # decided by the closures on purpose, not after a RecursionError
    for compiled, rules in ((shallow, 50), (deep, MOST_FRAMES + 50)):
        facts = compiled.read_facts({"start": 1})
        decision = compiled.evaluate(facts, ON, trace=False)
        assert decision.outcome["laatste"][0] == rules and decision == decide_closures(compiled, facts, ON, False)
        assert decide_columns(compiled, [(facts, ON)]).decision(0) == decision
