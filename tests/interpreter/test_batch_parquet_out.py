"""`rulerun batch … -o FILE.parquet` on the Python engine: row by row the JSON Lines records, `explain` and the duckdb engine."""
from __future__ import annotations

import datetime
import json
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
from rulerun.interpreter.engine.evaluator import CompiledMeasure
from rulerun.interpreter.engine.values import to_json
from rulerun.interpreter.formats.parquet_facts import parquet_chunks
from rulerun.interpreter.formats.parquet_out import ParquetRecords, output_schema
from rulerun.interpreter.formats.render import decision_json
from rulerun.interpreter.formats.tables import read_parquet
from rulerun.interpreter.tools import batch as runner
from rulerun.interpreter.tools.batch import Known, KnownCases
from rulerun.interpreter.tools.sqlbatch import python_lines, write_parquet
# The bundled cases as typed Parquet columns, the measures and random cases of the duckdb engine's tests and the
# fact readers' measure: the same inputs, so that the ways of reading and deciding them are compared on one set.
from test_fact_readers import MEASURE as READERS_MEASURE
from test_sql_bundled import bundled_table
from test_sql_engine import (BENCHMARK, CENTS, DAYS, LISTS, POSTS, SIZES, TRIAL, benchmark_table, lists_table,
                             trial_table)

ROOT = Path(__file__).resolve().parents[2]
ON = datetime.date(2025, 1, 1)
BUNDLED = ["innovatieve-starterssteun", "kmo-portefeuille", "rentetoelage-hinder-openbare-werken"]
#: The fields of a JSON Lines record that the Parquet output holds (not the receipt, not `amount_missing`).
FIELDS = ("id", "line", "eligible", "amount", "failed", "missing", "evaluated_on", "reference_date", "deadlines",
          "values", "error")
EXPLAINED = ("eligible", "amount", "deadlines", "values", "failed", "missing")


def batch(measure: Path, source: Path, output: Path, *extra: str):
    result = CliRunner().invoke(main, ["batch", str(measure), str(source), "-o", str(output), "--on", ON.isoformat(),
                                       *extra])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


def as_record(row: dict, compiled: CompiledMeasure) -> dict:
    """A Parquet output row in the form of the JSON Lines record's fields."""
    if row["error"] is not None:
        return {"id": row["id"], "line": row["line"], "error": row["error"]}
    plan = compiled.plan
    return {
        "id": row["id"], "line": row["line"], "eligible": row["eligible"],
        "amount": None if row["amount"] is None else to_json(row["amount"], "money"),
        "failed": row["failed"], "missing": row["missing"], "evaluated_on": row["evaluated_on"].isoformat(),
        "reference_date": None if row["reference_date"] is None else row["reference_date"].isoformat(),
        "deadlines": {p.id: _iso(row[f"deadlines.{p.id}"]) for p in plan.deadlines},
        "values": {p.id: _value(row[f"values.{p.id}"], p.tag) for p in plan.values}}


def _iso(day) -> str | None:
    return None if day is None else day.isoformat()


def _value(value, tag: str):
    if isinstance(value, str) and tag not in ("text", "enum"):
        return json.loads(value)  # a list or record value, as JSON text
    return to_json(value, tag)


