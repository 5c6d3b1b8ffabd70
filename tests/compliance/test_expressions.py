"""The expression compliance suite: one parametrized test over expressions.yaml."""
from __future__ import annotations

from pathlib import Path

import pytest

from rulerun.dsl.errors import RulerunError
from rulerun.dsl.yamlsource import read_text, parse_yaml
from rulerun.interpreter.expression import evaluate_expression
from rulerun.interpreter.values import Unknown, format_value

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
