"""The duckdb engine agrees with the Python batch path and with `explain`, and states what it cannot compile."""
from __future__ import annotations

import datetime
import json
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow
import pyarrow.parquet
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulerun
from rulerun.dsl.errors import UsageError
from rulerun.interpreter.cli import main
from rulerun.interpreter.tools.sqlbatch import decide_file, measure_query, python_lines
from rulerun.interpreter.formats.render import decision_json
from rulerun.interpreter.formats.tables import read_parquet
from rulerun.interpreter.tools import batch as runner

ROOT = Path(__file__).resolve().parents[2]
BENCHMARK = ROOT / "tests" / "benchmarks" / "kmo-eenvoudig.yaml"
ON = datetime.date(2025, 1, 1)
MONEY = pyarrow.decimal128(18, 2)
D = datetime.date

# A measure with a window, a table, `if`, `given`, declared limits, months, a deadline and values.
TRIAL = ROOT / "tests" / "interpreter" / "sql_trial" / "proef.yaml"


def both(measure: Path, table: pyarrow.Table, folder: Path) -> tuple[list[dict], list[dict]]:
    """The records of the duckdb engine and of the Python batch path for the same Parquet file."""
    path = folder / "cases.parquet"
    pyarrow.parquet.write_table(table, path)
    compiled = rulerun.load(measure).engine
    sql = list(decide_file(compiled, path, ON))
    python = list(runner.decide_all(measure, compiled, read_parquet(path, compiled), ON))
    return sql, python


def explained(measure: Path, record: dict, facts: dict) -> dict:
    """What `explain` (the traced engine) says of one case, in the record's terms."""
    compiled = rulerun.load(measure).engine
    decision = compiled.evaluate(compiled.read_facts(facts), ON, trace=True)
    out = decision_json(decision, trace=False)
    return {k: out.get(k) for k in ("eligible", "amount", "deadlines", "values", "failed", "missing")}


def assert_agree(measure: Path, table: pyarrow.Table, folder: Path) -> list[dict]:
    sql, python = both(measure, table, folder)
    assert len(sql) == len(python) == table.num_rows
    for ours, theirs, row in zip(sql, python, table.to_pylist()):
        assert ours == theirs, row
        if "error" not in ours:
            facts = {k: v for k, v in row.items() if v is not None and k not in ("id", "on")}
            keys = ("eligible", "amount", "deadlines", "values", "failed", "missing")
            assert {k: ours[k] for k in keys} == explained(measure, ours, facts)
    return sql


# -- the benchmark measure -------------------------------------------------------------------------

def benchmark_table(rows: list[dict]) -> pyarrow.Table:
    names = ("grootte", "pijler", "bedrag", "start", "aanvraag", "ontvangen")
    return pyarrow.table({
        "id": [str(i) for i in range(len(rows))],
        **{n: pyarrow.array([r.get(n) for r in rows], MONEY if n in ("bedrag", "ontvangen") else
                            pyarrow.date32() if n in ("start", "aanvraag") else pyarrow.string()) for n in names}})


def test_benchmark_measure_compiles_without_gaps():
    compiled = rulerun.load(BENCHMARK).engine
    query = measure_query(compiled)
    assert query.gaps == []
    assert query.facts == ["aanvraag", "bedrag", "grootte", "ontvangen", "pijler", "start"]


