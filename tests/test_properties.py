"""Property tests: arbitrary input raises only rulerun's own errors, quickly, and never crashes."""
from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulerun.dsl.errors import RulerunError
from rulerun.dsl.loader import load_measure
from rulerun.dsl.parser import parse
from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.engine.expression import evaluate_expression

HERE = Path(__file__).parent
FAST = settings(max_examples=1500, deadline=1000, suppress_health_check=[HealthCheck.too_slow])

TOKENS = ["(", ")", "[", "]", ",", ".", "+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">=", "%", "€", "EUR",
          "if", "then", "else", "and", "or", "not", "in", "for", "each", "where", "true", "false", "days",
          "months", "year", "1", "0", "12.5", "2022-04-28", "2022-02-30", '"x"', "a", "b.c", "sum", "min",
          "count", "round_cents", "matches", "x", "each", "\n", " "]

L = {"nl": "x", "en": "x"}
DECLARATIONS = {
    "a": {"type": "money", "label": L, "question": L},
    "x": {"type": "number", "label": L, "question": L},
    "b": {"type": "record", "label": L, "fields": {"c": {"type": "percent", "label": L, "question": L}}},
}


@FAST
@given(st.text(max_size=80))
def test_parser_on_random_text(text):
    try:
        parse(text)
    except RulerunError:
        pass


@FAST
@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_parser_and_checker_on_token_sequences(tokens):
    text = " ".join(tokens)
    try:
        evaluate_expression(text, DECLARATIONS, {"a": 10, "x": 0, "b": {"c": "50%"}})
    except RulerunError:
        pass


def _yaml_values():
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=12),
                        st.sampled_from(["2022-04-28", "30%", "€ 5", "!!python/object:os.system", "&a x", "*a",
                                         "{nl: a, en: b}", "[1, 2", "'x'", "x: y", "? x"]))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
            ["measure", "title", "facts", "rules", "parameters", "decision", "sources", "expr", "type", "label",
             "nl", "en", "values", "versions", "from", "value", "table", "when", "then", "otherwise", "uses",
             "eligible", "amount", "window", "until", "x"]), inner, max_size=5)), max_leaves=20)


def _to_yaml(value, indent=0) -> str:
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n" + "\n".join(f"{pad}{k}: {_to_yaml(v, indent + 1)}" for k, v in value.items())
    if isinstance(value, list):
        if not value:
            return "[]"
        return "\n" + "\n".join(f"{pad}- {_to_yaml(v, indent + 1)}" for v in value)
    return str(value)


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(_yaml_values())
def test_loader_on_random_documents(tmp_path, value):
    path = tmp_path / "random.yaml"
    path.write_text(_to_yaml(value).lstrip("\n"), encoding="utf-8")
    try:
        load_measure(path)
    except RulerunError:
        pass


COMPILED = load(HERE / "invalid" / "proef.yaml")
ANY = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.text(max_size=15),
              st.decimals(allow_nan=False, allow_infinity=False, places=3),
              st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
              st.sampled_from(["30%", "150%", "€ 12.50", "14 days", "2 months", "DV.O225337", "klein", "2022-02-30"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(
        st.sampled_from(["naam", "aandeel", "x"]), inner, max_size=3)), max_leaves=8)


@settings(max_examples=1000, deadline=1000)
@given(st.dictionaries(st.sampled_from(["grootte", "kost", "aanvraagdatum", "vzw", "erkenningsnummer",
                                        "aandeelhouders", "termijn", "onbekend"]), ANY, max_size=7),
       st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)))
def test_evaluator_on_random_case_values(facts, on):
    try:
        typed = COMPILED.read_facts(facts)
        decision = COMPILED.evaluate(typed, on)
    except RulerunError:
        return
    assert decision.eligible in ("yes", "no", "undetermined")
    assert decision.amount is None or isinstance(decision.amount, Decimal)