def assert_same(measure: Path, source: Path, folder: Path, facts_of=None) -> list[dict]:
    """The Parquet output equals the JSON Lines output row by row, and each decided row `explain`'s decision."""
    compiled = rulerun.load(measure).engine
    as_parquet = batch(measure, source, folder / "out.parquet")
    as_lines = batch(measure, source, folder / "out.jsonl")
    assert as_parquet.exit_code == as_lines.exit_code and as_parquet.stderr == as_lines.stderr
    written = pyarrow.parquet.read_table(folder / "out.parquet")
    assert written.schema == output_schema(compiled.plan)
    rows = [as_record(row, compiled) for row in written.to_pylist()]
    lines = [json.loads(line) for line in (folder / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(lines)
    for row, line in zip(rows, lines):
        assert row == {k: line[k] for k in FIELDS if k in line}
        if facts_of is not None and "error" not in row:
            facts, on = facts_of(row["line"])
            decision = compiled.evaluate(compiled.read_facts(facts), on, trace=True)
            explained = decision_json(decision, trace=False)
            assert {k: row[k] for k in EXPLAINED} == {k: explained.get(k) for k in EXPLAINED}
    return rows


def read_by_columns(path: Path, compiled: CompiledMeasure, rows_at_once: int = 8192) -> list:
    """The cases as the column reader gives them, a batch of cases all vouched for as Known cases."""
    out: list = []
    for chunk in parquet_chunks(path, compiled, rows_at_once):
        out += list(map(Known, *chunk)) if type(chunk) is KnownCases else chunk
    return out


@pytest.mark.parametrize("measure", BUNDLED)
def test_bundled_cases_parquet_out_equals_json_lines_and_explain(measure, tmp_path):
    path = ROOT / "measures" / f"{measure}.yaml"
    compiled = rulerun.load(path).engine
    table, cases = bundled_table(measure, compiled)
    source = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(table, source, row_group_size=7)

    def facts_of(line: int):
        case = cases[line - 1]
        return case.get("facts") or {}, case.get("on", case.get(True, ON))
    rows = assert_same(path, source, tmp_path, facts_of)
    assert len(rows) == len(cases)
    # Most rows are read by the columns' checks; the others (a text where a decimal is meant, …) alone.
    known = [case for case in read_by_columns(source, compiled, 10) if type(case) is Known]
    print(f"{measure}: {len(known)} of {len(cases)} rows read by columns")
    assert len(known) >= len(cases) // 2


def test_json_lines_input_to_parquet_equals_json_lines_output(tmp_path):
    source = tmp_path / "cases.jsonl"
    cases = [{"id": "a", "facts": {"grootte": "klein", "pijler": "advies", "bedrag": "1000.05", "start": "2024-03-01",
                                   "aanvraag": "2024-03-15", "ontvangen": "0"}},
             {"id": 7, "on": "2024-01-01", "facts": {"grootte": "groot", "bedrag": "10"}},
             {"id": "c", "facts": {"grootte": "reus"}}, "not a record"]
    source.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    rows = assert_same(BENCHMARK, source, tmp_path)
    assert rows[0]["amount"] == "300.02" and (rows[1]["eligible"], rows[1]["failed"]) == ("no", ["kmo", "minimum"])
    assert "`reus` is not one of" in rows[2]["error"] and rows[3]["line"] == 4 and "error" in rows[3]


def test_trial_edges_parquet_out(tmp_path):
    full = {"grootte": "groot", "bedrag": Decimal("1000.00"), "korting": Decimal("0"), "personeel": Decimal(3),
            "start": datetime.date(2022, 7, 1), "aanvraag": datetime.date(2022, 7, 1), "erkend": True}
    rows = [full, {**full, "aanvraag": datetime.date(2017, 12, 31)}, {**full, "aanvraag": None},
            {**full, "korting": None}, {**full, "grootte": "klein", "bedrag": Decimal("333.35")},
            {**full, "grootte": "reus"}]
    source = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(trial_table(rows), source)
    records = assert_same(TRIAL, source, tmp_path, lambda line: (_given(rows[line - 1]), ON))
    assert records[1]["failed"] == ["window"] and records[4]["amount"] == "116.67"
    assert "error" in records[5]


def _given(row: dict) -> dict:
    return {k: v for k, v in row.items() if v is not None}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({
    "grootte": SIZES, "pijler": st.sampled_from(["opleiding", "advies", None]), "bedrag": CENTS,
    "start": DAYS, "aanvraag": DAYS, "ontvangen": CENTS}), min_size=1, max_size=12))
