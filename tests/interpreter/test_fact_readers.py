"""The readers built once per fact give exactly what the general reader gives: the same values, or its errors."""
from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulerun.dsl.errors import CaseError, Collector
from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.formats import facts as facts_module
from rulerun.interpreter.formats.fact_readers import SLOW, mapping_reader
from rulerun.interpreter.formats.facts import FactReader, read_facts
from rulerun.interpreter.formats.scalars import Written

MEASURE = """\
measure: lezers
title: {nl: Lezers, en: Readers}
summary: {nl: Elk soort feit., en: Every kind of fact.}
authority: VLAIO
sources:
  W01: {title: Voorwaarden, url: "https://www.vlaio.be/nl/voorbeeld"}
facts:
  bedrag: {type: money, label: {nl: Bedrag, en: Amount}, question: {nl: Bedrag, en: Amount}}
  begrensd: {type: money, minimum: € 100, maximum: € 5000, label: {nl: B, en: B}, question: {nl: B, en: B}}
  aantal: {type: number, minimum: 1, maximum: 250, label: {nl: Aantal, en: Count}, question: {nl: A, en: A}}
  vrij: {type: number, label: {nl: Vrij, en: Free}, question: {nl: V, en: F}}
  aandeel: {type: percent, label: {nl: Aandeel, en: Share}, question: {nl: A, en: S}}
  datum: {type: date, minimum: 2020-01-01, label: {nl: Datum, en: Date}, question: {nl: D, en: D}}
  termijn: {type: duration, unit: days, label: {nl: Termijn, en: Term}, question: {nl: T, en: T}}
  vzw: {type: bool, label: {nl: Vzw, en: Non-profit}, question: {nl: V, en: N}}
  grootte: {type: enum, values: [klein, groot], label: {nl: Grootte, en: Size}, question: {nl: G, en: S}}
  nummer: {type: text, pattern: 'DV\\.[OA][0-9]{2}', label: {nl: Nummer, en: Number}, question: {nl: N, en: N}}
  naam: {type: text, label: {nl: Naam, en: Name}, question: {nl: N, en: N}}
  dienst:
    type: record
    label: {nl: Dienst, en: Service}
    fields:
      bedrag: {type: money, label: {nl: Bedrag, en: Amount}, question: {nl: B, en: A}}
      start: {type: date, label: {nl: Start, en: Start}, question: {nl: S, en: S}}
  stortingen:
    type: list
    items: {type: date, label: {nl: Datum, en: Date}}
    label: {nl: Stortingen, en: Payments}
    question: {nl: S, en: P}
  aandeelhouders:
    type: list
    label: {nl: Aandeelhouders, en: Shareholders}
    question: {nl: A, en: S}
    fields:
      naam: {type: text, label: {nl: Naam, en: Name}}
      aandeel: {type: percent, label: {nl: Aandeel, en: Share}}
      sinds: {type: date, optional: true, label: {nl: Sinds, en: Since}}
rules:
  klein: {label: {nl: Klein, en: Small}, source: W01, expr: grootte = "klein"}
decision:
  eligible: [klein]
"""

# Texts near the common shapes: digits, decimals, signs, spaces, currency, commas, percent signs, dates.
_PIECES = st.sampled_from(["0", "1", "7", "12", "250", "5000", "99999", "1000000000000000", "00", ".", ",", "-",
                           "+", " ", "%", "€ ", "EUR", "_", "e3", "2024-02-29", "2023-02-29", "2019-12-31",
                           "-01", "days", " weeks", "yes", "nee", "klein", "groot", "Klein", "DV.O12", "DV.A1",
                           "٣", "x"])
TEXTS = st.lists(_PIECES, min_size=1, max_size=4).map("".join)
NUMBERS = st.one_of(st.integers(-10, 10 ** 16), TEXTS.filter(lambda t: _decimal_text(t)).map(Written),
                    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: Decimal(d)))
SCALARS = st.one_of(TEXTS, NUMBERS, st.booleans(), st.none(), st.floats(allow_nan=False, width=32),
                    st.dates(datetime.date(2018, 1, 1), datetime.date(2026, 1, 1)))
RECORDS = st.dictionaries(st.sampled_from(["bedrag", "start", "onbekend"]), SCALARS, max_size=3)
SHAREHOLDERS = st.dictionaries(st.sampled_from(["naam", "aandeel", "sinds", "ｎaam"]), SCALARS, max_size=3)
VALUES = {
    "dienst": st.one_of(RECORDS, SCALARS),
    "stortingen": st.one_of(st.lists(SCALARS, max_size=3), SCALARS),
    "aandeelhouders": st.one_of(st.lists(st.one_of(SHAREHOLDERS, SCALARS), max_size=3), SCALARS),
}
NAMES = ["bedrag", "begrensd", "aantal", "vrij", "aandeel", "datum", "termijn", "vzw", "grootte", "nummer", "naam",
         "dienst", "stortingen", "aandeelhouders", "onbekend", "ｂedrag"]
