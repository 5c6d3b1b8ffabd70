"""The generated code decides exactly as the closure evaluator, or leaves the case to it."""
from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulerun.dsl.errors import RulerunError, render_all
from rulerun.interpreter.formats.cases import read_case
from rulerun.interpreter.engine.evaluator import decide_closures, decide_generated, load
from rulerun.interpreter.tools.testing import cases_for

ROOT = Path(__file__).resolve().parents[2]
MEASURES = sorted((ROOT / "measures").glob("*.yaml")) + [ROOT / "tests/benchmarks/kmo-eenvoudig.yaml"]
COMPILED = {path.stem: load(path) for path in MEASURES}


def _closure(compiled, facts, on):
    try:
        return decide_closures(compiled, facts, on, trace=False)
    except RulerunError as error:
        return render_all(error.diagnostics)


def _bundled():
    for path in MEASURES:
        for case_path in cases_for(path):
            case = read_case(case_path)
            compiled = COMPILED[path.stem]
            yield compiled, compiled.read_facts(case.facts, case.document, ("facts",)), case.on


def _one_by_one(compiled, pairs):
    out = []
    for facts, on in pairs:
        try:
            out.append(decide_closures(compiled, facts, on, trace=False))
        except RulerunError as error:
            out.append(render_all(error.diagnostics))
    return out


def _many(compiled, pairs, chunk=1000):
    return [render_all(d.diagnostics) if isinstance(d, RulerunError) else d
            for d in compiled.decide_many(pairs, chunk=chunk)]


def test_every_bundled_case_is_decided_in_a_batch_as_one_by_one():
    for path in MEASURES:
        compiled = COMPILED[path.stem]
        pairs = [(facts, on) for c, facts, on in _bundled() if c is compiled]
        assert pairs or path.stem == "kmo-eenvoudig"
        for chunk in (1, 7, 1000):
            assert _many(compiled, pairs, chunk) == _one_by_one(compiled, pairs), (path.stem, chunk)


def test_a_batch_keeps_order_around_cases_left_to_the_closures_and_errors(write):
    compiled = COMPILED["kmo-eenvoudig"]
    on = datetime.date(2024, 6, 1)
    full = {"grootte": "klein", "pijler": "advies", "bedrag": Decimal(1000), "start": datetime.date(2024, 3, 1),
            "aanvraag": datetime.date(2024, 3, 5), "ontvangen": Decimal(0)}
    partial = {k: v for k, v in full.items() if k != "ontvangen"}
    too_early = dict(full, aanvraag=datetime.date(2010, 1, 1), start=datetime.date(2010, 1, 1))
    pairs = [(full, on), (partial, on), (too_early, on), (dict(full, grootte="groot"), on)]
    decided = _many(compiled, pairs)
    assert decided == _one_by_one(compiled, pairs)
    assert [d if isinstance(d, str) else d.eligible for d in decided][1:] == ["yes", decided[2], "no"]
    assert "no value on 2010-01-01" in decided[2]
    assert decided[0].amount == Decimal("300.00") and decided[1].missing == ("ontvangen",)
    assert decided[3].failed == ("kmo",)


def test_every_bundled_case_the_generated_code_decides_is_decided_alike():
    decided = {"yes": 0, "no": 0}
    total = 0
    for compiled, facts, on in _bundled():
        total += 1
        fast = decide_generated(compiled, facts, on)
        if fast is not None:
            assert fast == _closure(compiled, facts, on)
            decided[fast.eligible] += 1
    assert total > 120
    # Most bundled cases give every fact they need; those with unknowns are left to the closures.
    assert decided["yes"] > 40 and decided["no"] > 40, decided


def test_a_case_with_an_unknown_fact_is_left_to_the_closure_evaluator():
    compiled = COMPILED["kmo-eenvoudig"]
    facts = {"grootte": "klein", "pijler": "advies", "bedrag": Decimal(1000), "start": datetime.date(2024, 3, 1),
             "aanvraag": datetime.date(2024, 3, 5)}
    assert decide_generated(compiled, facts, datetime.date(2024, 6, 1)) is None
    decision = compiled.evaluate(facts, datetime.date(2024, 6, 1), trace=False)
    assert decision.eligible == "yes" and decision.missing == ("ontvangen",)