def test_random_benchmark_cases_parquet_out(tmp_path, rows):
    source = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(benchmark_table(rows), source)
    assert_same(BENCHMARK, source, tmp_path, lambda line: (_given(rows[line - 1]), ON))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({
    "posten": POSTS, "waarden": st.one_of(st.none(), st.lists(st.integers(0, 40).map(
        lambda n: Decimal(n).scaleb(-1)), max_size=3)),
    "grens": st.one_of(st.none(), st.sampled_from([Decimal(0), Decimal("199.99"), Decimal(1000)])),
    "begin": st.one_of(st.none(), st.dates(datetime.date(2023, 6, 1), datetime.date(2024, 6, 1)))}),
    min_size=1, max_size=10))
def test_random_list_cases_parquet_out(tmp_path, rows):
    source = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(lists_table(rows), source)

    def facts_of(line: int):
        facts = _given(rows[line - 1])
        if facts.get("posten"):
            facts["posten"] = [_given(p) for p in facts["posten"]]
        return facts, ON
    assert_same(LISTS, source, tmp_path, facts_of)


# -- the same Parquet as the duckdb engine --------------------------------------------------------------

@pytest.mark.parametrize("measure", ["innovatieve-starterssteun", "kmo-portefeuille"])
def test_the_python_engine_writes_the_duckdb_engines_parquet(measure, tmp_path):
    """On the bundled cases the query decides alone (one pass), both files hold the same columns and rows."""
    path = ROOT / "measures" / f"{measure}.yaml"
    compiled = rulerun.load(path).engine
    table, _cases = bundled_table(measure, compiled)
    source = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(table, source)
    left = set(python_lines(compiled, source, ON))
    pyarrow.parquet.write_table(table.take([i for i in range(len(table)) if i + 1 not in left]), source)
    write_parquet(compiled, source, tmp_path / "duckdb.parquet", ON)
    assert batch(path, source, tmp_path / "python.parquet").exit_code == 0
    duck, ours = (pyarrow.parquet.read_table(tmp_path / name) for name in ("duckdb.parquet", "python.parquet"))
    assert ours.column_names == duck.column_names and duck.column_names[-1] == "error"
    for name in duck.column_names:
        if not name.startswith("values."):  # a value's decimals follow the SQL expression's type in DuckDB
            assert ours.schema.field(name).type == duck.schema.field(name).type, name
    assert ours.column("error").null_count == duck.column("error").null_count == len(ours)
    assert ours.to_pylist() == duck.to_pylist()


# -- reading by columns gives what reading each row gives ------------------------------------------------

# The fact readers' measure, a list item's share an amount: a list of records with decimal fields read by columns.
READERS = READERS_MEASURE.replace("      aandeel: {type: percent, label: {nl: Aandeel, en: Share}}\n",
                                  "      aandeel: {type: money, label: {nl: Aandeel, en: Share}}\n")

AMOUNTS = [Decimal("0"), Decimal("-0.01"), Decimal("99.99"), Decimal("100"), Decimal("5000"), Decimal("5000.01"),
           Decimal("250.5"), Decimal("0.999"), Decimal("999999999999999.99"), Decimal("1000000000000000"),
           Decimal("1000000000000000.01"), Decimal("1"), Decimal("12.125"), Decimal("0.0000000001"),
           Decimal("1.0E-9"), Decimal("-0.5")]
DAY_NUMBERS = [-800000, -719163, -719162, 18261, 18262, 18263, 19000, 2932896, 2932897, 2**31 - 1]
WORDS = ["klein", "groot", "Klein", "", "DV.O12", "DV.X12", "30%", "100.5%", "14 days", "ja", "on", "2020-01-01",
         "2019-12-31", "2023-02-29", "1250.50", "€ 5", "1.250,50", "x"]


def _decimal_column(scale: int):
    values = st.sampled_from([a for a in AMOUNTS if -a.as_tuple().exponent <= scale and a.adjusted() < 30])
    return _typed(pyarrow.decimal128(38, scale), values)


def _typed(arrow, values):
    """A column type with the strategy of its values."""
    return st.just((arrow, values))


INTEGERS = _typed(pyarrow.int64(), st.sampled_from([0, -1, 1, 99, 100, 250, 251, 5000, 5001, 10**15, 10**15 + 1,
                                                    -2**63, 2**63 - 1]))
