"""Names in any script: one spelling per name, and generated code that decides as the closures do."""
from __future__ import annotations

import datetime
import re
import tempfile
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rulerun.dsl.errors import MeasureError, RulerunError, render_all
from rulerun.dsl.loader import facts_from_declarations
from rulerun.interpreter.engine.evaluator import decide_closures, decide_generated, load

ON = datetime.date(2024, 6, 1)
MEASURE = """\
measure: namen
title: {nl: Namen, en: Names}
summary: {nl: Namen in elk schrift., en: Names in any script.}
authority: VLAIO
sources:
  W01: {title: Voorwaarden, url: "https://www.vlaio.be/nl/voorbeeld"}
facts:
  lijst:
    type: list
    label: {nl: Lijst, en: List}
    question: {nl: Welke?, en: Which?}
    fields:
      n: {type: number, label: {nl: N, en: N}}
  drempel: {type: number, label: {nl: Drempel, en: Threshold}, question: {nl: Drempel?, en: Threshold?}}
rules:
  totaal:
    label: {nl: Totaal, en: Total}
    source: W01
    expr: |
      sum(OUTER.n * 100 + sum(INNER.n + OUTER.n for each INNER in lijst where INNER.n > OUTER.n)
          for each OUTER in lijst)
  genoeg:
    label: {nl: Genoeg, en: Enough}
    source: W01
    expr: |
      any(each INNER in lijst where all(OUTER.n <= INNER.n for each OUTER in lijst)) and totaal >= DREMPEL
decision:
  eligible: [genoeg]
  values:
    totaal: totaal
"""
#: Letters whose compatibility forms Python folds into other names: fullwidth, ligatures, fractions, …
COMPATIBILITY = "ａｂＡｎﬁﬂℌℍⅫⅰ½¼⅓²³ᵃᵢｶｷㄱﾡ㎏µºª"
LETTERS = st.sampled_from(COMPATIBILITY) | st.characters(categories=("Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "No"))
NAME = re.compile(r"(?!\d)\w+")


def _name(text: str) -> bool:
    return NAME.fullmatch(text) is not None


names = (st.text(st.sampled_from(COMPATIBILITY), min_size=1, max_size=3)
         | st.text(LETTERS, min_size=1, max_size=3)).filter(_name)


def _load(outer: str, inner: str, threshold: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "namen.yaml"
        path.write_text(MEASURE.replace("OUTER", outer).replace("INNER", inner).replace("DREMPEL", threshold),
                        encoding="utf-8")
        return load(path)


def _closure(compiled, facts):
    try:
        return decide_closures(compiled, facts, ON, trace=False)
    except RulerunError as error:
        return render_all(error.diagnostics)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(outer=names, inner=names | st.sampled_from(["ａ", "a", "x"]), same=st.booleans(),
       values=st.lists(st.integers(0, 9), max_size=4), threshold=st.integers(0, 200))
def test_random_unicode_names_decide_alike_in_generated_code_and_closures(outer, inner, same, values, threshold):
    if same and _name(unicodedata.normalize("NFKC", outer)):  # the outer variable's name in another form
        inner = unicodedata.normalize("NFKC", outer)
    try:
        compiled = _load(outer, inner, "ｄrempel")
    except MeasureError:
        assume(False)  # a drawn name that is a keyword or a literal of the language: not a name
        return
    assert compiled.generated is not None, "the generated code must hold any name the closures hold"
    facts = compiled.read_facts({"lijst": [{"n": v} for v in values], "drempel": threshold})
    fast = decide_generated(compiled, facts, ON)
    assert fast is not None
    assert fast == _closure(compiled, facts)
    assert _many(compiled, [(facts, ON)]) == [fast]


def _many(compiled, pairs):
    return list(compiled.decide_many(pairs))


def test_one_name_in_two_forms_is_one_variable():
    # `ａ` (fullwidth) is `a`: the inner `ａ` is the inner variable, for the closures as for Python.
    totals = {}
    for inner in ("ａ", "b"):
        compiled = _load("a", inner, "drempel")
        facts = compiled.read_facts({"lijst": [{"n": 1}, {"n": 2}], "drempel": 0})
        closure = _closure(compiled, facts)
        assert decide_generated(compiled, facts, ON) == closure
        totals[inner] = closure.outcome["totaal"][0]
    # One variable: `where a.n > a.n` never holds. Two: the inner 2 > the outer 1 adds 2 + 1.
    assert totals == {"ａ": Decimal(300), "b": Decimal(303)}


def test_a_name_python_could_not_read_is_never_written_as_an_identifier():
    # NFKC turns `½` into `1⁄2`, which is no Python identifier: the generated code must still hold the measure.
    compiled = _load("x½", "y", "drempel")
    assert compiled.generated is not None
    assert "½" not in compiled.generated.source and "⁄" not in compiled.generated.source
    facts = compiled.read_facts({"lijst": [{"n": 3}], "drempel": 0})
    assert decide_generated(compiled, facts, ON) == _closure(compiled, facts)


def test_a_fact_name_in_another_form_reads_the_fact():
    compiled = _load("a", "b", "ｄｒｅｍｐｅｌ")
    facts = compiled.read_facts({"lijst": [{"n": 5}], "drempel": 1000})
    assert _closure(compiled, facts).eligible == "no"
    assert decide_generated(compiled, facts, ON).eligible == "no"


def test_a_case_may_spell_a_fact_in_another_form_but_give_it_once():
    compiled = _load("a", "b", "drempel")
    assert compiled.read_facts({"ｄrempel": 3}) == {"drempel": Decimal(3)}
    with pytest.raises(RulerunError, match="fact `ｄrempel` is given twice: it is the same name as `drempel`"):
        compiled.read_facts({"drempel": 3, "ｄrempel": 4})
    # Left empty in one spelling and given in the other is still twice, whichever comes first.
    for given in ({"drempel": None, "ｄrempel": 4}, {"drempel": 3, "ｄrempel": None}):
        with pytest.raises(RulerunError, match="is given twice"):
            compiled.read_facts(given)


def test_two_declarations_of_one_name_are_an_error():
    declared = {
        "kost": {"type": "money", "label": {"nl": "Kost", "en": "Cost"}, "question": {"nl": "?", "en": "?"}},
        "ｋost": {"type": "number", "label": {"nl": "Kost", "en": "Cost"}, "question": {"nl": "?", "en": "?"}},
    }
    with pytest.raises(MeasureError) as caught:
        facts_from_declarations(declared)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.message.startswith("fact `ｋost` is declared twice: it is the same name as `kost`")
    assert diagnostic.span is not None
