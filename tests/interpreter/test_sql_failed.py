"""The duckdb engine's failed list: each failed condition down to the deepest failed conjuncts the engine evaluated."""
from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pyarrow
import pyarrow.parquet
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulerun
from rulerun.interpreter.cli import main
from rulerun.interpreter.formats.render import decision_json
from rulerun.interpreter.formats.tables import read_parquet
from rulerun.interpreter.tools import batch as runner
from rulerun.interpreter.tools.sqlbatch import decide_file, measure_query, python_lines

ROOT = Path(__file__).resolve().parents[2]
#: `and`s nested in rules, `or`, `if` and a table reading them, a note reading a conjunct, declared limits.
NESTED = ROOT / "tests" / "interpreter" / "sql_trial" / "en.yaml"
ON = datetime.date(2025, 1, 1)
D = datetime.date
ELIGIBLE = "eligible: 'of_klein and diep and herhaal and n <= 90 and later and keuze and tabel'"


def variant(folder: Path, name: str, eligible: str) -> Path:
    """The nested measure with another `eligible`: a list of conditions, or one rule."""
    text = NESTED.read_text()
    assert ELIGIBLE in text
    path = folder / f"{name}.yaml"
    path.write_text(text.replace(ELIGIBLE, eligible).replace("measure: en", f"measure: {name}"))
    return path


def measures(folder: Path) -> list[Path]:
    return [NESTED,
            # `herhaal` first: `beide` and `a_ok` both fail below it, and `beide` fails by `a_ok`.
            variant(folder, "lijst", "eligible: [herhaal, of_klein, diep, later, keuze, tabel]"),
            variant(folder, "een", "eligible: diep"),
            variant(folder, "tweemaal", "eligible: 'tabel and diep and tabel'")]


def table(rows: list[dict]) -> pyarrow.Table:
    types = {"a": pyarrow.bool_(), "b": pyarrow.bool_(), "n": pyarrow.decimal128(10, 1), "d": pyarrow.date32(),
             "k": pyarrow.string()}
    return pyarrow.table({"id": [str(i) for i in range(len(rows))],
                          **{n: pyarrow.array([r.get(n) for r in rows], t) for n, t in types.items()}})


def explained(measure: Path, facts: dict) -> dict:
    compiled = rulerun.load(measure).engine
    out = decision_json(compiled.evaluate(compiled.read_facts(facts), ON, trace=True), trace=False)
    return {k: out.get(k) for k in ("eligible", "amount", "values", "failed", "missing")}


def assert_agree(measure: Path, rows: list[dict], folder: Path) -> list[dict]:
    """The duckdb engine, the Python batch path and `explain` give the same records; the query decides every row."""
    path = folder / "cases.parquet"
    pyarrow.parquet.write_table(table(rows), path)
    compiled = rulerun.load(measure).engine
    sql = list(decide_file(compiled, path, ON))
    python = list(runner.decide_all(measure, compiled, read_parquet(path, compiled), ON))
    assert len(sql) == len(python) == len(rows)
    for ours, theirs, row in zip(sql, python, rows):
        assert ours == theirs, row
        facts = {k: v for k, v in row.items() if v is not None}
        assert {k: ours[k] for k in ("eligible", "amount", "values", "failed", "missing")} == explained(measure, facts)
    # Nothing here is left to the Python engine: the lists above are the query's own.
    assert python_lines(compiled, path, ON) == []
    return sql


FULL = {"a": True, "b": True, "n": Decimal(20), "d": D(2019, 6, 1), "k": "x"}


def test_the_nested_measures_compile_without_gaps(tmp_path):
    for measure in measures(tmp_path):
        assert measure_query(rulerun.load(measure).engine).gaps == [], measure.name


def test_failed_conjuncts_as_the_engine_lists_them(tmp_path):
    rows = [
        FULL,  # eligible but `later`, `keuze`, `tabel`: d is before 2020, so not late
        {**FULL, "b": False},  # beide fails by b_ok, under of_klein (n ≥ 5), so diep is never evaluated
        # of_klein holds by klein: diep fails by beide's b_ok; its `groot`, not evaluated by diep after the
        # failed beide, is evaluated by the value `groot` and fails too: it is named
        {**FULL, "n": Decimal(3), "b": False},
        {**FULL, "n": Decimal(3), "a": False},  # beide by a_ok; b_ok is not evaluated
        {**FULL, "n": Decimal(3), "d": D(2024, 1, 1)},  # diep fails by groot; oud, false too, is not evaluated
        {**FULL, "n": Decimal(3), "b": None},  # beide unknown: not failed, groot fails (Kleene)
        {**FULL, "n": None},  # n unknown but ≤ 100: n <= 90 stays open
        {**FULL, "n": Decimal(95), "d": D(2024, 2, 1), "k": "y"},  # the table's second row
        {"a": False},  # only what a fails settles
        {},
    ]
    for measure in measures(tmp_path):
        records = assert_agree(measure, rows, tmp_path)
        if measure == NESTED:
            assert [r["failed"] for r in records[:6]] == [
                ["later"], ["of_klein"], ["b_ok", "groot"], ["a_ok", "groot"], ["groot"], ["groot"]]
            assert records[6]["eligible"] == "no" and records[6]["failed"] == ["later"]


def test_a_condition_that_fails_without_a_failed_conjunct_is_named_eligible(tmp_path):
    """`n <= 90` is no rule: where it alone fails, the list is ("eligible",), as assembly.failed gives it."""
    measure = variant(tmp_path, "alleen", "eligible: 'of_klein and n <= 90'")
    records = assert_agree(measure, [{**FULL, "n": Decimal(95)}, {**FULL, "n": Decimal(95), "b": False}], tmp_path)
    assert [r["failed"] for r in records] == [["eligible"], ["of_klein"]]