TEXTS = _typed(pyarrow.string(), st.sampled_from(WORDS))
BOOLS = _typed(pyarrow.bool_(), st.booleans())
DATES = _typed(pyarrow.date32(), st.sampled_from(DAY_NUMBERS))
NUMBERS = st.one_of(*(_decimal_column(s) for s in (0, 1, 2, 3, 10)), INTEGERS, TEXTS,
                    _typed(pyarrow.float64(), st.sampled_from([1.5, 100.0])), BOOLS)
COLUMNS = {
    "bedrag": NUMBERS, "begrensd": NUMBERS, "aantal": NUMBERS, "aandeel": st.one_of(TEXTS, NUMBERS),
    "datum": st.one_of(DATES, TEXTS, _typed(pyarrow.timestamp("s"), st.sampled_from([0, 1600000000]))),
    "termijn": st.one_of(INTEGERS, TEXTS), "vzw": st.one_of(BOOLS, TEXTS, INTEGERS), "grootte": st.one_of(TEXTS, INTEGERS, BOOLS), "nummer": TEXTS, "id": st.one_of(TEXTS, INTEGERS, DATES, BOOLS),
    "on": st.one_of(DATES, TEXTS),
    "dienst.bedrag": NUMBERS, "dienst.start": st.one_of(DATES, TEXTS),
}
MONEY2 = pyarrow.decimal128(18, 2)
NESTED = {
    "dienst": (pyarrow.struct([("bedrag", MONEY2), ("start", pyarrow.date32())]),
               st.fixed_dictionaries({"bedrag": st.sampled_from([None, Decimal("10"), Decimal("-1")]),
                                      "start": st.sampled_from([None, 19000, -800000])})),
    "stortingen": (pyarrow.list_(pyarrow.date32()), st.lists(st.sampled_from([19000, None, 2932897]), max_size=3)),
    "aandeelhouders": (pyarrow.list_(pyarrow.struct([("naam", pyarrow.string()), ("aandeel", MONEY2),
                                                     ("sinds", pyarrow.date32())])),
                       st.lists(st.one_of(st.none(), st.fixed_dictionaries({
                           "naam": st.sampled_from([None, "An"]), "aandeel": st.sampled_from([None, Decimal("5")]),
                           "sinds": st.sampled_from([None, 19000])})), max_size=3)),
    "aandeelhouders ": (pyarrow.list_(pyarrow.struct([("naam", pyarrow.string()), ("wie", pyarrow.string())])),
                        st.lists(st.fixed_dictionaries({"naam": st.just("An"), "wie": st.just("x")}), max_size=2)),
}


@st.composite
def tables(draw) -> pyarrow.Table:
    """A few rows of columns of many types, values at and around each fact's bounds, some cells left empty."""
    names = draw(st.lists(st.sampled_from(list(COLUMNS) + list(NESTED)), min_size=1, max_size=6, unique=True))
    if "aandeelhouders " in names and "aandeelhouders" in names:
        names.remove("aandeelhouders ")
    count = draw(st.integers(1, 6))
    columns = {}
    for name in names:
        if name in NESTED:
            kind, values = NESTED[name]
        else:
            kind, values = draw(COLUMNS[name])
        cells = draw(st.lists(st.one_of(st.none(), values), min_size=count, max_size=count))
        if pyarrow.types.is_date32(kind) or pyarrow.types.is_timestamp(kind):
            array = pyarrow.array(cells, pyarrow.int32() if pyarrow.types.is_date32(kind) else pyarrow.int64()
                                  ).cast(kind)
        else:
            array = _nested_array(cells, kind) if name in NESTED else pyarrow.array(cells, kind)
        columns[name.strip()] = array
    return pyarrow.table(columns)


