"""The boundary that would flip a failed condition, worked out from its expression and the trace."""
import datetime
from decimal import Decimal

import pytest

from rulerun.interpreter.engine.boundary import boundary
from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.engine.trace import walk

MEASURE = """measure: grens
title: {{nl: Grens, en: Boundary}}
summary: {{nl: Een proef., en: A trial.}}
authority: VLAIO
sources:
  W01: {{title: Voorwaarden, url: "https://www.vlaio.be/nl/voorbeeld"}}
facts:
  bedrag: {{type: money, label: {{nl: Bedrag, en: Amount}}, question: {{nl: Bedrag?, en: Amount?}}}}
  catering: {{type: money, label: {{nl: Catering, en: Catering}}, question: {{nl: Catering?, en: Catering?}}}}
  personeel: {{type: number, label: {{nl: Personeel, en: Staff}}, question: {{nl: Personeel?, en: Staff?}}}}
  deelname: {{type: percent, label: {{nl: Deelname, en: Holding}}, question: {{nl: Deelname?, en: Holding?}}}}
  datum: {{type: date, label: {{nl: Datum, en: Date}}, question: {{nl: Datum?, en: Date?}}}}
  ok: {{type: bool, label: {{nl: In orde, en: In order}}, question: {{nl: In orde?, en: In order?}}}}
parameters:
  laatste_dag: {{label: {{nl: Laatste dag, en: Last day}}, source: W01, value: 2022-03-24}}
  minimum: {{label: {{nl: Minimum, en: Minimum}}, source: W01, value: € 500}}
  termijn: {{label: {{nl: Termijn, en: Term}}, source: W01, value: 30 days}}
rules:
  voorwaarde:
    label: {{nl: Voorwaarde, en: Condition}}
    source: W01
    expr: {expr}
decision:
  eligible: [voorwaarde]
"""

FACTS = {"bedrag": "400", "catering": "50", "personeel": "53", "deelname": "30%", "datum": "2022-03-28", "ok": False}


def _boundary(tmp_path, expr: str, **facts):
    path = tmp_path / "grens.yaml"
    path.write_text(MEASURE.format(expr=expr), encoding="utf-8")
    compiled = load(path, "grens.yaml")
    decision = compiled.evaluate(compiled.read_facts({**FACTS, **facts}), datetime.date(2022, 4, 1))
    assert decision.eligible == "no"
    node = next(n for n in walk(decision.trace) if n.id == "voorwaarde")
    return boundary(compiled.checked, node)


@pytest.mark.parametrize("expr, subject, value, relation, limit", [
    ("datum <= laatste_dag", "datum", datetime.date(2022, 3, 28), "<=", datetime.date(2022, 3, 24)),
    ("datum < laatste_dag", "datum", datetime.date(2022, 3, 28), "<", datetime.date(2022, 3, 24)),
    ("laatste_dag >= datum", "datum", datetime.date(2022, 3, 28), "<=", datetime.date(2022, 3, 24)),
    ("datum + termijn <= 2022-04-01", "datum", datetime.date(2022, 3, 28), "<=", datetime.date(2022, 3, 2)),
    ("bedrag >= minimum", "bedrag", Decimal("400"), ">=", Decimal("500")),
    ("bedrag >= € 500", "bedrag", Decimal("400"), ">=", Decimal("500")),
    ("personeel < 50", "personeel", Decimal("53"), "<", Decimal("50")),
    ("personeel = 50", "personeel", Decimal("53"), "=", Decimal("50")),
    ("deelname <= 25%", "deelname", Decimal("0.3"), "<=", Decimal("0.25")),
    ("bedrag + catering >= € 500", "bedrag", Decimal("400"), ">=", Decimal("450")),
    ("bedrag * 2 >= € 1000", "bedrag", Decimal("400"), ">=", Decimal("500")),
    ("€ 1000 - bedrag <= € 500", "bedrag", Decimal("400"), ">=", Decimal("500")),
    ("bedrag / 4 > € 100", "bedrag", Decimal("400"), ">", Decimal("400")),
    ("ok or bedrag >= € 500", None, None, None, None),  # an `or`: no single comparison decides
])
def test_boundary(tmp_path, expr, subject, value, relation, limit):
    found = _boundary(tmp_path, expr)
    if subject is None:
        assert found is None
        return
    assert (found.subject, found.kind, found.value, found.relation) == (subject, "fact", value, relation)
    assert found.limit == limit


@pytest.mark.parametrize("expr", [
    "ok",                                         # a yes/no fact: nothing to move
    "bedrag >= € 500 and personeel < 50",         # two comparisons fail: no single value flips it
    "bedrag * 0 >= € 500",                        # multiplying by zero: no amount reaches it
    "€ 500 <= € 400",                             # no fact at all
])
def test_no_boundary(tmp_path, expr):
    assert _boundary(tmp_path, expr) is None


def test_the_failing_part_of_an_and_is_found(tmp_path):
    found = _boundary(tmp_path, "personeel >= 1 and bedrag >= € 500")
    assert (found.subject, found.relation, found.limit) == ("bedrag", ">=", Decimal("500"))


def test_json_form(tmp_path):
    assert _boundary(tmp_path, "datum <= laatste_dag").as_json() == {
        "subject": "datum", "kind": "fact", "value": "2022-03-28", "relation": "<=", "limit": "2022-03-24"}