def test_benchmark_cases_agree(tmp_path):
    rows = [
        {"grootte": "klein", "pijler": "advies", "bedrag": Decimal("1000.00"), "start": D(2024, 3, 1),
         "aanvraag": D(2024, 3, 5), "ontvangen": Decimal("0")},
        {"grootte": "klein", "pijler": "advies", "start": D(2024, 3, 1), "aanvraag": D(2024, 3, 5)},
        {"grootte": "groot", "bedrag": Decimal("1000.00"), "start": D(2024, 3, 1), "aanvraag": D(2024, 3, 25)},
        # half a cent: 1000.05 × 30 % = 300.015, rounded half up to 300.02
        {"grootte": "klein", "pijler": "opleiding", "bedrag": Decimal("1000.05"), "start": D(2024, 3, 1),
         "aanvraag": D(2024, 3, 15), "ontvangen": Decimal("0")},
        # the last day in time, and the day after
        {"grootte": "middelgroot", "pijler": "advies", "bedrag": Decimal("500"), "start": D(2024, 3, 1),
         "aanvraag": D(2024, 3, 16), "ontvangen": Decimal("7500")},
        {"grootte": "middelgroot", "pijler": "advies", "bedrag": Decimal("500"), "start": D(2024, 3, 1),
         "aanvraag": D(2024, 3, 16) + datetime.timedelta(days=1), "ontvangen": Decimal("7000")},
        # a size that is not a value of the enum, and a date before the first rate: the Python engine decides
        {"grootte": "reus", "pijler": "advies", "bedrag": Decimal("500")},
        {"grootte": "klein", "pijler": "advies", "bedrag": Decimal("500"), "start": D(2015, 1, 1),
         "aanvraag": D(2015, 1, 2), "ontvangen": Decimal("0")},
        {},
    ]
    records = assert_agree(BENCHMARK, benchmark_table(rows), tmp_path)
    assert records[3]["amount"] == "300.02"
    assert records[1]["missing"] == ["bedrag", "ontvangen"]
    assert records[2]["failed"] == ["kmo", "tijdig"]
    assert "error" in records[6] and "error" in records[7]


def test_a_file_giving_every_fact_is_decided_by_the_two_valued_query(tmp_path, monkeypatch):
    """Where every row gives every fact, the query without the three-valued form decides: the same records,
    and the same rows left to Python (a size not in the enum, a date before the first rate, an overflow)."""
    from rulerun.interpreter.tools import sqlbatch
    chosen: list[bool] = []
    original = sqlbatch.compile_query

    def spied(lowered, program, every_fact_given=False):
        chosen.append(every_fact_given)
        return original(lowered, program, every_fact_given)

    monkeypatch.setattr(sqlbatch, "compile_query", spied)
    given = {"grootte": "klein", "pijler": "advies", "bedrag": Decimal("1000.05"), "start": D(2024, 3, 1),
             "aanvraag": D(2024, 3, 15), "ontvangen": Decimal("0")}
    rows = [given, {**given, "grootte": "groot", "aanvraag": D(2024, 3, 16)},
            {**given, "pijler": "opleiding", "bedrag": Decimal("99.99"), "aanvraag": D(2024, 3, 16)},
            {**given, "grootte": "middelgroot", "ontvangen": Decimal("7499.99")},
            {**given, "grootte": "reus"}, {**given, "start": D(2015, 1, 1), "aanvraag": D(2015, 1, 2)},
            {**given, "bedrag": Decimal("999999999999999.99")}]
    records = assert_agree(BENCHMARK, benchmark_table(rows), tmp_path)
    assert chosen == [False, True]  # the query as built at first (its facts, its gaps), then the two-valued one
    assert [r.get("amount") for r in records[:4]] == ["300.02", None, None, "0.01"]
    assert [r["failed"] for r in records[1:3]] == [["kmo", "tijdig"], ["minimum", "tijdig"]]
    assert "error" in records[4] and "error" in records[5] and records[6]["amount"] == "7500.00"
    assert python_lines(rulerun.load(BENCHMARK).engine, tmp_path / "cases.parquet", ON) == [5, 6, 7]
    chosen.clear()
    assert_agree(BENCHMARK, benchmark_table([given, {**given, "ontvangen": None}]), tmp_path)
    assert chosen == [False]  # one row without a fact: the query with both forms alone


def test_a_value_beyond_duckdbs_decimal_is_decided_by_python(tmp_path):
    """DuckDB keeps a product's width (DECIMAL(18,2) × DECIMAL(2,2) is DECIMAL(18,4)): where it would
    overflow, the row is the Python engine's (exact to 100 digits), not a stopped run."""
    big = Decimal("999999999999999.99")
    rows = [{"grootte": "klein", "pijler": "advies", "bedrag": big, "start": D(2024, 3, 1), "aanvraag": D(2024, 3, 5),
             "ontvangen": Decimal("0")},
            {"grootte": "middelgroot", "pijler": "advies", "bedrag": big, "start": D(2024, 3, 1),
             "aanvraag": D(2024, 3, 5)},
            {"grootte": "klein", "pijler": "advies", "bedrag": Decimal("1000.00"), "start": D(2024, 3, 1),
             "aanvraag": D(2024, 3, 5), "ontvangen": big}]
    records = assert_agree(BENCHMARK, benchmark_table(rows), tmp_path)
    assert records[0]["amount"] == "7500.00"  # the ceiling, after the exact 30 % of the amount
    assert python_lines(rulerun.load(BENCHMARK).engine, tmp_path / "cases.parquet", ON) == [1, 2]
    # Parquet output: those rows are the Python engine's, with the amounts the records above give.
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(tmp_path / "cases.parquet"), "--engine", "duckdb",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = pyarrow.parquet.read_table(out).to_pylist()
    assert [r["amount"] for r in written] == [None if r["amount"] is None else Decimal(r["amount"]) for r in records]
    assert [r["error"] for r in written] == [None] * 3


