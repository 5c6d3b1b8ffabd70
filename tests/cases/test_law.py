"""The SME size over several financial years, checked against the law stated independently of the measure files."""
from __future__ import annotations

import datetime
import functools
import itertools
from pathlib import Path

import pytest

from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.engine.trace import walk

ROOT = Path(__file__).resolve().parents[2]
SIZES = ("micro", "klein", "middelgroot", "groot")
#: Staff, turnover and balance-sheet total that put one year in each size.
FIGURES = {0: (5, 1_000_000, 1_000_000), 1: (20, 5_000_000, 5_000_000),
           2: (100, 20_000_000, 20_000_000), 3: (300, 60_000_000, 60_000_000)}
HISTORIES = [h for n in (1, 2, 3) for h in itertools.product(range(4), repeat=n)]


@functools.cache
def _measure(measure_id: str):
    return load(ROOT / "measures" / f"{measure_id}.yaml")


def _years(history: tuple[int, ...], last: int) -> list[dict]:
    """Financial years from oldest to last size, written last first as a case gives them."""
    return [{"jaar": last - i, "personeel": FIGURES[size][0], "omzet": FIGURES[size][1],
             "balanstotaal": FIGURES[size][2]} for i, size in enumerate(reversed(history))]


def _size_by_law(history: tuple[int, ...]) -> int:
    """Annex Art. 4(2): for each ceiling, the side changes only when two consecutive years are on the new side."""
    size = 0
    for ceiling in (1, 2, 3):
        above = history[0] >= ceiling  # the oldest year given is taken as settled
        for before, year in itertools.pairwise(history):
            if (before >= ceiling) == (year >= ceiling):
                above = year >= ceiling
        size += above
    return size


def _kmo_portefeuille_case(history: tuple[int, ...]) -> dict:
    return {
        "onderneming": {"overheidsdeelname": "0%"}, "boekjaren": _years(history, 2021),
        "betrokken_ondernemingen": [], "de_minimis_steun": [], "vastgelegde_grootte": [],
        "stortingen_eigen_bijdrage": [],
        "onderneming_info": {"rechtsvorm": "bv", "vestiging_vlaanderen": True, "hoofdactiviteit_aanvaard": True,
                             "kbo_ingeschreven": True, "in_orde": True},
        "dienst": {"soort": "opleiding", "thema": "geen", "binnen_thema": True, "doel_aanvaard": True,
                   "erkenningsnummer": "DV.O225337", "dienstverlener_geregistreerd": True,
                   "dienstverlener_verwant": False, "bedrag": 1000, "catering": 0, "persoonsdagen": 0, "btw": 210,
                   "overeenkomst": datetime.date(2022, 3, 1), "start": datetime.date(2022, 3, 10)},
        "aanvraag": {"datum": datetime.date(2022, 3, 15), "reeds_ontvangen": 0},
    }


@pytest.mark.parametrize("history", HISTORIES, ids=["-".join(SIZES[s] for s in h) for h in HISTORIES])
def test_the_size_follows_the_two_consecutive_years_rule(history):
    compiled = _measure("kmo-portefeuille")
    decision = compiled.evaluate(compiled.read_facts(_kmo_portefeuille_case(history)), datetime.date(2026, 11, 1))
    (category,) = [n.value for n in walk(decision.trace) if n.id == "kmo.categorie"]
    assert category == SIZES[_size_by_law(history)]
    expected = "no" if _size_by_law(history) == 3 else "yes"
    assert decision.eligible == expected, decision.failed


def test_a_firm_over_50_in_its_last_year_only_keeps_the_small_rate():
    compiled = _measure("kmo-portefeuille")
    decision = compiled.evaluate(compiled.read_facts(_kmo_portefeuille_case((1, 2))), datetime.date(2026, 11, 1))
    assert decision.eligible == "yes"
    assert decision.amount == 300  # 30 % of EUR 1,000, not the medium 20 %


RENTETOELAGE = [h for n in (1, 2, 3) for h in itertools.product((1, 2, 3), repeat=n)]


@pytest.mark.parametrize("history", RENTETOELAGE, ids=["-".join(SIZES[s] for s in h) for h in RENTETOELAGE])
@pytest.mark.parametrize("public", ["0%", "25%"])
def test_the_rentetoelage_takes_either_of_the_two_years_before_the_application(history, public):
    compiled = _measure("rentetoelage-hinder-openbare-werken")
    facts = {
        "onderneming": {"overheidsdeelname": public}, "boekjaren": _years(history, 2016),
        "betrokken_ondernemingen": [], "de_minimis_steun": [],
        "zaak": {"rechtsvorm": "bv", "getroffen_zetel_vlaanderen": True, "toegankelijk": True,
                 "sector_toegelaten": True},
        "werken": {"start": datetime.date(2016, 3, 1), "einde": datetime.date(2016, 12, 31)},
        "krediet": {"soort": "overbruggingskrediet", "erkende_instelling": True, "doel_aanvaard": True,
                    "vaste_looptijd": True, "hoofdsom": 100000, "rentevoet": "4%", "jaren": 3},
        "aanvraag": {"datum": datetime.date(2017, 2, 1)},
    }
    decision = compiled.evaluate(compiled.read_facts(facts), datetime.date(2022, 8, 15), trace=False)
    sme_in_one_of_two = any(size < 3 for size in history[-2:])
    eligible = sme_in_one_of_two and public == "0%"
    assert decision.eligible == ("yes" if eligible else "no")
    assert decision.failed == (() if eligible else ("kmo_in_een_van_twee_jaren",))
