"""Adding a built-in function or operator is one entry in one table: the checker, the editor and both back-ends take it from there."""
from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import pytest

from rulerun.dsl.builtins import FUNCTIONS, OPERATORS, Function, Operator, add_function, add_operator, remove_function, remove_operator
from rulerun.dsl.errors import EvaluationError, MeasureError
from rulerun.dsl.exact import EXACT
from rulerun.dsl.library import Refused
from rulerun.interpreter.engine.columns import decide_columns
from rulerun.interpreter.engine.evaluator import decide_closures, decide_generated, load

ROOT = Path(__file__).resolve().parents[2]
SIMPLE = ROOT / "tests/benchmarks/kmo-eenvoudig.yaml"
ON = datetime.date(2024, 1, 1)
RAW = {"grootte": "klein", "pijler": "advies", "bedrag": "€ 100000", "start": "2019-05-01",
       "aanvraag": "2019-05-10", "ontvangen": "€ 1000"}


def _doubled(amount: Decimal) -> Decimal:
    if amount < 0:
        raise Refused(f"`doubled` takes no negative amount, not {amount}", "subtract after doubling")
    return amount + amount


#: The test-only function: the whole of what adding it takes.
DOUBLED = Function("doubled", ("numeric",), "same", "twice the value", _doubled)


@contextlib.contextmanager
def registered(function: Function) -> Iterator[None]:
    add_function(function)
    try:
        yield
    finally:
        remove_function(function.name)


@pytest.fixture
def doubled():
    """`doubled(x)`, registered for the test and removed after."""
    with registered(DOUBLED):
        yield


@pytest.fixture
def measure_file(tmp_path):
    text = SIMPLE.read_text(encoding="utf-8").replace("expr: 'max(plafond[grootte] - ontvangen, € 0)'",
                                                      "expr: 'max(doubled(plafond[grootte] - ontvangen), € 0)'")
    assert "doubled(" in text
    path = tmp_path / "kmo-eenvoudig.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_registered_function_is_used_by_both_back_ends(doubled, measure_file):
    compiled = load(measure_file)
    assert compiled.generated is not None and "doubled" not in compiled.generated.source  # bound as a constant
    facts = compiled.read_facts(RAW)
    traced = decide_closures(compiled, facts, ON, trace=True)
    # 40% of € 100,000 is more than the headroom: twice the € 10,000 ceiling of 2019 less the € 1,000 received.
    assert traced.amount == Decimal("18000.00")
    untraced = decide_closures(compiled, facts, ON, trace=False)
    assert decide_generated(compiled, facts, ON) == untraced
    columns = decide_columns(compiled, [(facts, ON)])
    assert columns.left == [] and columns.decision(0) == untraced


def test_a_value_the_function_refuses_is_a_language_error_at_the_call(doubled, measure_file):
    compiled = load(measure_file)
    facts = compiled.read_facts({**RAW, "ontvangen": "€ 12000"})  # doubled(€ 10,000 - € 12,000)
    with pytest.raises(EvaluationError) as caught:
        decide_closures(compiled, facts, ON)
    diagnostic = caught.value.diagnostics[0]
    assert "`doubled` takes no negative amount" in diagnostic.message and diagnostic.hint == "subtract after doubling"
    assert "doubled(plafond[grootte] - ontvangen)" in diagnostic.span.text
    assert decide_generated(compiled, facts, ON) is None  # the generated code leaves the case to the traced one
    assert decide_columns(compiled, [(facts, ON)]).left == [0]


def test_the_checker_reads_the_same_entry(doubled, tmp_path):
    text = SIMPLE.read_text(encoding="utf-8").replace("expr: aanvraag <= start + 14 days",
                                                      "expr: doubled(aanvraag) <= start")
    path = tmp_path / "wrong.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MeasureError, match="doubled"):
        load(path)
    assert FUNCTIONS["doubled"].signature == "doubled(numeric) → same"  # what the editor shows


def test_the_function_is_gone_once_unregistered(measure_file):
    with registered(DOUBLED):
        assert load(measure_file).generated is not None
    assert "doubled" not in FUNCTIONS
    with pytest.raises(MeasureError, match="unknown function `doubled`"):
        load(measure_file)


def test_a_name_is_registered_once():
    before = dict(FUNCTIONS)
    with pytest.raises(ValueError, match="already a built-in function `round`"):
        add_function(Function("round", ("number",), "number", "another round", lambda x: x))
    with pytest.raises(ValueError, match="needs an implementation"):
        add_function(Function("nothing", ("number",), "number", "no implementation", None))
    assert FUNCTIONS == before


def _plus_share(amount: Decimal, share: Decimal) -> Decimal:
    return EXACT.add(amount, EXACT.multiply(amount, share))


#: A test-only operator: an amount plus a percentage of it (`€ 100 + 10%` is € 110), which the language refuses.
PLUS_SHARE = Operator("+", ("money", "percent"), "money", "plus_share", _plus_share)


@contextlib.contextmanager
def entered(entry: Operator) -> Iterator[None]:
    add_operator(entry)
    try:
        yield
    finally:
        remove_operator(entry)


@pytest.fixture
def share_measure(tmp_path):
    text = SIMPLE.read_text(encoding="utf-8").replace("expr: 'max(plafond[grootte] - ontvangen, € 0)'",
                                                      "expr: 'max(plafond[grootte] - ontvangen + 10%, € 0)'")
    assert "+ 10%" in text
    path = tmp_path / "kmo-eenvoudig.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_registered_operator_is_used_by_both_back_ends(share_measure):
    with entered(PLUS_SHARE):
        compiled = load(share_measure)
        facts = compiled.read_facts(RAW)
        traced = decide_closures(compiled, facts, ON, trace=True)
        # The € 10,000 ceiling of 2019 less the € 1,000 received, plus 10%: less than 40% of € 100,000.
        assert traced.amount == Decimal("9900.00")
        untraced = decide_closures(compiled, facts, ON, trace=False)
        assert compiled.generated is not None and decide_generated(compiled, facts, ON) == untraced
        columns = decide_columns(compiled, [(facts, ON)])
        assert columns.left == [] and columns.decision(0) == untraced
    assert ("+", "money", "percent") not in OPERATORS
    with pytest.raises(MeasureError, match="cannot add a money and a percent"):
        load(share_measure)


def test_an_operator_is_registered_once():
    before = dict(OPERATORS)
    with pytest.raises(ValueError, match="already an operator `\\+` on money, money"):
        add_operator(Operator("+", ("money", "money"), "money", "add", _plus_share))
    with pytest.raises(ValueError, match="already an operator `<`"):
        add_operator(Operator("<", ("money", "percent"), "bool", "<", _plus_share))
    assert OPERATORS == before