def test_a_conjunct_two_failed_rules_share_is_named_once(tmp_path):
    """`herhaal` is `beide and a_ok`, and `beide` is `a_ok and b_ok`: where a is false, a_ok fails under both."""
    measure = variant(tmp_path, "gedeeld", "eligible: [herhaal, of_klein]")
    records = assert_agree(measure, [{**FULL, "a": False, "n": Decimal(20)}, {**FULL, "a": False, "n": Decimal(3)}],
                           tmp_path)
    assert [r["failed"] for r in records] == [["a_ok", "of_klein"], ["a_ok"]]


FACTS = st.fixed_dictionaries({
    "a": st.one_of(st.none(), st.booleans()), "b": st.one_of(st.none(), st.booleans()),
    "n": st.one_of(st.none(), st.sampled_from([Decimal(x) for x in ("0", "3", "5", "9.9", "10", "50", "50.1", "90",
                                                                      "90.1", "100")])),
    "d": st.one_of(st.none(), st.sampled_from([D(2019, 12, 31), D(2020, 1, 1), D(2023, 1, 1), D(2023, 1, 2)])),
    "k": st.one_of(st.none(), st.sampled_from(["x", "y", "z"]))})


@pytest.mark.parametrize("which", [0, 1, 2, 3])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(FACTS, min_size=1, max_size=12))
def test_random_cases_agree(tmp_path, which, rows):
    assert_agree(measures(tmp_path)[which], rows, tmp_path)


LISTED = """\
measure: binnen
title: {nl: Binnen, en: Inside}
summary: {nl: Een regel in een lijst., en: A rule inside a list.}
authority: Test
sources:
  W01: {title: Test, url: "https://example.org/test"}
facts:
  posten:
    type: list
    label: {nl: Posten, en: Items}
    question: {nl: Posten, en: Items}
    fields:
      bedrag: {type: money, label: {nl: Bedrag, en: Amount}}
  grens: {type: money, label: {nl: Grens, en: Limit}, question: {nl: Grens, en: Limit}}
  begin: {type: date, label: {nl: Begin, en: Start}, question: {nl: Begin, en: Start}}
rules:
  x_ok: {label: {nl: X, en: X}, source: W01, expr: 'grens > € 0'}
  y_ok: {label: {nl: Y, en: Y}, source: W01, expr: 'begin < 2025-01-01'}
  beide: {label: {nl: Beide, en: Both}, source: W01, expr: 'CONJUNCTS'}
  ooit: {label: {nl: Ooit, en: Ever}, source: W01, expr: 'any(each p in posten where p.bedrag > grens and y_ok)'}
decision:
  eligible: [ooit, beide]
"""


def test_a_conjunct_read_inside_a_list_aggregation_is_a_gap(tmp_path):
    """Whether `y_ok` was evaluated depends on the items for which `any` evaluated its filter: not written in SQL.
    Where the way to it is known without that (`y_ok` first), there is no gap."""
    late = tmp_path / "binnen.yaml"
    late.write_text(LISTED.replace("CONJUNCTS", "x_ok and y_ok"))
    result = CliRunner().invoke(main, ["check", str(late), "--engine", "duckdb"])
    assert result.exit_code == 2, result.output
    assert ("binnen.yaml:20:59: error: the duckdb engine cannot compile the rule `y_ok` read inside a list "
            "aggregation") in result.output
    first = tmp_path / "eerst.yaml"
    first.write_text(LISTED.replace("CONJUNCTS", "y_ok and x_ok").replace("measure: binnen", "measure: eerst"))
    assert measure_query(rulerun.load(first).engine).gaps == []


def test_a_conjunct_a_note_evaluates_after_a_fact_read_nowhere_else(tmp_path):
    """The note reads `e`, which nothing else reads, before `oud`: whether `oud` was evaluated depends on `e`,
    so the query reads `e` too (and the rows without it are decided with `e` unknown, as the engine does)."""
    text = NESTED.read_text().replace("    - when: laat or a\n", "    - when: e or oud\n").replace(
        "  k: {type: enum", "  e: {type: bool, label: {nl: E, en: E}, question: {nl: E, en: E}}\n  k: {type: enum")
    measure = tmp_path / "noot.yaml"
    measure.write_text(text.replace("measure: en", "measure: noot"))
    assert measure_query(rulerun.load(measure).engine).facts == ["a", "b", "d", "e", "k", "n"]
    # oud fails below diep only where the note evaluated it: e false or unknown
    late = {**FULL, "n": Decimal(3), "d": D(2024, 1, 1)}
    rows = [late, {**late, "e": True}, {**late, "e": False}]
    path = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(table(rows).append_column("e", pyarrow.array([r.get("e") for r in rows],
                                                                             pyarrow.bool_())), path)
    compiled = rulerun.load(measure).engine
    sql = list(decide_file(compiled, path, ON))
    assert sql == list(runner.decide_all(measure, compiled, read_parquet(path, compiled), ON))
    assert python_lines(compiled, path, ON) == []
    assert [r["failed"] for r in sql] == [["groot", "oud"], ["groot"], ["groot", "oud"]]
    # Without the column `e`, every row has it unknown.
    pyarrow.parquet.write_table(table(rows), path)
    assert [r["failed"] for r in decide_file(compiled, path, ON)] == [["groot", "oud"]] * 3
