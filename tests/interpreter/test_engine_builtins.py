"""Adding a built-in function is one registration: the checker and both back-ends take it from there."""
from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from rulerun.dsl.builtins import FUNCTIONS, Function
from rulerun.dsl.errors import MeasureError
from rulerun.interpreter.engine.columns import decide_columns
from rulerun.interpreter.engine.evaluator import decide_closures, decide_generated, load
from rulerun.interpreter.engine.functions import FUNCTION_IMPL, add_function, remove_function

ROOT = Path(__file__).resolve().parents[2]
SIMPLE = ROOT / "tests/benchmarks/kmo-eenvoudig.yaml"
ON = datetime.date(2024, 1, 1)
RAW = {"grootte": "klein", "pijler": "advies", "bedrag": "€ 2000", "start": "2019-05-01",
       "aanvraag": "2019-05-10", "ontvangen": "€ 0"}


@pytest.fixture
def doubled():
    """A test-only function `doubled(x)`, registered for the test and removed after."""
    add_function(Function("doubled", ("numeric",), "same", "twice the value"), lambda x: x + x)
    yield
    remove_function("doubled")


@pytest.fixture
def measure_file(tmp_path):
    text = SIMPLE.read_text(encoding="utf-8").replace("expr: 'max(plafond[grootte] - ontvangen, € 0)'",
                                                      "expr: 'max(doubled(plafond[grootte]) - ontvangen, € 0)'")
    assert "doubled(" in text
    path = tmp_path / "kmo-eenvoudig.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_registered_function_is_used_by_both_back_ends(doubled, measure_file):
    compiled = load(measure_file)
    assert compiled.generated is not None and "doubled" not in compiled.generated.source  # bound as a constant
    facts = compiled.read_facts({**RAW, "bedrag": "€ 100000", "ontvangen": "€ 1000"})
    traced = decide_closures(compiled, facts, ON, trace=True)
    # 40% of € 100,000 is more than the headroom: twice the € 10,000 ceiling of 2019 less the € 1,000 received.
    assert traced.amount == Decimal("19000.00")
    untraced = decide_closures(compiled, facts, ON, trace=False)
    assert decide_generated(compiled, facts, ON) == untraced
    assert decide_columns(compiled, [(facts, ON)]).decision(0) == untraced
    assert decide_columns(compiled, [(facts, ON)]).left == []


def test_a_removed_function_is_unknown_again(doubled, measure_file):
    remove_function("doubled")
    assert "doubled" not in FUNCTIONS and "doubled" not in FUNCTION_IMPL
    with pytest.raises(MeasureError, match="unknown function `doubled`"):
        load(measure_file)
    add_function(Function("doubled", ("numeric",), "same", "twice the value"), lambda x: x + x)
