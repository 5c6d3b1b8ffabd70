"""Patterns: one compiled RE2 object per text, matched whole, in linear time; refused ones explained."""
from __future__ import annotations

import pickle

import pytest

from rulerun.dsl.patterns import MAX_PATTERN, PatternError, compile_pattern


def test_one_object_per_pattern_text():
    assert compile_pattern(r"DV\.[OA][0-9]{6}") is compile_pattern(r"DV\.[OA][0-9]{6}")


def test_the_whole_text_must_match():
    pattern = compile_pattern(r"DV\.[OA][0-9]{6}")
    assert pattern.fullmatch("DV.O225337")
    assert not pattern.fullmatch("DV.O2253378")
    assert not pattern.fullmatch("xDV.O225337")
    assert compile_pattern("a|ab").fullmatch("ab")


def test_nested_repetitions_on_long_texts():
    text = "a" * 1_000_000
    for source in ("(a+)+b", "((a+))+b", "a*" * 20 + "b", "(a|aa)*b"):
        assert not compile_pattern(source).fullmatch(text)
        assert compile_pattern(source).fullmatch(text + "b")


@pytest.mark.parametrize("source, message", [
    (r"(a)\1", "invalid escape sequence: \\1"),
    ("(?=a)a", "invalid perl operator: (?="),
    ("(?<!a)b", "invalid perl operator: (?<!"),
    ("[a", "missing ]: [a"),
    (r"\pL{1000}" * 6, "pattern too large"),
    ("x" * (MAX_PATTERN + 1), f"the limit is {MAX_PATTERN}"),
])
def test_refused_patterns(source, message):
    with pytest.raises(PatternError) as caught:
        compile_pattern(source)
    assert message in str(caught.value)
    assert caught.value.hint


def test_a_lone_surrogate_is_matched_as_a_replacement_character():
    assert compile_pattern("a.b").fullmatch("a\ud800b")
    assert not compile_pattern("a[a-z]b").fullmatch("a\ud800b")


def test_survives_pickling_as_the_same_object():
    pattern = compile_pattern("[0-9]+")
    assert pickle.loads(pickle.dumps(pattern)) is pattern