def _nested_array(cells: list, kind):
    """Nested cells whose dates are day numbers (some beyond Python's calendar), as Arrow builds them."""
    def day(value):
        return None if value is None else datetime.date(1970, 1, 1) + datetime.timedelta(days=value) \
            if -719162 <= value <= 2932896 else value

    def fix(cell):
        if isinstance(cell, list):
            return [fix(c) for c in cell]
        if isinstance(cell, dict):
            return {k: fix(v) for k, v in cell.items()}
        return day(cell) if isinstance(cell, int) else cell
    try:
        return pyarrow.array([fix(c) for c in cells], kind)
    except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError, OverflowError):
        return pyarrow.array([None] * len(cells), kind)


def _exact(facts: dict) -> str:
    """Typed facts as text that tells Decimal('1.0') from Decimal('1') (which are equal) and a date from a text."""
    return json.dumps(facts, sort_keys=True, default=repr)


@pytest.fixture(scope="module")
def readers(tmp_path_factory) -> CompiledMeasure:
    path = Path(tmp_path_factory.mktemp("lezers")) / "lezers.yaml"
    path.write_text(READERS, encoding="utf-8")
    return rulerun.load(path).engine


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables())
def test_reading_by_columns_gives_what_reading_each_row_gives(readers, tmp_path, table):
    """Every row the columns vouch for is typed as the row reader types it; every other row is the row reader's."""
    source = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(table, source)
    by_rows = list(read_parquet(source, readers))
    by_columns = read_by_columns(source, readers, rows_at_once=4)
    assert [c.line for c in by_columns] == [i.line for i in by_rows] == list(range(1, len(table) + 1))
    for ours, theirs in zip(by_columns, by_rows):
        if type(ours) is not Known:
            assert ours == theirs
            continue
        assert theirs.problem is None and (ours.id, ours.on) == (theirs.id, theirs.on)
        assert _exact(ours.facts) == _exact(readers.read_facts(theirs.facts))


# -- the run -------------------------------------------------------------------------------------------

def test_bad_rows_are_error_records_and_the_exit_code_is_1(tmp_path):
    rows = [{"grootte": "klein", "pijler": "advies", "bedrag": Decimal("1000.00"), "start": datetime.date(2024, 3, 1),
             "aanvraag": datetime.date(2024, 3, 5), "ontvangen": Decimal("0")}, {"grootte": "reus"}]
    source = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(benchmark_table(rows), source)
    result = batch(BENCHMARK, source, tmp_path / "out.parquet")
    assert result.exit_code == 1
    assert "2 case(s): 1 eligible, 0 not eligible, 0 undetermined, 1 error(s); total amount € 300.00" in result.stderr
    written = pyarrow.parquet.read_table(tmp_path / "out.parquet").to_pylist()
    assert written[0]["amount"] == Decimal("300.00") and written[0]["error"] is None
    assert written[1]["eligible"] is None and written[1]["line"] == 2
    assert written[1]["error"].startswith("fact `grootte`: `reus` is not one of klein, middelgroot, groot")


def test_each_chunk_is_a_row_group(tmp_path):
    rows = [{"grootte": "klein", "pijler": "advies", "bedrag": Decimal(100 + i), "start": datetime.date(2024, 3, 1),
             "aanvraag": datetime.date(2024, 3, 5), "ontvangen": Decimal("0")} for i in range(12)]
    source, output = tmp_path / "cases.parquet", tmp_path / "out.parquet"
    pyarrow.parquet.write_table(benchmark_table(rows), source)
    compiled = rulerun.load(BENCHMARK).engine
    records = ParquetRecords(compiled.plan, output)
    counts = [part.cases for part in runner.decide_parquet(compiled, parquet_chunks(source, compiled, 5), ON, records)]
    records.close()
    assert counts == [5, 5, 2]
    assert pyarrow.parquet.ParquetFile(output).metadata.num_row_groups == 3


