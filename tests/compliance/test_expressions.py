"""The expression compliance suite: one parametrized test over expressions.yaml."""
from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from rulerun.dsl.errors import RulerunError
from rulerun.interpreter.engine import ir
from rulerun.interpreter.engine.codegen import Undecided, generate_expression
from rulerun.interpreter.formats.facts import read_facts
from rulerun.interpreter.engine.runtime import Program
from rulerun.dsl.yamlsource import read_text, parse_yaml
from rulerun.interpreter.engine.expression import evaluate_expression, lower_text
from rulerun.interpreter.engine.values import Unknown, format_value

SUITE = parse_yaml(read_text(Path(__file__).with_name("expressions.yaml")), "expressions.yaml", False).data
CASES = SUITE["cases"]


def test_suite_is_large_enough():
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[c["expr"] for c in CASES])
def test_expression(case):
    expected = {k for k in ("result", "unknown", "error") if k in case}
    assert len(expected) == 1, "a case expects exactly one of result, unknown, error"
    if "error" in case:
        with pytest.raises(RulerunError) as caught:
            evaluate_expression(case["expr"], SUITE["declarations"], case.get("facts"))
        assert case["error"] in str(caught.value)
        return
    value, result_type = evaluate_expression(case["expr"], SUITE["declarations"], case.get("facts"))
    if "unknown" in case:
        assert isinstance(value, Unknown)
        assert sorted(value.missing) == sorted(case["unknown"])
    else:
        assert not isinstance(value, Unknown)
        assert format_value(value, result_type.tag) == str(case["result"])
        generated, read = _generated(case)
        # Only a case that leaves out a fact the expression reads may be left to the closure evaluator.
        assert generated == value or (generated is LEFT and read - set(case.get("facts") or {}))


LEFT = object()


def _generated(case):
    """The value of the case's expression by the code generated for deciding without trace, and the facts read."""
    node, _result, declared = lower_text(case["expr"], SUITE["declarations"])
    read = {n.keys[0] for n in ir.walk(node) if isinstance(n, ir.FactRead)}
    function = generate_expression(node, Program())
    try:
        return function(read_facts(declared, case.get("facts") or {}), datetime.date(2024, 1, 1)), read
    except Undecided:
        return LEFT, read