SIZES = st.sampled_from(["klein", "middelgroot", "groot", None])
#: Amounts up to the largest a case may give (10^15): products beyond DuckDB's DECIMAL width included.
CENTS = st.one_of(st.none(), st.integers(0, 3_000_000).map(lambda c: Decimal(c).scaleb(-2)),
                  st.integers(0, 10**17 - 1).map(lambda c: Decimal(c).scaleb(-2)))
DAYS = st.one_of(st.none(), st.dates(D(2016, 1, 1), D(2026, 12, 31)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({
    "grootte": SIZES, "pijler": st.sampled_from(["opleiding", "advies", None]), "bedrag": CENTS,
    "start": DAYS, "aanvraag": DAYS, "ontvangen": CENTS}), min_size=1, max_size=12))
def test_benchmark_random_cases_agree(tmp_path, rows):
    assert_agree(BENCHMARK, benchmark_table(rows), tmp_path)


# -- a measure with more of the language ------------------------------------------------------------

def trial_table(rows: list[dict]) -> pyarrow.Table:
    types = {"grootte": pyarrow.string(), "bedrag": MONEY, "korting": MONEY, "personeel": pyarrow.decimal128(10, 1),
             "start": pyarrow.date32(), "aanvraag": pyarrow.date32(), "erkend": pyarrow.bool_()}
    return pyarrow.table({"id": [str(i) for i in range(len(rows))],
                          **{n: pyarrow.array([r.get(n) for r in rows], t) for n, t in types.items()}})


def test_trial_measure_compiles_without_gaps():
    assert measure_query(rulerun.load(TRIAL).engine).gaps == []


def test_trial_edges_agree(tmp_path):
    full = {"grootte": "groot", "bedrag": Decimal("1000.00"), "korting": Decimal("0"), "personeel": Decimal(3),
            "start": D(2022, 7, 1), "aanvraag": D(2022, 7, 1), "erkend": True}
    rows = [
        full,
        {**full, "aanvraag": D(2017, 12, 31)},  # the day before the window opens
        {**full, "aanvraag": D(2027, 1, 1), "start": D(2026, 12, 1)},  # the day after it closes
        {**full, "aanvraag": None},  # the window is unknown
        {**full, "bedrag": None},  # netto unknown, but ≥ € 0: groot_genoeg needs it, the amount too
        {**full, "korting": None},  # korting ≤ € 50: netto ≥ € 950, so ≥ € 1,000 stays open
        {**full, "korting": None, "bedrag": Decimal("2000")},  # netto ≥ € 1,950: groot_genoeg settles
        {**full, "grootte": None, "personeel": Decimal(12)},  # the table's first row unknown
        {**full, "grootte": None, "personeel": None},
        {**full, "erkend": None, "personeel": None},
        {**full, "start": D(2024, 1, 31), "aanvraag": D(2024, 4, 30)},  # three months later, clamped
        {**full, "start": D(2024, 1, 31), "aanvraag": D(2024, 5, 1)},
        {**full, "grootte": "klein", "bedrag": Decimal("333.35"), "korting": Decimal("0.00")},  # 35 % half a cent
        {**full, "grootte": "reus"},
    ]
    records = assert_agree(TRIAL, trial_table(rows), tmp_path)
    assert records[1]["failed"] == ["window"] and records[2]["failed"] == ["window"]
    assert records[12]["amount"] == "116.67"  # 333.35 × 35 % = 116.6725


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({
    "grootte": SIZES, "bedrag": CENTS, "korting": st.one_of(st.none(), st.integers(0, 6000).map(
        lambda c: Decimal(c).scaleb(-2))),
    "personeel": st.one_of(st.none(), st.integers(0, 200).map(lambda n: Decimal(n).scaleb(-1))),
    "start": DAYS, "aanvraag": DAYS, "erkend": st.one_of(st.none(), st.booleans())}), min_size=1, max_size=12))