def test_the_column_path_builds_no_decision(tmp_path, monkeypatch):
    """Cases the row function decides are written from the columns: building a Decision would fail here."""
    rows = [{"grootte": size, "pijler": "advies", "bedrag": Decimal("1000.00"), "start": datetime.date(2024, 3, 1),
             "aanvraag": datetime.date(2024, 3, day), "ontvangen": Decimal("0")}
            for size in ("klein", "groot") for day in (5, 20)]
    source = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(benchmark_table(rows), source)
    from rulerun.interpreter.engine import assembly

    def no_decision(*args, **kwargs):
        raise AssertionError("a Decision was built")
    monkeypatch.setattr(assembly, "Decision", no_decision)
    result = batch(BENCHMARK, source, tmp_path / "out.parquet")
    assert result.exit_code == 0, result.output
    written = pyarrow.parquet.read_table(tmp_path / "out.parquet").to_pylist()
    assert [(r["eligible"], r["failed"]) for r in written] == [("yes", []), ("no", ["tijdig"]), ("no", ["kmo"]),
                                                                ("no", ["kmo", "tijdig"])]


def test_a_bug_met_deciding_together_stays_with_its_own_case(tmp_path, monkeypatch):
    rows = [{"grootte": "klein", "pijler": "advies", "bedrag": Decimal(b), "start": datetime.date(2024, 3, 1),
             "aanvraag": datetime.date(2024, 3, 5), "ontvangen": Decimal("0")} for b in ("1000", "666", "2000")]
    source = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(benchmark_table(rows), source)
    monkeypatch.setattr(runner, "decide_columns", lambda compiled, pairs: 1 / 0)
    evaluate = CompiledMeasure.evaluate

    def buggy(self, facts, on, trace=True):
        if facts.get("bedrag") == 666:
            raise KeyError("bug")
        return evaluate(self, facts, on, trace)
    monkeypatch.setattr(CompiledMeasure, "evaluate", buggy)
    result = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(source), "-o", str(tmp_path / "out.parquet")])
    assert result.exit_code == 70
    written = pyarrow.parquet.read_table(tmp_path / "out.parquet").to_pylist()
    assert [r["eligible"] for r in written] == ["yes", None, "yes"]
    assert written[1]["error"] == "internal error: a bug in rulerun, not in this case (KeyError); please report it " \
                                  "with this case's line"


@pytest.mark.parametrize("extra, words", [(["--jobs", "2"], "--jobs does not apply"),
                                          (["--format", "csv"], "--format names JSON Lines or CSV output")])
def test_options_that_do_not_apply_to_parquet_output_are_usage_errors(tmp_path, extra, words):
    source = tmp_path / "cases.jsonl"
    source.write_text(json.dumps({"id": "a", "facts": {}}) + "\n", encoding="utf-8")
    result = batch(BENCHMARK, source, tmp_path / "out.parquet", *extra)
    assert result.exit_code == 64 and words in result.output
    assert not (tmp_path / "out.parquet").exists()


def test_the_output_may_not_be_the_input(tmp_path):
    source = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(benchmark_table([{}]), source)
    before = source.read_bytes()
    result = batch(BENCHMARK, source, source)
    assert result.exit_code == 64 and "writing it would destroy the input" in result.output
    assert source.read_bytes() == before


def test_a_value_with_more_decimals_than_its_column_is_refused_not_rounded(tmp_path):
    from types import SimpleNamespace
    from rulerun.interpreter.formats.parquet_out import Unfit
    plan = SimpleNamespace(amount=None, deadlines=[], values=[SimpleNamespace(id="deel", tag="number")])
    records = ParquetRecords(plan, tmp_path / "out.parquet")
    verdict = ("yes", None, (), (), (), None)
    records.decided("a", 1, ON, ON, verdict, (), (Decimal("0.1234567891"),))
    with pytest.raises(Unfit) as unfit:
        records.decided("b", 2, ON, ON, verdict, (), (Decimal("0.12345678901"),))
    assert str(unfit.value).startswith("`values.deel` is 0.12345678901, with more than 10 decimals")
    records.error("b", 2, str(unfit.value))
    records.close()
    written = pyarrow.parquet.read_table(tmp_path / "out.parquet").to_pylist()
    assert written[0]["values.deel"] == Decimal("0.1234567891") and written[1]["values.deel"] is None
    assert written[1]["error"] == str(unfit.value)
