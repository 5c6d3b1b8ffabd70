"""`rulerun batch` and `rulerun diff`: the same decisions as one at a time, in order, and the impact of an edit."""
from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from json_values import as_json_values
from rulerun.interpreter.formats.cases import read_case
from rulerun.interpreter.cli import main
from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.formats.receipt import SCHEMA_VERSION, receipt
from rulerun.interpreter.formats.render import decision_json
from rulerun.interpreter.tools.testing import cases_for

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ["innovatieve-starterssteun", "kmo-portefeuille", "rentetoelage-hinder-openbare-werken"]


def _jsonl(measure_id: str, path: Path) -> list:
    cases = [read_case(p) for p in cases_for(ROOT / "measures" / f"{measure_id}.yaml")]
    path.write_text("".join(json.dumps({"id": Path(c.path).stem, "on": c.on.isoformat(), "facts": as_json_values(c.facts)})
                            + "\n" for c in cases))
    return cases


def _expected(measure_id: str, cases) -> list[dict]:
    # Named as the command line names it, so that the receipts' file paths are the same.
    compiled = load(ROOT / "measures" / f"{measure_id}.yaml", f"measures/{measure_id}.yaml")
    out = []
    for line, case in enumerate(cases, 1):
        decision = compiled.evaluate(compiled.read_facts(case.facts), case.on, trace=False)
        record = decision_json(decision, trace=False)
        del record["measure"], record["notes"]
        out.append(dict(record, id=Path(case.path).stem, line=line, schema_version=SCHEMA_VERSION,
                        receipt=receipt(compiled.measure, decision)))
    return out


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("measure_id", BUNDLED)
def test_batch_equals_evaluate_for_every_bundled_case_in_order(measure_id, jobs, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    cases = _jsonl(measure_id, tmp_path / "in.jsonl")
    result = CliRunner().invoke(main, ["batch", measure_id, str(tmp_path / "in.jsonl"), "--jobs", jobs])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records == _expected(measure_id, cases)
    assert result.stderr.startswith(f"{len(cases)} case(s): ")


def test_bad_lines_become_error_records_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    cases = _jsonl("kmo-portefeuille", tmp_path / "in.jsonl")
    good = (tmp_path / "in.jsonl").read_text().splitlines()[:2]
    lines = [good[0], "{not json", '{"id": "x", "facts": {"dienst": {"bedrag": "12,50"}}}', "", '[1, 2]',
             '{"id": "y", "facts": {}, "expect": {}}', '{"id": "z", "on": "gisteren", "facts": {}}', good[1]]
    (tmp_path / "bad.jsonl").write_text("\n".join(lines) + "\n")
    for jobs in ("1", "2"):
        result = CliRunner().invoke(main, ["batch", "kmo-portefeuille", str(tmp_path / "bad.jsonl"), "--jobs", jobs])
        assert result.exit_code == 1
        records = [json.loads(line) for line in result.stdout.splitlines()]
        assert [(r["line"], r["id"], r.get("error")) for r in records[1:-1]] == [
            (2, None, "not valid JSON: Expecting property name enclosed in double quotes at column 2"),
            (3, "x", "fact `dienst.bedrag`: `12,50` uses a decimal comma"),
            (5, None, 'each line must be an object {"id": …, "facts": {…}}'),
            (6, "y", "unknown key `expect`; a line has id, on and facts"),
            (7, "z", "`on` must be a date written YYYY-MM-DD, not `gisteren`"),
        ]
        assert records[0]["id"] == Path(cases[0].path).stem and records[-1]["line"] == 8
        assert "7 case(s): " in result.stderr and "5 error(s)" in result.stderr


def _flatten(facts: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in facts.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            out[prefix + key] = json.dumps(value)
        elif isinstance(value, bool):
            out[prefix + key] = "yes" if value else "no"
        else:
            out[prefix + key] = str(value)
    return out


@pytest.mark.parametrize("measure_id", BUNDLED)
def test_csv_and_jsonl_give_the_same_decisions(measure_id, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    cases = _jsonl(measure_id, tmp_path / "in.jsonl")
    rows = [dict(_flatten(as_json_values(c.facts)), id=Path(c.path).stem, on=c.on.isoformat()) for c in cases]
    columns = sorted({k for r in rows for k in r})
    with open(tmp_path / "in.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    from_jsonl = CliRunner().invoke(main, ["batch", measure_id, str(tmp_path / "in.jsonl"), "--format", "csv"])
    from_csv = CliRunner().invoke(main, ["batch", measure_id, str(tmp_path / "in.csv"), "--format", "csv",
                                         "-o", str(tmp_path / "out.csv")])
    assert from_jsonl.exit_code == from_csv.exit_code == 0, from_csv.output
    a = list(csv.DictReader(io.StringIO(from_jsonl.stdout)))
    b = list(csv.DictReader(open(tmp_path / "out.csv", newline="")))
    assert len(a) == len(b) == len(cases)
    for x, y in zip(a, b):
        assert int(y.pop("line")) == int(x.pop("line")) + 1  # the CSV header is line 1
        assert x == y


def test_a_csv_column_that_is_not_a_fact_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    (tmp_path / "in.csv").write_text("id,dienst.bedrag,dienst.prijs\n1,100,5\n")
    result = CliRunner().invoke(main, ["batch", "kmo-portefeuille", str(tmp_path / "in.csv")])
    assert result.exit_code == 64 and result.stdout == ""
    assert "in.csv: error: column `dienst.prijs` is not a fact of the measure" in result.stderr
    assert "hint: did you mean `dienst.start` or `dienst.soort`" in result.stderr


OLD = (ROOT / "tests" / "interpreter" / "test_coverage.py").read_text().split('SMALL = """\\\n', 1)[1].split('"""', 1)[0]


def test_diff_reports_exactly_the_changes_of_an_edit(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "klein.yaml").write_text(OLD)
    # The edit: the 2020 rate goes from 30% to 35%, and the minimum from € 500 to € 600.
    new = OLD.replace("{from: 2020-01-01, value: 30%}", "{from: 2020-01-01, value: 35%}").replace("value: € 500",
                                                                                                "value: € 600")
    (tmp_path / "new" / "klein.yaml").write_text(new)
    cases = tmp_path / "cases"
    cases.mkdir()
    facts = {"a-2019": ("2019-05-01", "advies", 1000), "b-2021": ("2021-05-01", "advies", 1000),
             "c-550": ("2021-05-01", "advies", 550), "d-opleiding-2019": ("2019-05-01", "opleiding", 100)}
    for name, (day, soort, kost) in facts.items():
        (cases / f"{name}.yaml").write_text(f"on: 2024-01-01\nfacts: {{datum: {day}, soort: {soort}, kost: {kost}}}\n")
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "old" / "klein.yaml"), str(tmp_path / "new" / "klein.yaml"),
                                       str(cases), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # 2019 cases use the 40% version: unchanged. b-2021 gets 35%; c-550 falls below the new minimum.
    assert data["cases"] == 4 and data["changed"] == 2 and data["flips"] == {"yes -> no": 1}
    assert data["total_before"] == "905.00" and data["total_after"] == "790.00"
    assert [(c["id"], c["eligible"], c["amount"]) for c in data["changes"]] == [
        ("c-550", ["yes", "no"], ["165.00", None]), ("b-2021", ["yes", "yes"], ["300.00", "350.00"])]
    assert {"rule": "genoeg", "before": "true", "after": "false"} in data["changes"][0]["rules"]
    assert data["changes"][0]["failed"] == [[], ["genoeg"]]
    text = CliRunner().invoke(main, ["diff", str(tmp_path / "old" / "klein.yaml"), str(tmp_path / "new" / "klein.yaml"),
                                     str(cases)]).output
    assert "  decisions changed: 2\n  eligible yes -> no: 1\n  amounts changed: 2\n" in text
    assert "  total amount: € 905.00 -> € 790.00 (-€ 115.00)" in text
    assert "    c-550: eligible yes -> no amount € 165.00 -> none\n      failed: - -> genoeg\n" in text


def test_diff_lists_a_case_with_a_bad_date_instead_of_failing(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    (tmp_path / "in.jsonl").write_text('{"id": "z", "on": "gisteren", "facts": {}}\n')
    result = CliRunner().invoke(main, ["diff", "kmo-portefeuille", "kmo-portefeuille", str(tmp_path / "in.jsonl")])
    assert result.exit_code == 1, result.output
    assert "    z: `on` must be a date written YYYY-MM-DD, not `gisteren`" in result.output


def _typed_columns(facts: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in facts.items():
        if isinstance(value, dict):
            out.update(_typed_columns(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = _typed_cell(value)
    return out


def _typed_cell(value):
    """A case file's value as a Parquet cell: dates and yes/no keep their type, lists hold records."""
    if isinstance(value, (bool, datetime.date)) or value is None:
        return value
    if isinstance(value, list):
        return [{k: _typed_cell(v) for k, v in item.items()} if isinstance(item, dict) else _typed_cell(item)
                for item in value]
    return str(value)


@pytest.mark.parametrize("measure_id", BUNDLED)
def test_parquet_and_jsonl_give_the_same_decisions(measure_id, tmp_path, monkeypatch):
    import pyarrow
    import pyarrow.parquet
    monkeypatch.chdir(ROOT)
    cases = _jsonl(measure_id, tmp_path / "in.jsonl")
    rows = [dict(_typed_columns(c.facts), id=Path(c.path).stem, on=c.on)
            for c in cases]
    columns = sorted({k for r in rows for k in r})
    table = pyarrow.Table.from_pylist([{k: r.get(k) for k in columns} for r in rows])
    pyarrow.parquet.write_table(table, tmp_path / "in.parquet", row_group_size=7)
    from_jsonl = CliRunner().invoke(main, ["batch", measure_id, str(tmp_path / "in.jsonl")])
    from_parquet = CliRunner().invoke(main, ["batch", measure_id, str(tmp_path / "in.parquet")])
    assert from_jsonl.exit_code == from_parquet.exit_code == 0, from_parquet.output
    assert from_parquet.stdout == from_jsonl.stdout
    assert len(from_parquet.stdout.splitlines()) == len(cases)


def test_parquet_rows_with_wrong_values_become_error_records(tmp_path, monkeypatch):
    import pyarrow
    import pyarrow.parquet
    monkeypatch.chdir(ROOT)
    table = pyarrow.table({"id": ["a", "b"], "grootte": ["klein", "reus"], "bedrag": [1000.5, 2000.0]})
    pyarrow.parquet.write_table(table, tmp_path / "in.parquet")
    result = CliRunner().invoke(main, ["batch", "tests/benchmarks/kmo-eenvoudig.yaml", str(tmp_path / "in.parquet"),
                                       "--on", "2024-06-01"])
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["line"]) for r in records] == [("a", 1), ("b", 2)]
    assert "fact `bedrag`: must be an amount in euro; give it as text or a decimal" in records[0]["error"]
    assert "`reus` is not one of klein, middelgroot, groot" in records[1]["error"]


def test_a_parquet_column_that_is_not_a_fact_is_an_error(tmp_path, monkeypatch):
    import pyarrow
    import pyarrow.parquet
    monkeypatch.chdir(ROOT)
    pyarrow.parquet.write_table(pyarrow.table({"id": ["a"], "prijs": ["5"]}), tmp_path / "in.parquet")
    result = CliRunner().invoke(main, ["batch", "tests/benchmarks/kmo-eenvoudig.yaml", str(tmp_path / "in.parquet")])
    assert result.exit_code == 64 and result.stdout == ""
    assert "in.parquet: error: column `prijs` is not a fact of the measure" in result.stderr


def test_a_file_that_is_not_parquet_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    (tmp_path / "in.parquet").write_text("id,grootte\n1,klein\n")
    result = CliRunner().invoke(main, ["batch", "tests/benchmarks/kmo-eenvoudig.yaml", str(tmp_path / "in.parquet")])
    assert result.exit_code == 64
    assert "is not a Parquet file that can be read" in result.stderr
    assert "Traceback" not in result.output


def test_parquet_without_pyarrow_is_a_usage_error_naming_the_extra(tmp_path, monkeypatch):
    import sys
    monkeypatch.chdir(ROOT)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # as if pyarrow were not installed
    (tmp_path / "in.parquet").write_bytes(b"PAR1")
    result = CliRunner().invoke(main, ["batch", "tests/benchmarks/kmo-eenvoudig.yaml", str(tmp_path / "in.parquet")])
    assert result.exit_code == 64
    assert "reading Parquet needs pyarrow" in result.stderr and "rulerun[parquet]" in result.stderr


