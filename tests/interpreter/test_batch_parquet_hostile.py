"""Hostile Parquet input to `rulerun batch`: read as JSON Lines output reads it, a bad cell spoiling only its row."""
from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pyarrow
import pyarrow.parquet
import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main
from rulerun.interpreter.formats.parquet_facts import parquet_chunks
from rulerun.interpreter.formats.tables import read_parquet
from rulerun.interpreter.tools.batch import Known, KnownCases
from test_batch_parquet_out import BENCHMARK, FIELDS, as_record
import rulerun
from rulerun.dsl.names import normal_name

ROOT = Path(__file__).resolve().parents[2]
PROEF = ROOT / "tests" / "invalid" / "proef.yaml"
ON = "2024-06-01"


def run(measure: Path, source: Path, output: Path):
    result = CliRunner().invoke(main, ["batch", str(measure), str(source), "-o", str(output), "--on", ON])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


def both_outputs(measure: Path, table: pyarrow.Table, folder: Path) -> list[dict]:
    """The JSON Lines records of the table's cases, after checking that the Parquet output holds the same."""
    source = folder / "cases.parquet"
    pyarrow.parquet.write_table(table, source)
    as_parquet = run(measure, source, folder / "out.parquet")
    as_lines = run(measure, source, folder / "out.jsonl")
    assert as_parquet.exit_code == as_lines.exit_code and as_parquet.stderr == as_lines.stderr
    compiled = rulerun.load(measure).engine
    rows = [as_record(row, compiled) for row in pyarrow.parquet.read_table(folder / "out.parquet").to_pylist()]
    lines = [json.loads(line) for line in (folder / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows == [{k: line[k] for k in FIELDS if k in line} for line in lines]
    return lines


def benchmark(count: int, **columns) -> pyarrow.Table:
    """`count` eligible cases of the benchmark measure, some columns replaced."""
    table = {"id": pyarrow.array([f"c{i}" for i in range(count)]),
             "grootte": pyarrow.array(["klein"] * count), "pijler": pyarrow.array(["advies"] * count),
             "bedrag": pyarrow.array([Decimal("1000.00")] * count, pyarrow.decimal128(10, 2)),
             "start": pyarrow.array([datetime.date(2024, 5, 1)] * count, pyarrow.date32()),
             "aanvraag": pyarrow.array([datetime.date(2024, 5, 10)] * count, pyarrow.date32()),
             "ontvangen": pyarrow.array([Decimal("0.00")] * count, pyarrow.decimal128(10, 2))}
    table.update(columns)
    return pyarrow.table(table)


@pytest.mark.parametrize("kind", [pyarrow.decimal32(9, 2), pyarrow.decimal64(18, 2), pyarrow.decimal32(9, 0),
                                  pyarrow.decimal64(18, 3)])
def test_narrow_decimal_columns_are_read_as_wide_ones(kind, tmp_path):
    """Parquet keeps decimal32 and decimal64 columns as such: they hold amounts as decimal128 does."""
    for amounts in ([Decimal("1000"), None, Decimal("2000")], [Decimal("1000"), Decimal("-1"), Decimal("2000")]):
        lines = both_outputs(BENCHMARK, benchmark(3, bedrag=pyarrow.array(amounts, kind)), tmp_path)
        wide = pyarrow.array(amounts, pyarrow.decimal128(38, kind.scale))
        assert lines == both_outputs(BENCHMARK, benchmark(3, bedrag=wide), tmp_path)
        if kind.scale <= 2:
            assert lines[0]["amount"] == "300.00" and lines[2]["amount"] == "600.00"
        else:  # an amount is in whole cents, as with decimal128
            assert lines[0]["error"] == "fact `bedrag`: 1000.000 has more than two decimals; amounts are in whole cents"
    assert lines[1]["error"].startswith("fact `bedrag`: € -1" if kind.scale <= 2 else "fact `bedrag`: -1.000 has")


def _not_utf8(cells: list[bytes | None], kind=pyarrow.string()):
    """A text column holding these bytes as they are: Parquet does not check that a text is UTF-8."""
    binary = pyarrow.large_binary() if kind == pyarrow.large_string() else pyarrow.binary()
    return pyarrow.array(cells, binary).view(kind)


NOT_UTF8 = "is not valid UTF-8 (byte 0xff); save the file as UTF-8"


@pytest.mark.parametrize("name", ["id", "grootte", "on", "bedrag"])
@pytest.mark.parametrize("kind", [pyarrow.string(), pyarrow.large_string()])
def test_a_text_cell_that_is_not_utf8_spoils_only_its_row(name, kind, tmp_path):
    good = {"id": b"c", "grootte": b"klein", "on": b"2024-06-01", "bedrag": b"1000.00"}[name]
    table = benchmark(3, **{name: _not_utf8([good, b"kl\xffein"[:2] + b"\xff", None], kind)})
    lines = both_outputs(BENCHMARK, table, tmp_path)
    assert [line["line"] for line in lines] == [1, 2, 3]
    assert lines[0]["eligible"] == "yes" and "error" not in lines[2]
    assert lines[1]["error"] == f"column `{name}`: the text {NOT_UTF8}"
    assert lines[1]["id"] == (None if name == "id" else "c1")


def test_a_text_not_utf8_inside_a_list_of_records_spoils_only_its_row(tmp_path):
    shareholder = pyarrow.struct([("naam", pyarrow.string()), ("aandeel", pyarrow.string())])
    names = _not_utf8([b"An", b"B\xff", b"Cis"])
    items = pyarrow.StructArray.from_arrays([names, pyarrow.array(["20%", "30%", "40%"])], fields=list(shareholder))
    holders = pyarrow.ListArray.from_arrays(pyarrow.array([0, 1, 2, 3], pyarrow.int32()), items)
    table = pyarrow.table({"id": ["a", "b", "c"], "grootte": ["klein"] * 3, "aandeelhouders": holders})
    lines = both_outputs(PROEF, table, tmp_path)
    assert [line.get("error") for line in lines] == [None, f"column `aandeelhouders`: the text {NOT_UTF8}", None]


def _damaged(folder: Path, where) -> Path:
    """30 cases in row groups of 10, one byte of the second group's `grootte` column overwritten."""
    source = folder / "damaged.parquet"
    table = benchmark(30, grootte=pyarrow.array(["klein", "middelgroot", "klein"] * 10))
    pyarrow.parquet.write_table(table, source, row_group_size=10, compression="none")
    chunk = pyarrow.parquet.ParquetFile(source).metadata.row_group(1).column(1)
    data = bytearray(source.read_bytes())
    data[where(chunk)] = 0x7f
    source.write_bytes(bytes(data))
    with pytest.raises((OSError, pyarrow.ArrowException)):  # pyarrow cannot read it: the damage is real
        pyarrow.parquet.read_table(source)
    return source


@pytest.mark.parametrize("where", [
    lambda chunk: chunk.data_page_offset,  # the page header: an OSError
    lambda chunk: chunk.dictionary_page_offset + chunk.total_compressed_size - 3,  # an index: ArrowInvalid
], ids=["page-header", "dictionary-index"])
def test_a_damaged_row_group_spoils_only_its_own_rows(where, tmp_path):
    source = _damaged(tmp_path, where)
    results = [run(BENCHMARK, source, tmp_path / name) for name in ("out.parquet", "out.jsonl")]
    assert [r.exit_code for r in results] == [1, 1] and results[0].stderr == results[1].stderr
    assert "30 case(s): 20 eligible, 0 not eligible, 0 undetermined, 10 error(s)" in results[0].stderr
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    written = pyarrow.parquet.read_table(tmp_path / "out.parquet").to_pylist()
    compiled = rulerun.load(BENCHMARK).engine
    assert [as_record(row, compiled) for row in written] == [{k: line[k] for k in FIELDS if k in line}
                                                             for line in lines]
    assert [line["line"] for line in lines] == list(range(1, 31))
    assert [line.get("eligible") for line in lines] == ["yes"] * 10 + [None] * 10 + ["yes"] * 10
    for line in lines[10:20]:
        assert line["id"] is None
        assert line["error"].startswith("row group 2 of the file cannot be read, so neither can this row: ")
        assert line["error"].endswith("; write the file again from its source")


@pytest.mark.parametrize("rows_at_once", [1, 3, 7, 10, 25, 4096])
def test_after_a_damaged_row_group_every_row_keeps_its_line(rows_at_once, tmp_path):
    """Batches that end inside a row group or span several: each row comes once, the damaged group's as errors."""
    source = _damaged(tmp_path, lambda chunk: chunk.data_page_offset)
    compiled = rulerun.load(BENCHMARK).engine
    by_rows = list(read_parquet(source, compiled, rows_at_once))
    by_columns = [case for chunk in parquet_chunks(source, compiled, rows_at_once)
                  for case in (map(Known, *chunk) if type(chunk) is KnownCases else chunk)]
    for cases in (by_rows, by_columns):
        assert [case.line for case in cases] == list(range(1, 31))
        ids = [f"c{i}" for i in range(30)]
        assert [case.id for case in cases] == ids[:10] + [None] * 10 + ids[20:]
        assert all((getattr(case, "problem", None) is not None) == (10 < case.line <= 20) for case in cases)


ISS = ROOT / "measures" / "innovatieve-starterssteun.yaml"


@pytest.mark.parametrize("column, kind, written", [
    ("starter", pyarrow.struct([("vorm", pyarrow.string()), ("ｖorm", pyarrow.string())]), "ｖorm"),
    ("aandeelhouders", pyarrow.list_(pyarrow.struct([("ｎaam", pyarrow.string()), ("naam", pyarrow.string())])), "ｎaam"),
])
@pytest.mark.parametrize("output", ["out.parquet", "out.jsonl"])
def test_a_record_field_twice_in_its_nfkc_form_is_a_usage_error(column, kind, written, output, tmp_path):
    """As with the header's columns: which of the two values is meant cannot be told, whichever is empty."""
    source = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(pyarrow.table({"id": ["a"], column: pyarrow.nulls(1, kind)}), source)
    result = CliRunner().invoke(main, ["batch", str(ISS), str(source), "-o", str(tmp_path / output), "--on", ON])
    assert result.exit_code == 64 and not (tmp_path / output).exists()
    name = normal_name(written)
    assert f"column `{column}` has the field `{name}` twice (`{written}` is `{name}`)" in result.output