def test_an_evaluation_error_is_reported_by_the_closure_evaluator(write):
    path = write("deling.yaml", """
        measure: deling
        title: {nl: Deling, en: Division}
        summary: {nl: Een bedrag per deelnemer., en: An amount per participant.}
        authority: VLAIO
        sources:
          W01: {title: Voorwaarden, url: "https://www.vlaio.be/nl/voorbeeld"}
        facts:
          kost: {type: money, label: {nl: Kost, en: Cost}, question: {nl: Kost?, en: Cost?}}
          deelnemers: {type: number, label: {nl: Deelnemers, en: Participants}, question: {nl: Hoeveel?, en: How many?}}
        rules:
          genoeg: {label: {nl: Genoeg, en: Enough}, source: W01, expr: kost > € 0}
        decision:
          eligible: [genoeg]
          amount: kost / deelnemers
        """)
    compiled = load(path)
    on = datetime.date(2024, 6, 1)
    good = compiled.read_facts({"kost": 1000, "deelnemers": 4})
    assert decide_generated(compiled, good, on).amount == Decimal("250.00")
    zero = compiled.read_facts({"kost": 1000, "deelnemers": 0})
    assert decide_generated(compiled, zero, on) is None
    with pytest.raises(RulerunError, match="division by zero"):
        compiled.evaluate(zero, on, trace=False)


def _raw_value(fact):
    """Hypothesis values for a declared fact, in the form a case file gives them."""
    kind = fact.type.kind
    if kind == "record":
        return st.fixed_dictionaries({name: _raw_value(f) for name, f in fact.fields.items()})
    if kind == "list":
        item = (_raw_value(fact.item) if fact.item is not None
                else st.fixed_dictionaries({name: _raw_value(f) for name, f in fact.fields.items()}))
        return st.lists(item, max_size=3)
    if kind == "bool":
        return st.booleans()
    if kind == "enum":
        return st.sampled_from(fact.type.values)
    if kind == "money":
        return st.integers(0, 400_000).map(lambda cents: f"€ {Decimal(cents) / 100}")
    if kind == "number":
        return st.integers(0, 300).map(lambda n: str(Decimal(n) / 2))
    if kind == "percent":
        return st.integers(0, 100).map(lambda n: f"{n}%")
    if kind == "date":
        return st.dates(datetime.date(2012, 1, 1), datetime.date(2027, 12, 31))
    if kind == "duration":
        return st.integers(0, 400)
    if kind == "text":
        return st.from_regex(fact.pattern.text, fullmatch=True) if fact.pattern else st.text(max_size=8)
    raise AssertionError(f"no strategy for {kind}")


def _raw_facts(declared: dict):
    # Every fact is given, but now and then one is left out so that the closure evaluator takes over.
    given = st.fixed_dictionaries({name: _raw_value(fact) for name, fact in declared.items()})
    return st.tuples(given, st.integers(0, 4 * len(declared))).map(
        lambda drawn: {k: v for i, (k, v) in enumerate(drawn[0].items()) if i != drawn[1]})


@pytest.mark.parametrize("name", sorted(COMPILED))
def test_random_cases_are_decided_alike(name):
    compiled = COMPILED[name]
    seen = {"generated": 0}

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(raw=_raw_facts(compiled.checked.facts), on=st.dates(datetime.date(2014, 1, 1), datetime.date(2027, 12, 31)))
    def check(raw, on):
        try:
            facts = compiled.read_facts(raw)
        except RulerunError:
            return  # bounds and list rules of the measure refuse it; nothing to decide
        fast = decide_generated(compiled, facts, on)
        if fast is not None:
            seen["generated"] += 1
            assert fast == _closure(compiled, facts, on)
        pairs = [(facts, on), (facts, on + datetime.timedelta(days=400))]
        assert _many(compiled, pairs) == _one_by_one(compiled, pairs)
    check()
    assert seen["generated"] > 50, seen


WINDOWED = """
    measure: termijn
    title: {nl: Termijn, en: Term}
    summary: {nl: Een aanvraag binnen de termijn., en: An application in time.}
    authority: VLAIO
    sources:
      W01: {title: Voorwaarden, url: "https://www.vlaio.be/nl/voorbeeld"}
    window: {from: 2020-01-01, until: 2024-12-31}
    reference_date: aanvraag
    facts:
      start: {type: date, label: {nl: Start, en: Start}, question: {nl: Start?, en: Start?}}
      aanvraag: {type: date, label: {nl: Aanvraag, en: Application}, question: {nl: Aanvraag?, en: Application?}}
      kost: {type: money, label: {nl: Kost, en: Cost}, question: {nl: Kost?, en: Cost?}}
    rules:
      tijdig: {label: {nl: Tijdig, en: In time}, source: W01, expr: aanvraag <= start + 14 days}
      niet_te_vroeg: {label: {nl: Niet te vroeg, en: Not too early}, source: W01, expr: 30 days + start >= aanvraag - 3 days}
      genoeg: {label: {nl: Genoeg, en: Enough}, source: W01, expr: kost >= € 100}
      ruim: {label: {nl: Ruim, en: Ample}, source: W01, expr: genoeg and kost >= € 1_000}
    decision:
      eligible: [tijdig, niet_te_vroeg, genoeg]
      amount: 'if ruim then kost else € 0'
      deadlines:
        einde: {label: {nl: Einde, en: End}, expr: start + 90 days}
"""