# Values of the common shapes, at and around each fact's bounds, so that whole cases take the fast readers.
DAYS = st.dates(datetime.date(2019, 12, 25), datetime.date(2020, 1, 5))
GOOD = {
    "bedrag": st.sampled_from(["0", "0.00", "1250.5", "999999999999999.99", 12, Written("3.10")]),
    "begrensd": st.sampled_from(["99.99", "100", "5000.00", "5000.01", 100, 5001]),
    "aantal": st.sampled_from(["0.99", "1", "250", "250.0001", Written("1e2"), 0, 251]),
    "vrij": st.sampled_from(["0", "12.125", "-3", Written("7.50")]),
    "aandeel": st.sampled_from(["0%", "30%", "100%", "100.5%", "12.125%"]),
    "datum": st.one_of(DAYS, DAYS.map(datetime.date.isoformat)),
    "termijn": st.sampled_from(["14 days", "2 weeks", 30, "1 month"]),
    "vzw": st.sampled_from([True, False, "ja", "no", "on"]),
    "grootte": st.sampled_from(["klein", "groot", "Klein"]),
    "nummer": st.sampled_from(["DV.O12", "DV.X12", "DV.A123"]),
    "naam": st.sampled_from(["Jan", ""]),
    "dienst": st.fixed_dictionaries({"bedrag": st.sampled_from(["10", "1e3"]), "start": DAYS}),
    "stortingen": st.lists(DAYS, max_size=3),
    "aandeelhouders": st.lists(st.fixed_dictionaries({"naam": st.just("An"), "aandeel": st.sampled_from(["50%", "x"])},
                                                     optional={"sinds": DAYS}), max_size=2),
}
CASES = st.dictionaries(st.sampled_from(NAMES), SCALARS, max_size=6).flatmap(
    lambda raw: st.fixed_dictionaries({k: st.one_of(GOOD[k], GOOD[k], VALUES.get(k, st.just(v))) if k in GOOD
                                       else VALUES.get(k, st.just(v)) for k, v in raw.items()}))


def _decimal_text(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return text.strip() == text and text.lower() not in ("nan", "inf", "infinity", "-inf", "snan")


@pytest.fixture(scope="module")
def declared(tmp_path_factory) -> dict:
    path = Path(tmp_path_factory.mktemp("lezers")) / "lezers.yaml"
    path.write_text(MEASURE, encoding="utf-8")
    return load(path).checked.facts


def _general(declared: dict, raw) -> tuple[str, object]:
    """What the general reader gives: ("ok", typed facts with their exact Decimal forms) or ("error", messages)."""
    report = Collector()
    typed = FactReader(declared, None, report).read(raw)
    try:
        report.raise_if_errors(CaseError)
    except CaseError as error:
        return "error", [d.message for d in error.diagnostics]
    return "ok", _exact(typed)


def _exact(value):
    """Decimals with their exponent (Decimal('1.0') == Decimal('1') would hide a different reading)."""
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_exact(v) for v in value)
    return (type(value).__name__, value)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=CASES)
def test_read_facts_gives_what_the_general_reader_gives(declared, raw):
    expected = _general(declared, raw)
    try:
        got = ("ok", _exact(read_facts(declared, raw)))
    except CaseError as error:
        got = ("error", [d.message for d in error.diagnostics])
    assert got == expected
    fast = mapping_reader(declared)(raw)
    if fast is not SLOW:  # whatever the fast reader takes, the general reader takes the same way
        assert ("ok", _exact(fast)) == expected


def test_the_common_shapes_are_read_without_the_general_reader(declared, monkeypatch):
    raw = {"bedrag": "1250.50", "begrensd": 100, "aantal": Written("2.5"), "aandeel": "30%", "datum": "2024-02-29",
           "termijn": "14 days", "vzw": "nee", "grootte": "klein", "nummer": "DV.O12", "naam": "Jan",
           "dienst": {"bedrag": "10", "start": datetime.date(2024, 1, 1)}, "stortingen": ["2024-01-02"],
           "aandeelhouders": [{"naam": "An", "aandeel": "50%"}], "vrij": None}

    def general(*args, **kwargs):
        raise AssertionError("the general reader was used")
    monkeypatch.setattr(facts_module.FactReader, "read", general)
    typed = read_facts(declared, raw)
    assert typed["bedrag"] == Decimal("1250.50") and str(typed["bedrag"]) == "1250.50"
    assert typed["aandeel"] == Decimal("0.3") and typed["datum"] == datetime.date(2024, 2, 29)
    assert typed["termijn"] == 14 and typed["vzw"] is False and typed["stortingen"] == (datetime.date(2024, 1, 2),)
    assert typed["aandeelhouders"] == ({"naam": "An", "aandeel": Decimal("0.5")},) and "vrij" not in typed


@pytest.mark.parametrize("raw, message", [
    ({"bedrag": "€ 1.250,50"}, "fact `bedrag`: `€ 1.250,50` is not an amount; did you mean 1250.50?"),
    ({"begrensd": "99.99"}, "fact `begrensd`: € 99.99 is below the minimum € 100"),
    ({"datum": "2023-02-29"}, "fact `datum`: `2023-02-29` is not a calendar date: day is out of range for month"),
    ({"grootte": "Klein"}, "fact `grootte`: `Klein` is not one of klein, groot"),
])
def test_a_value_the_readers_leave_gets_the_general_readers_message(declared, raw, message):
    with pytest.raises(CaseError) as caught:
        read_facts(declared, raw)
    assert [d.message for d in caught.value.diagnostics] == [message]
