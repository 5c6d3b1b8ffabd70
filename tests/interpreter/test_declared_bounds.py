"""Declared bounds settle three-valued results: an amount is never below € 0, a percentage lies in 0–100 %."""
from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.engine.expression import evaluate_expression
from rulerun.interpreter.engine.values import Unknown

ROOT = Path(__file__).resolve().parents[2]

Q = {"question": {"nl": "?", "en": "?"}}
DECLARED = {
    "x": {"type": "money", "label": {"nl": "X", "en": "X"}, **Q},
    "y": {"type": "money", "label": {"nl": "Y", "en": "Y"}, **Q},
    "p": {"type": "percent", "label": {"nl": "P", "en": "P"}, **Q},
    "n": {"type": "number", "minimum": 1, "maximum": 10, "label": {"nl": "N", "en": "N"}, **Q},
    "d": {"type": "date", "minimum": "2020-01-01", "label": {"nl": "D", "en": "D"}, **Q},
    "r": {"type": "record", "label": {"nl": "R", "en": "R"},
          "fields": {"bedrag": {"type": "money", "label": {"nl": "B", "en": "B"}, **Q}}},
}


def value(text: str, **facts):
    return evaluate_expression(text, DECLARED, facts)[0]


@pytest.mark.parametrize("text, expected", [
    ("min(€ 0, x)", Decimal(0)),
    ("x >= € 0", True),
    ("x < € 0", False),
    ("€ 0 <= x", True),
    ("x = -€ 1", False),
    ("x != -€ 1", True),
    ("r.bedrag >= € 0", True),
    ("p <= 100%", True),
    ("p > 100%", False),
    ("min(p, 100%) = p", None),  # p itself is unknown: the comparison is too
    ("n >= 1", True),
    ("n > 10", False),
    ("min(n * € 25, € 20)", Decimal(20)),
    ("min(€ 0, n * x)", Decimal(0)),
    ("€ 10 - x <= € 10", True),
    ("round_cents(x * 30%) >= € 0", True),
    ("max(€ 5, -x)", Decimal(5)),
    ("(if x > € 3 then € 1 else € 2) <= € 2", True),
    ("d >= 2020-01-01", True),
    ("d < 2019-12-31", False),
])
def test_a_bound_settles_the_result(text, expected):
    result = value(text)
    if expected is None:
        assert type(result) is Unknown
    else:
        assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("text, missing", [
    ("max(€ 0, x)", {"x"}),
    ("x > € 0", {"x"}),
    ("x - y >= € 0", {"x", "y"}),
    ("min(€ 1, x)", {"x"}),
    ("n >= 2", {"n"}),
    ("d < 2024-01-01", {"d"}),
])
def test_where_the_bounds_do_not_settle_it_the_result_stays_unknown(text, missing):
    result = value(text)
    assert type(result) is Unknown and result.missing == frozenset(missing)


EXPRESSIONS = ["min(€ 2, x)", "max(€ 2, x)", "x >= € 2", "x - y < € 1", "min(x * p, y)", "n * x > € 30",
               "max(€ 0, € 5 - x)", "round_cents(x * p) <= y", "(if n > 5 then x else y) >= € 0"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(EXPRESSIONS), st.sampled_from(["x", "y", "p", "n"]),
       st.decimals(min_value=0, max_value=100, places=2), st.decimals(min_value=0, max_value=100, places=2),
       st.decimals(min_value=0, max_value=1, places=2), st.integers(min_value=1, max_value=10))
def test_a_settled_result_is_the_one_every_value_within_the_bounds_gives(text, left_out, x, y, p, n):
    facts = {"x": f"€ {x}", "y": f"€ {y}", "p": f"{p * 100}%", "n": n}
    known = value(text, **facts)
    partial = value(text, **{k: v for k, v in facts.items() if k != left_out})
    if type(partial) is not Unknown:
        assert partial == known


def test_a_training_without_catering_is_decided_without_the_participant_days():
    """The KMO-portefeuille case of the issue: no catering, so € 0 catering whatever the participant-days."""
    compiled = load(ROOT / "measures/kmo-portefeuille.yaml")
    case = yaml.safe_load((ROOT / "measures/cases/kmo-portefeuille/geen-catering-persoonsdagen-onbekend.yaml")
                          .read_text(encoding="utf-8"))
    assert "persoonsdagen" not in case["facts"]["dienst"] and case["facts"]["dienst"]["catering"] == 0
    decision = compiled.evaluate(compiled.read_facts(case["facts"]), datetime.date(2026, 11, 1), trace=True)
    assert (decision.eligible, decision.amount, decision.missing) == ("yes", Decimal("300.00"), ())


def test_the_intake_does_not_ask_for_participant_days_without_catering():
    """`ask` asks fewer questions: with catering € 0 the participant-days cannot change the decision."""
    from rulerun.interpreter.tools.intake import Intake

    compiled = load(ROOT / "measures/kmo-portefeuille.yaml")
    facts = yaml.safe_load((ROOT / "measures/cases/kmo-portefeuille/r3-klein-opleiding.yaml").read_text("utf-8"))["facts"]
    del facts["dienst"]["persoonsdagen"]
    with_catering = Intake(compiled, datetime.date(2026, 11, 1), facts)
    assert [q.name for q in with_catering.questions()] == ["dienst.persoonsdagen"]
    facts["dienst"]["catering"] = 0
    assert Intake(compiled, datetime.date(2026, 11, 1), facts).settled