def test_conditions_read_only_by_the_decision_are_local_to_the_row_and_a_fixed_number_of_days_is_one_step(write):
    compiled = load(write("termijn.yaml", WINDOWED))
    source = compiled.generated.source
    # `tijdig` and `niet_te_vroeg` are read by the list of conditions only; `genoeg` also by `ruim`.
    assert "# 'tijdig'" in source and "def _rule" in source
    assert not any(f"def _rule{i}(F, ref, on, S):  # 'tijdig'" in source for i in range(4))
    assert "  # 'genoeg'" in source and "_cond" in source
    assert "add_days" not in source.replace("_days", "")  # a fixed number of days is a timedelta made once
    on = datetime.date(2024, 6, 1)
    cases = [
        {"start": datetime.date(2024, 3, 1), "aanvraag": datetime.date(2024, 3, 10), "kost": Decimal(2000)},
        {"start": datetime.date(2024, 3, 1), "aanvraag": datetime.date(2024, 3, 20), "kost": Decimal(200)},
        {"start": datetime.date(2025, 3, 1), "aanvraag": datetime.date(2025, 3, 2), "kost": Decimal(2000)},  # closed
        {"start": datetime.date(2019, 3, 1), "aanvraag": datetime.date(2019, 3, 2), "kost": Decimal(50)},  # closed
    ]
    decided = [decide_generated(compiled, facts, on) for facts in cases]
    assert decided == [_closure(compiled, facts, on) for facts in cases]
    assert [(d.eligible, d.amount, d.failed) for d in decided] == [
        ("yes", Decimal("2000.00"), ()), ("no", None, ("tijdig",)), ("no", None, ("window",)), ("no", None, ("window",))]
    assert decided[2].deadlines == {"einde": datetime.date(2025, 5, 30)}
    assert _many(compiled, [(facts, on) for facts in cases]) == decided


def test_a_fixed_number_of_days_past_the_last_date_is_the_traced_back_ends_error(write):
    compiled = load(write("termijn.yaml", WINDOWED.replace("window: {from: 2020-01-01, until: 2024-12-31}", "")))
    late = {"start": datetime.date(9999, 12, 30), "aanvraag": datetime.date(9999, 12, 30), "kost": Decimal(2000)}
    on = datetime.date(2024, 6, 1)
    assert decide_generated(compiled, late, on) is None
    with pytest.raises(RulerunError, match="out of range"):
        compiled.evaluate(late, on, trace=False)


@pytest.mark.parametrize("amount, rounded_by_measure", [
    ("deel", True), ("round_down_cents(kost / 3)", True), ("kost * 15%", False), ("max(deel, € 1)", False)])
def test_an_amount_the_measure_rounds_to_the_cent_is_not_rounded_again(write, amount, rounded_by_measure):
    text = WINDOWED.replace("amount: 'if ruim then kost else € 0'", f"amount: '{amount}'").replace(
        "      ruim:", "      deel: {label: {nl: Deel, en: Share}, source: W01, expr: 'round_cents(kost * 15%)'}\n      ruim:")
    compiled = load(write("termijn.yaml", text))
    line = next(line for line in compiled.generated.source.splitlines() if line.strip().startswith("amount ="))
    assert ("_round_cents(" not in line) == rounded_by_measure, line
    on = datetime.date(2024, 6, 1)
    cases = [{"start": datetime.date(2024, 3, 1), "aanvraag": datetime.date(2024, 3, 10), "kost": Decimal(k)}
             for k in ("2000", "100.03", "100.10", "333.33", "1000.01")]  # 15% of 100.03 and 100.10 end in half a cent
    decided = [decide_generated(compiled, facts, on) for facts in cases]
    assert decided == [_closure(compiled, facts, on) for facts in cases]
    assert all(d.amount == d.amount.quantize(Decimal("0.01")) for d in decided)