def test_trial_random_cases_agree(tmp_path, rows):
    assert_agree(TRIAL, trial_table(rows), tmp_path)


# -- gaps --------------------------------------------------------------------------------------------

def gaps_of(name: str) -> list[str]:
    query = measure_query(rulerun.load(ROOT / "measures" / f"{name}.yaml", f"measures/{name}.yaml").engine)
    return sorted(f"{g.where}: {g.what}" for g in query.gaps)


def test_bundled_measures_gaps_are_stated():
    """docs/sql.md lists these; a change here is a change there."""
    expected = json.loads((ROOT / "tests" / "interpreter" / "sql_trial" / "gaps.json").read_text())
    for name, gaps in expected.items():
        assert gaps_of(name) == gaps, name


#: A measure with what the SQL cannot express exactly: a division by 3 and by a fact.
GAPS = ROOT / "tests" / "interpreter" / "sql_trial" / "gaten.yaml"


def test_check_reports_gaps_with_positions():
    result = CliRunner().invoke(main, ["check", str(GAPS), "--engine", "duckdb"])
    assert result.exit_code == 2
    for where in ("gaten.yaml:11:62", "gaten.yaml:12:71"):
        assert (f"{where}: error: the duckdb engine cannot compile a division by a computed value or by a number "
                "without an exact reciprocal") in result.output
    clean = CliRunner().invoke(main, ["check", str(TRIAL), "--engine", "duckdb", "--show-sql"])
    assert clean.exit_code == 0, clean.output
    assert "SELECT" in clean.output and '"#known"' in clean.output


def test_batch_refuses_a_measure_with_gaps(tmp_path):
    path = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(pyarrow.table({"id": ["1"]}), path)
    result = CliRunner().invoke(main, ["batch", str(GAPS), str(path), "--engine", "duckdb"])
    assert result.exit_code == 64
    assert "the duckdb engine cannot compile this measure (2 gap(s) below)" in result.output
    assert "gaten.yaml:12:71" in result.output


def test_batch_duckdb_refuses_an_input_of_unknown_format(tmp_path):
    """Parquet, CSV and JSON Lines are read (test_sql_text_input.py); another extension is refused as without it."""
    path = tmp_path / "cases.txt"
    path.write_text('{"facts": {}}\n')
    result = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(path), "--engine", "duckdb"])
    assert result.exit_code == 64
    assert f"cannot tell the format of `{path}`" in result.output


def test_batch_parquet_to_parquet(tmp_path):
    rows = [{"grootte": "klein", "pijler": "advies", "bedrag": Decimal("1000.00"), "start": D(2024, 3, 1),
             "aanvraag": D(2024, 3, 5), "ontvangen": Decimal("0")}, {"grootte": "groot"}]
    source, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pyarrow.parquet.write_table(benchmark_table(rows), source)
    result = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(source), "--engine", "duckdb", "-o", str(out),
                                       "--on", "2025-01-01"])
    assert result.exit_code == 0, result.output
    written = pyarrow.parquet.read_table(out).to_pylist()
    assert [(r["id"], r["eligible"], r["amount"], r["failed"]) for r in written] == [
        ("0", "yes", Decimal("300.00"), []), ("1", "no", None, ["kmo"])]


def parquet_by_both_engines(measure: Path, table: pyarrow.Table, folder: Path) -> tuple[pyarrow.Table, ...]:
    """The Parquet outputs of `--engine duckdb` and of the Python engine for one input of row groups of two rows."""
    source = folder / "in.parquet"
    pyarrow.parquet.write_table(table, source, row_group_size=2)
    outputs, said = [], []
    for name, engine in (("duckdb.parquet", ["--engine", "duckdb"]), ("python.parquet", [])):
        result = CliRunner().invoke(main, ["batch", str(measure), str(source), "-o", str(folder / name),
                                           "--on", ON.isoformat(), *engine])
        assert result.exit_code == 1, result.output  # a case could not be decided, as without --engine
        assert "Traceback" not in result.output
        outputs.append(pyarrow.parquet.read_table(folder / name))
        said.append(result.output.strip().splitlines())
    assert said[0] == [f"{table.num_rows} case(s) decided into {folder / 'duckdb.parquet'}", *said[1]]
    assert sorted(p.name for p in folder.iterdir()) == ["duckdb.parquet", "in.parquet", "python.parquet"]
    return tuple(outputs)


