"""The checker: type rules accepted and rejected, collected all at once."""
from __future__ import annotations

import pytest

from rulerun.dsl.errors import MeasureError
from rulerun.interpreter.engine.expression import compile_expression

L = {"nl": "x", "en": "x"}
DECL = {
    "m": {"type": "money", "label": L, "question": L},
    "n": {"type": "number", "label": L, "question": L},
    "p": {"type": "percent", "label": L, "question": L},
    "d": {"type": "date", "label": L, "question": L},
    "dd": {"type": "duration", "unit": "days", "label": L, "question": L},
    "mm": {"type": "duration", "unit": "months", "label": L, "question": L},
    "t": {"type": "text", "label": L, "question": L},
    "b": {"type": "bool", "label": L, "question": L},
    "e": {"type": "enum", "values": ["klein", "middelgroot"], "label": L, "question": L},
    "r": {"type": "record", "label": L, "fields": {"x": {"type": "money", "label": L, "question": L}}},
    "l": {"type": "list", "label": L, "question": L, "fields": {"v": {"type": "money", "label": L}}},
}


@pytest.mark.parametrize("text, result", [
    ("m + m", "money"), ("m - m", "money"), ("m * p", "money"), ("p * m", "money"), ("m * n", "money"),
    ("m / m", "number"), ("m / n", "money"), ("n + n", "number"), ("p + p", "percent"), ("p * n", "number"), ("n * p", "number"), ("p * p", "percent"),
    ("d + dd", "date"), ("d + mm", "date"), ("d - dd", "date"), ("d - d", "number"), ("dd + dd", "duration in days"),
    ("mm * n", "duration in months"), ("reference_date + 1 year", "date"), ("m >= € 5", "bool"), ("d < 2022-01-01", "bool"), ("e = \"klein\"", "bool"),
    ("e in [\"klein\"]", "bool"), ("b and not b", "bool"), ("if b then m else € 0", "money"), ("r.x", "money"),
    ("sum(i.v for each i in l)", "money"), ("count(each i in l where i.v > € 0)", "number"),
    ("any(each i in l where i.v > m)", "bool"), ("max(i.v for each i in l else € 0)", "money"),
    ("min(m, € 5)", "money"), ("round_cents(m * p)", "money"), ("year(d)", "number"),
    ("matches(t, \"[A-Z]+\")", "bool"), ("t = e", "bool"), ("-m", "money"), ("dd > 14 days", "bool"),
])
def test_accepted(text, result):
    _, t, _ = compile_expression(text, DECL)
    assert str(t) == result


@pytest.mark.parametrize("text, fragment", [
    ("m + d", "cannot add a money and a date"),
    ("m + n", "cannot add a money and a number"),
    ("m * m", "cannot multiply a money by a money"),
    ("d + d", "cannot add a date and a date"),
    ("d + n", "add a duration"),
    ("mm > dd", "cannot compare a duration in days with a duration in months"),
    ("e = \"kleine\"", "\"kleine\" is not a value `e` can take"),
    ("e in [\"klein\", \"groot\"]", "\"groot\" is not a value"),
    ("mx + m", "unknown name `mx`"),
    ("round_cents(m, m)", "takes 1 argument, not 2"),
    ("days_between(d)", "takes 2 arguments, not 1"),
    ("if m then 1 else 2", "the condition of `if` must be a bool"),
    ("m and b", "each side of `and` must be a bool"),
    ("not m", "the operand of `not` must be a bool"),
    ("p > 50", "write the number as a percentage"),
    ("r.y", "has no field `y`"),
    ("l.v", "a list has no fields"),
    ("sum(i.v for each i in m)", "needs a list"),
    ("count(i.v for each i in l)", "`count` counts items"),
    ("sum(each i in l)", "needs a value"),
    ("sum(i.v > m for each i in l)", "cannot take the sum"),
    ("if b then € 1 else 1", "both branches"),
    ("-t", "cannot negate"),
    ("m in m", "must be a list"),
    ("matches(t, t)", "text literal"),
    ("matches(t, \"(?<=a)b\")", "invalid perl operator"),
    ("matches(t, \"[\")", "invalid pattern"),
    ("t < t", "cannot compare"),
])
def test_rejected(text, fragment):
    with pytest.raises(MeasureError) as caught:
        compile_expression(text, DECL)
    assert fragment in str(caught.value)


def test_all_errors_are_collected():
    with pytest.raises(MeasureError) as caught:
        compile_expression("(m + d) > € 1 and e = \"kleine\" and unknown_fact", DECL)
    messages = [d.message for d in caught.value.diagnostics]
    assert len(messages) == 3
    assert any("cannot add" in m for m in messages)
    assert any("kleine" in m for m in messages)
    assert any("unknown name" in m for m in messages)
