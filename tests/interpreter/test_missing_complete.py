"""`missing` lists every fact that can still change the outcome, so answering them in any order settles it."""
from __future__ import annotations

import copy
import datetime
import itertools
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulerun.interpreter.engine import ir
from rulerun.interpreter.engine.evaluator import decide_closures, load

ROOT = Path(__file__).resolve().parents[2]
MEASURES = ROOT / "measures"

TABLES = """\
measure: tabellen
title: {nl: Tabellen, en: Tables}
summary: {nl: Tabellen met open rijen, en: Tables with open rows}
authority: test
sources:
  W01: {title: Bron, url: "https://example.org/bron"}
facts:
  a: {type: bool, label: {nl: A, en: A}, question: {nl: A?, en: A?}}
  b: {type: bool, label: {nl: B, en: B}, question: {nl: B?, en: B?}}
  x: {type: money, label: {nl: X, en: X}, question: {nl: X?, en: X?}}
  y: {type: money, label: {nl: Y, en: Y}, question: {nl: Y?, en: Y?}}
  termijn: {type: date, label: {nl: Termijn, en: Deadline}, question: {nl: Termijn?, en: Deadline?}}
  betalingen:
    type: list
    items: {type: date, label: {nl: Betaling, en: Payment}}
    label: {nl: Betalingen, en: Payments}
    question: {nl: Betalingen?, en: Payments?}
rules:
  bedrag:
    label: {nl: Bedrag, en: Amount}
    source: W01
    table:
      - when: a
        then: x
      - when: b
        then: y
      - otherwise: € 5
  gelijk:
    label: {nl: Gelijk, en: Alike}
    source: W01
    table:
      - when: a
        then: € 7
      - otherwise: € 7
  op_tijd:
    label: {nl: Op tijd, en: In time}
    source: W01
    expr: all(d <= termijn for each d in betalingen)
decision:
  eligible: [op_tijd]
  amount: bedrag + gelijk
"""


def _measure(tmp_path: Path):
    path = tmp_path / "tabellen.yaml"
    path.write_text(TABLES, encoding="utf-8")
    return load(path)


ON = datetime.date(2024, 1, 1)


def _rule(compiled, facts: dict, name: str):
    decision = decide_closures(compiled, compiled.read_facts(facts), ON, trace=True)
    nodes = {node.id: node for node in _walk(decision.trace)}
    return nodes[name]


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node.children)


def test_a_table_goes_on_past_an_unknown_row_to_collect_what_the_later_rows_miss(tmp_path):
    compiled = _measure(tmp_path)
    facts = {"termijn": "2024-02-01", "betalingen": []}
    decision = decide_closures(compiled, compiled.read_facts(facts), ON, trace=False)
    assert decision.eligible == "yes"
    assert decision.missing == ("a", "b", "x", "y")
    # b false: only a's row can still differ from the otherwise row
    decision = decide_closures(compiled, compiled.read_facts({**facts, "b": False}), ON, trace=False)
    assert decision.missing == ("a", "x")


def test_a_table_whose_possible_rows_agree_is_settled(tmp_path):
    compiled = _measure(tmp_path)
    node = _rule(compiled, {"termijn": "2024-02-01", "betalingen": [], "b": False}, "gelijk")
    assert str(node.value) == "7" and node.row.endswith("; every row that may apply gives this value")


def test_a_first_row_that_holds_decides_without_the_later_rows(tmp_path):
    compiled = _measure(tmp_path)
    decision = decide_closures(compiled, compiled.read_facts(
        {"termijn": "2024-02-01", "betalingen": [], "a": True, "x": "€ 10"}), ON, trace=False)
    assert decision.missing == () and str(decision.amount) == "17.00"


def test_a_list_not_given_lists_what_its_items_are_compared_with(tmp_path):
    compiled = _measure(tmp_path)
    decision = decide_closures(compiled, compiled.read_facts({"a": True, "x": "€ 1"}), ON, trace=False)
    assert decision.eligible == "undetermined" and decision.missing == ("betalingen", "termijn")


# -- the bundled measures ------------------------------------------------------------------------

def _case(measure: str, name: str) -> dict:
    return yaml.safe_load((MEASURES / "cases" / measure / f"{name}.yaml").read_text(encoding="utf-8"))


def _drop(facts: dict, path: tuple) -> None:
    for key in path[:-1]:
        facts = facts[key]
    del facts[path[-1]]