def test_parquet_out_decides_rows_for_python_as_the_python_engine(tmp_path):
    """Rows the query leaves to Python are written as the Python engine writes them, an error in `error`, in order."""
    good = {"grootte": "klein", "pijler": "advies", "bedrag": Decimal("1000.00"), "start": D(2024, 3, 1),
            "aanvraag": D(2024, 3, 5), "ontvangen": Decimal("0")}
    rows = [good, {**good, "grootte": "groot"}, {**good, "pijler": "opleiding", "bedrag": Decimal("50.00")},
            {"grootte": "reus"},  # an enum word not declared: the Python reader's error
            {**good, "bedrag": Decimal("-1.00")},  # below zero: the SQL cannot vouch for it
            {**good, "grootte": "middelgroot"}, {**good, "ontvangen": None},
            {**good, "grootte": "Klein"}, good]
    duck, python = parquet_by_both_engines(BENCHMARK, benchmark_table(rows), tmp_path)
    assert duck.column_names == python.column_names and duck.column_names[-1] == "error"
    assert duck.to_pylist() == python.to_pylist()
    errors = duck.column("error").to_pylist()
    assert [e is not None for e in errors] == [False, False, False, True, True, False, False, True, False]
    assert errors[3].startswith("fact `grootte`: `reus` is not one of")
    assert duck.column("line").to_pylist() == list(range(1, 10))
    assert duck.column("eligible").to_pylist()[:3] == ["yes", "no", "no"]
    assert duck.to_pylist()[3]["amount"] is None and duck.to_pylist()[3]["failed"] is None


def test_parquet_out_writes_an_evaluation_error_and_values_as_the_python_engine(tmp_path):
    """A division by zero (the engine's error) and a quotient beyond the SQL's range are the Python engine's rows."""
    # Amounts whose halves and eighths have whole cents: the Python engine's money column holds them.
    rows = [{"bedrag": Decimal("100.00"), "deler": Decimal("2")}, {"bedrag": Decimal("100.00"), "deler": Decimal("3")},
            {"bedrag": Decimal("1000.00"), "deler": Decimal("0")},
            {"bedrag": Decimal("999999999999999.92"), "deler": Decimal("0.0000000003")},
            {"bedrag": Decimal("12.00")}, {"bedrag": Decimal("0.08"), "deler": Decimal("-10")}]
    duck, python = parquet_by_both_engines(DIVISIONS, division_table(rows), tmp_path)
    assert duck.column_names == python.column_names and "values.af" in duck.column_names
    assert duck.to_pylist() == python.to_pylist()
    assert duck.column("error").to_pylist()[2] is not None and duck.column("error").null_count == 5


def test_parquet_out_without_rows_for_python_takes_one_pass(tmp_path, monkeypatch):
    """When the query decides every row, one COPY writes the file: the mixed write is not run."""
    from rulerun.interpreter.tools import sqlbatch

    def not_here(*args, **kwargs):
        raise AssertionError("the mixed write ran for a file the query decides alone")
    monkeypatch.setattr(sqlbatch, "_write_mixed", not_here)
    source, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    good = {"grootte": "klein", "pijler": "advies", "bedrag": Decimal("1000.00"), "start": D(2024, 3, 1),
            "aanvraag": D(2024, 3, 5), "ontvangen": Decimal("0")}
    pyarrow.parquet.write_table(benchmark_table([good] * 5), source, row_group_size=2)
    result = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(source), "--engine", "duckdb", "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = pyarrow.parquet.read_table(out)
    assert written.column("error").to_pylist() == [None] * 5
    assert written.column("amount").to_pylist() == [Decimal("300.00")] * 5


