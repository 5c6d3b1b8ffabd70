"""Parquet input whose values Python cannot hold: the row is an error record, the others are decided."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

PROEF = str(Path(__file__).resolve().parents[2] / "tests" / "invalid" / "proef.yaml")
CALENDAR = "dates, times and durations must lie within the years 1 to 9999"


def batch(path: Path):
    result = CliRunner().invoke(main, ["batch", PROEF, str(path), "--on", "2022-02-01"])
    assert "internal error" not in result.output and "Traceback" not in result.output
    return result


def three_rows(tmp_path: Path, name: str, column: pa.Array) -> Path:
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["goed", "stuk", "ook-goed"], name: column}), path)
    return path


@pytest.mark.parametrize("name, column", [
    ("aanvraagdatum", pa.array([19000, 2**31 - 1, 19001], pa.date32())),
    ("aanvraagdatum", pa.array([19000, -800000, 19001], pa.date32())),
    ("on", pa.array([19000, 2**31 - 1, 19001], pa.date32())),
    ("aanvraagdatum", pa.array([0, 2**60, 0], pa.timestamp("ms"))),
    ("aanvraagdatum", pa.array([0, -2**60, 0], pa.timestamp("us", tz="UTC"))),
    ("termijn", pa.array([0, 2**60, 0], pa.duration("ms"))),
])
def test_a_value_beyond_the_calendar_spoils_only_its_own_row(tmp_path, name, column):
    result = batch(three_rows(tmp_path, name, column))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert [(r["id"], r["line"]) for r in records] == [("goed", 1), ("stuk", 2), ("ook-goed", 3)]
    assert records[1]["error"].startswith(f"column `{name}`: the ")
    assert records[1]["error"].endswith(CALENDAR)


def test_a_row_whose_id_cannot_be_read_has_no_id(tmp_path):
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": pa.array([1, 2**31 - 1], pa.date32())}), path)
    records = [json.loads(line) for line in batch(path).stdout.splitlines()]
    assert [r["id"] for r in records] == [None, None]
    assert [r["line"] for r in records] == [1, 2]


def test_a_record_type_with_a_field_twice_is_a_usage_error_naming_the_column(tmp_path):
    kind = pa.list_(pa.struct([("aandeel", pa.string()), ("aandeel", pa.string())]))
    path = three_rows(tmp_path, "aandeelhouders", pa.array([[], [{"aandeel": "1%"}], []], kind))
    result = batch(path)
    assert result.exit_code == 64 and result.stdout == ""
    assert "column `aandeelhouders` has the field `aandeel` twice" in result.output