def _put(facts: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        facts = facts.setdefault(key, {})
    facts[path[-1]] = value


def _get(facts: dict, path: tuple):
    for key in path:
        facts = facts[key]
    return facts


def _leaves(facts: dict, prefix: tuple = ()) -> list[tuple]:
    out: list[tuple] = []
    for key, value in facts.items():
        out += _leaves(value, prefix + (key,)) if isinstance(value, dict) else [prefix + (key,)]
    return out


def _decide(compiled, facts: dict, on):
    return compiled.evaluate(compiled.read_facts(facts), on, trace=False)


#: Open groups of a pre-2016 case: the service, compliance, the prior de minimis aid, the application
#: date and the aid already received in the pillar (read only in the table rows after the one the date leaves open).
OPEN_GROUPS = [("dienst", "soort"), ("onderneming_info", "in_orde"), ("de_minimis_steun",), ("aanvraag", "datum"),
               ("aanvraag", "reeds_ontvangen_pijler")]


def test_a_case_with_several_open_groups_lists_them_all_and_any_order_of_answers_settles_it():
    compiled = load(MEASURES / "kmo-portefeuille.yaml")
    case = _case("kmo-portefeuille", "eigen-bijdrage-r1-op-dag-30")
    on = case.get(True, datetime.date(2026, 11, 1))  # YAML 1.1 reads the key `on` as true
    full = _decide(compiled, case["facts"], on)
    assert full.eligible == "yes" and full.missing == ()
    facts = copy.deepcopy(case["facts"])
    for path in OPEN_GROUPS:
        _drop(facts, path)
    start = _decide(compiled, facts, on)
    assert start.eligible == "undetermined"
    assert set(start.missing) == {".".join(path) for path in OPEN_GROUPS}
    for order in itertools.permutations(OPEN_GROUPS):
        answered = copy.deepcopy(facts)
        missing = set(start.missing)
        for path in order:
            _put(answered, path, copy.deepcopy(_get(case["facts"], path)))
            decision = _decide(compiled, answered, on)
            assert set(decision.missing) <= missing - {".".join(path)}, order  # nothing new comes up
            missing = set(decision.missing)
        assert (decision.eligible, decision.amount, decision.missing) == (full.eligible, full.amount, ())


BUNDLED = [(measure, path.stem) for measure in ("kmo-portefeuille", "innovatieve-starterssteun",
                                                "rentetoelage-hinder-openbare-werken")
           for path in sorted((MEASURES / "cases" / measure).glob("*.yaml"))]
_LOADED: dict = {}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(BUNDLED), st.randoms(use_true_random=False))
def test_answering_the_missing_facts_in_any_order_never_brings_up_a_new_one(pick, random):
    measure, name = pick
    compiled = _LOADED.get(measure) or _LOADED.setdefault(measure, load(MEASURES / f"{measure}.yaml"))
    case = _case(measure, name)
    on = case.get(True, datetime.date(2026, 11, 1))  # YAML 1.1 reads the key `on` as true
    full = _decide(compiled, case["facts"], on)
    # A fact the measure reads with `given(…)` is answered by leaving it out (de_minimis_toekenning:
    # absent, the application date applies); giving it later is another answer, which may rightly
    # open new questions. Only facts whose absence is unknown are taken away here.
    optional = {read.keys for read in (n.read for n in ir.measure_nodes(compiled.lowered) if isinstance(n, ir.Given))
                if isinstance(read, ir.FactRead)}
    leaves = [path for path in _leaves(case["facts"]) if not any(path[:len(k)] == k for k in optional)]
    dropped = random.sample(leaves, min(len(leaves), 5))
    facts = copy.deepcopy(case["facts"])
    for path in dropped:
        _drop(facts, path)
    missing = set(_decide(compiled, facts, on).missing)
    random.shuffle(dropped)
    for path in dropped:
        _put(facts, path, copy.deepcopy(_get(case["facts"], path)))
        decision = _decide(compiled, facts, on)
        assert set(decision.missing) <= missing, (name, path)
        missing = set(decision.missing)
    assert (decision.eligible, decision.amount, decision.failed) == (full.eligible, full.amount, full.failed)


def test_a_fact_read_with_given_is_an_answer_when_left_out_and_giving_it_may_open_questions():
    compiled = load(MEASURES / "rentetoelage-hinder-openbare-werken.yaml")
    case = _case("rentetoelage-hinder-openbare-werken", "de-minimis-toegekend-2014-nieuwe-periode")
    on = case.get(True)  # YAML 1.1 reads the key `on` as true
    facts = copy.deepcopy(case["facts"])
    _drop(facts, ("zaak", "rechtsvorm"))
    granted = facts.pop("de_minimis_toekenning")
    # Left out, the application date applies: the 2011 aid still counts and the ceiling is passed.
    assert (_decide(compiled, facts, on).eligible, _decide(compiled, facts, on).missing) == ("no", ())
    facts["de_minimis_toekenning"] = granted  # granted in 2014: the 2011 aid no longer counts
    decision = _decide(compiled, facts, on)
    assert (decision.eligible, decision.missing) == ("undetermined", ("zaak.rechtsvorm",))