def test_parquet_out_replaces_a_file_only_when_complete(tmp_path, monkeypatch):
    """A failed run leaves an existing output as it was and no temporary file; a complete one replaces it."""
    from rulerun.interpreter.tools import sqlbatch
    source, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    out.write_text("earlier")
    rows = [{"grootte": "klein", "pijler": "advies", "bedrag": Decimal("1000.00"), "start": D(2024, 3, 1),
             "aanvraag": D(2024, 3, 5), "ontvangen": Decimal("0")}] * 3 + [{"grootte": "reus"}]
    pyarrow.parquet.write_table(benchmark_table(rows), source)

    def unreadable(*args, **kwargs):
        raise UsageError("the rows left to Python cannot be read")
    with monkeypatch.context() as patch:
        patch.setattr(sqlbatch, "_python_items", unreadable)
        failed = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(source), "--engine", "duckdb", "-o", str(out)])
    assert failed.exit_code == 64
    assert "cannot be read" in failed.output
    assert out.read_text() == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.parquet"]
    done = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(source), "--engine", "duckdb", "-o", str(out)])
    assert done.exit_code == 1, done.output
    assert "4 case(s): 3 eligible, 0 not eligible, 0 undetermined, 1 error(s); total amount € 900.00" in done.output
    assert [r["eligible"] for r in pyarrow.parquet.read_table(out).to_pylist()] == ["yes"] * 3 + [None]
    assert out.stat().st_mode & 0o777 == source.stat().st_mode & 0o777  # as any file written here
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.parquet"]


def test_parquet_out_into_a_missing_folder_names_the_output(tmp_path):
    source, out = tmp_path / "in.parquet", tmp_path / "nowhere" / "out.parquet"
    pyarrow.parquet.write_table(benchmark_table([{"grootte": "klein"}]), source)
    result = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(source), "--engine", "duckdb", "-o", str(out)])
    assert result.exit_code == 74
    assert f"{out}: No such file or directory" in result.output


def test_without_duckdb_the_extra_is_named(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "duckdb", None)
    path = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(benchmark_table([{}]), path)
    with pytest.raises(UsageError) as error:
        list(decide_file(rulerun.load(BENCHMARK).engine, path, ON))
    assert "pip install 'rulerun[duckdb]'" in str(error.value.diagnostics[0].hint)



# -- list facts and their aggregations ----------------------------------------------------------------

LISTS = ROOT / "tests" / "interpreter" / "sql_trial" / "lijsten.yaml"
ITEM = pyarrow.struct([("bedrag", MONEY), ("datum", pyarrow.date32()), ("soort", pyarrow.string()),
                       ("extra", MONEY)])


def lists_table(rows: list[dict]) -> pyarrow.Table:
    return pyarrow.table({
        "id": [str(i) for i in range(len(rows))],
        "posten": pyarrow.array([r.get("posten") for r in rows], pyarrow.list_(ITEM)),
        "waarden": pyarrow.array([r.get("waarden") for r in rows], pyarrow.list_(pyarrow.decimal128(10, 1))),
        "grens": pyarrow.array([r.get("grens") for r in rows], MONEY),
        "begin": pyarrow.array([r.get("begin") for r in rows], pyarrow.date32())})


def post(bedrag: str, day: datetime.date, soort: str, extra: str | None = None) -> dict:
    return {"bedrag": Decimal(bedrag), "datum": day, "soort": soort,
            "extra": None if extra is None else Decimal(extra)}


def test_list_measure_compiles_without_gaps():
    assert measure_query(rulerun.load(LISTS).engine).gaps == []


def test_list_cases_agree(tmp_path):
    full = {"posten": [post("100", D(2024, 1, 1), "a", "5"), post("250.50", D(2024, 6, 1), "b", "0"),
                       post("40", D(2023, 1, 1), "a", "1")],
            "waarden": [Decimal("1.5"), Decimal("3")], "grens": Decimal("200"), "begin": D(2024, 1, 1)}
    rows = [
        full,
        {**full, "posten": []},  # empty: sum 0, count 0, any false, all true, min takes `else`
        {**full, "waarden": []},  # `max` of an empty list without `else`: the engine's error
        {**full, "waarden": None},  # not given: `not given(waarden)` holds
        {**full, "posten": None},  # the list unknown
        {**full, "grens": None},  # a value the filter reads unknown
        {**full, "posten": [post("300", D(2024, 2, 1), "b")]},  # an optional field left out
        {**full, "posten": [post("300", D(2024, 2, 1), "b", "7"), None]},  # an empty item
        {**full, "posten": [post("0.05", D(2024, 2, 1), "b", "0"), post("0.10", D(2024, 2, 1), "b", "0")],
         "grens": Decimal("0")},
    ]
    records = assert_lists_agree(rows, tmp_path)
    assert records[0]["amount"] == "350.50" and records[0]["values"]["aantal"] == "2"
    assert records[0]["values"]["genest"] == "250.50" and records[0]["eligible"] == "yes"
    assert records[1]["failed"] == ["ooit"] and records[1]["values"]["laagste"] == "2024-01-01"
    assert "error" in records[2]
    assert records[8]["amount"] == "0.15"
    # The query decides the rows where everything the aggregations read is known; Python the others
    # (line 4 too: an aggregation over a list not given is left to Python, even where `or` settles it).
    assert python_lines(rulerun.load(LISTS).engine, tmp_path / "cases.parquet", ON) == [3, 4, 5, 6, 7, 8]


