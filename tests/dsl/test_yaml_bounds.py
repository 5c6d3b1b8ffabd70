"""YAML size bounds: values and nesting are counted before any node is built, with either reader."""
from __future__ import annotations

import pytest

from rulerun.dsl import yamlsource
from rulerun.dsl.yamlsource import MAX_DEPTH, MAX_NODES, YamlProblem, parse_yaml

READERS = ["libyaml", "python"]


@pytest.fixture(params=READERS)
def reader(request, monkeypatch):
    if request.param == "python":
        monkeypatch.setattr(yamlsource, "_LIBYAML", None)
    elif yamlsource._LIBYAML is None:
        pytest.fail("PyYAML was built without libyaml")


def _nested(depth: int) -> str:
    return "x: " + "[" * depth + "]" * depth


def test_nesting_up_to_the_limit_is_read(reader):
    # The top mapping is one level: MAX_DEPTH - 1 lists inside it reach the limit exactly.
    assert parse_yaml(_nested(MAX_DEPTH - 1), "a.yaml", False).data is not None


@pytest.mark.parametrize("depth", [MAX_DEPTH, 10_000, 100_000])
def test_deeper_nesting_is_refused_at_its_position(depth, reader):
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(_nested(depth), "a.yaml", False)
    d = caught.value.diagnostic
    assert d.message == f"lists and mappings are nested more than {MAX_DEPTH} levels deep"
    assert (d.span.line, d.span.column) == (1, 4 + MAX_DEPTH - 1)


def test_indented_nesting_is_refused_too(reader):
    text = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5))
    with pytest.raises(YamlProblem, match="nested more than"):
        parse_yaml(text, "a.yaml", False)


LIMIT = 1000  # MAX_NODES scaled down: the same counting, read quickly


def test_values_up_to_the_limit_are_read(reader, monkeypatch):
    monkeypatch.setattr(yamlsource, "MAX_NODES", LIMIT)
    # The top mapping, its key and the list are three values.
    text = "x: [" + ",".join(["1"] * (LIMIT - 3)) + "]"
    assert len(parse_yaml(text, "a.yaml", False).data["x"]) == LIMIT - 3


def test_more_values_are_refused(reader, monkeypatch):
    monkeypatch.setattr(yamlsource, "MAX_NODES", LIMIT)
    text = "x: [" + ",".join(["1"] * (LIMIT - 2)) + "]"
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(text, "a.yaml", False)
    assert caught.value.diagnostic.message == f"the file holds more than {LIMIT} values"
    assert caught.value.diagnostic.span.column == len("x: [") + 2 * (LIMIT - 3) + 1


def test_a_huge_flow_list_is_refused_at_the_real_limit():
    text = "x: [" + ",".join(["1"] * 1_000_000) + "]"
    with pytest.raises(YamlProblem, match=f"more than {MAX_NODES} values"):
        parse_yaml(text, "a.yaml", False)


def test_invalid_yaml_keeps_its_own_message(reader):
    with pytest.raises(YamlProblem, match="a `\\[` or `\\{` is never closed|invalid YAML"):
        parse_yaml("x: [1, 2", "a.yaml", False)