def assert_lists_agree(rows: list[dict], folder: Path) -> list[dict]:
    sql, python = both(LISTS, lists_table(rows), folder)
    assert len(sql) == len(python) == len(rows)
    for ours, theirs, row in zip(sql, python, rows):
        assert ours == theirs, row
        if "error" not in ours:
            facts = {k: v for k, v in row.items() if v is not None}
            if facts.get("posten"):
                facts["posten"] = [{k: v for k, v in p.items() if v is not None} for p in facts["posten"]]
            keys = ("eligible", "amount", "deadlines", "values", "failed", "missing")
            assert {k: ours[k] for k in keys} == explained(LISTS, ours, facts)
    return sql


POSTS = st.one_of(st.none(), st.lists(st.builds(
    post, st.sampled_from(["0", "0.05", "99.99", "200", "1250.10"]), st.dates(D(2023, 6, 1), D(2024, 6, 1)),
    st.sampled_from(["a", "b"]), st.sampled_from([None, "0", "150", "300"])), max_size=4))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({
    "posten": POSTS, "waarden": st.one_of(st.none(), st.lists(st.integers(0, 40).map(
        lambda n: Decimal(n).scaleb(-1)), max_size=3)),
    "grens": st.one_of(st.none(), st.sampled_from([Decimal(0), Decimal("199.99"), Decimal(1000)])),
    "begin": st.one_of(st.none(), st.dates(D(2023, 6, 1), D(2024, 6, 1)))}), min_size=1, max_size=10))
def test_list_random_cases_agree(tmp_path, rows):
    assert_lists_agree(rows, tmp_path)


# -- the query's size ---------------------------------------------------------------------------------

def nested_measure(folder: Path, depth: int) -> Path:
    """The benchmark measure with its amount a `min` nested `depth` deep, each level reading the one inside."""
    expr = "bedrag * tarief[grootte]"
    for level in range(depth):
        expr = f"min({expr} + € {level}, ruimte - € {level})"
    text = BENCHMARK.read_text().replace("round_cents(min(bedrag * tarief[grootte], ruimte))", f"round_cents({expr})")
    text = text.replace("measure: kmo-eenvoudig", f"measure: genest-{depth}")
    path = folder / f"genest-{depth}.yaml"
    path.write_text(text)
    return path


def test_the_query_grows_linearly_with_a_nested_expression(tmp_path):
    """Each sub-expression is a column read by name: a `min` (which reads each part four times) nested
    twice as deep makes a query about twice as long, not the square of it."""
    sizes = {depth: len(measure_query(rulerun.load(nested_measure(tmp_path, depth)).engine).sql) for depth in (4, 8, 16)}
    base = len(measure_query(rulerun.load(BENCHMARK).engine).sql)
    grown = {depth: size - base for depth, size in sizes.items()}
    assert grown[8] < 2.5 * grown[4] and grown[16] < 2.5 * grown[8], sizes


def test_a_nested_expression_is_decided_alike(tmp_path):
    rows = [{"grootte": "klein", "pijler": "advies", "bedrag": Decimal(b), "start": D(2024, 3, 1),
             "aanvraag": D(2024, 3, 5), "ontvangen": Decimal(o)}
            for b, o in (("1000.00", "0"), ("30000", "100"), ("5", "7499.99"))] + [{"grootte": "klein", "pijler": "advies"}]
    assert_agree(nested_measure(tmp_path, 6), benchmark_table(rows), tmp_path)


def test_only_the_rows_left_to_python_are_read_by_python(tmp_path, monkeypatch):
    """The Python engine reads the rows the query leaves to it, not the whole file again; each keeps its line and id."""
    from rulerun.interpreter.tools import sqlbatch
    good = {"grootte": "klein", "pijler": "advies", "bedrag": Decimal("1000.00"), "start": D(2024, 3, 1),
            "aanvraag": D(2024, 3, 5), "ontvangen": Decimal("0")}
    rows = [good] * 700 + [{"grootte": "reus"}] + [good] * 600 + [{**good, "start": D(2015, 1, 1), "aanvraag": D(2015, 1, 2)}] + [good] * 50
    table = benchmark_table(rows)
    ids = pyarrow.array([None if i == 1301 else str(i) for i in range(len(rows))])
    table = table.set_column(0, "id", ids)
    path = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(table, path, row_group_size=256)  # the two rows in different row groups
    read: list[int] = []
    original = sqlbatch.read_parquet

    def counted(file, compiled):
        for item in original(file, compiled):
            read.append(item.line)
            yield item
    monkeypatch.setattr(sqlbatch, "read_parquet", counted)
    compiled = rulerun.load(BENCHMARK).engine
    sql = list(decide_file(compiled, path, ON))
    assert read == [1, 2]  # the two rows, at their places in the file of those rows
    python = list(runner.decide_all(BENCHMARK, compiled, original(path, compiled), ON))
    assert sql == python
    assert (sql[700]["line"], sql[700]["id"], sql[1301]["line"], sql[1301]["id"]) == (701, "700", 1302, "1302")
    assert "error" in sql[700] and "error" in sql[1301]


# -- divisions ----------------------------------------------------------------------------------------

DIVISIONS = ROOT / "tests" / "interpreter" / "sql_trial" / "deling.yaml"


def division_table(rows: list[dict]) -> pyarrow.Table:
    return pyarrow.table({"id": [str(i) for i in range(len(rows))],
                          "bedrag": pyarrow.array([r.get("bedrag") for r in rows], MONEY),
                          "deler": pyarrow.array([r.get("deler") for r in rows], pyarrow.decimal128(38, 10))})


def test_division_measure_compiles_without_gaps():
    assert measure_query(rulerun.load(DIVISIONS).engine).gaps == []


def test_divisions_agree_at_the_half_cent(tmp_path):
    """The engine's exact quotient rounded once (divide_rounded): half a cent up, down towards zero, signs."""
    rows = [{"bedrag": Decimal("100.01"), "deler": Decimal("2")},  # 50.005: half up 50.01, down 50.00
            {"bedrag": Decimal("100.00"), "deler": Decimal("3")},  # 33.333…: no exact decimal, rounded once
            {"bedrag": Decimal("0.05"), "deler": Decimal("-10")},  # -0.005: half away from zero, -0.01
            {"bedrag": Decimal("1000.00"), "deler": Decimal("0")},  # the engine's error: Python decides
            {"bedrag": Decimal("1000.00"), "deler": Decimal("0.0000000001")},  # 10^13: fits
            {"bedrag": Decimal("999999999999999.99"), "deler": Decimal("0.0000000003")},  # beyond HUGEINT: Python
            {"bedrag": Decimal("12.34")}, {}]
    records = assert_agree(DIVISIONS, division_table(rows), tmp_path)
    assert [r.get("amount") for r in records[:3]] == ["50.01", "33.33", None]
    assert records[0]["values"]["af"] == "50.00" and records[2]["values"]["af"] == "0.00"
    assert "error" in records[3]
    left = python_lines(rulerun.load(DIVISIONS).engine, tmp_path / "cases.parquet", ON)
    assert 4 in left and 6 in left and 1 not in left and 2 not in left


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({
    "bedrag": st.one_of(st.none(), st.integers(0, 10**17 - 1).map(lambda c: Decimal(c).scaleb(-2)),
                        st.integers(0, 100_000).map(lambda c: Decimal(c).scaleb(-2))),
    "deler": st.one_of(st.none(), st.integers(-10**12, 10**12).map(lambda c: Decimal(c).scaleb(-4)),
                       st.sampled_from([Decimal(n) for n in ("1", "2", "3", "7", "-3", "0.5", "365", "0")]))}),
    min_size=1, max_size=10))
def test_division_random_cases_agree(tmp_path, rows):
    assert_agree(DIVISIONS, division_table(rows), tmp_path)
