"""Batch records: hostile lines and cells spoil only their own record, conflicts are refused, output is safe."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.tools.batch import spreadsheet_text
from rulerun.interpreter.cli import main
from rulerun.interpreter.formats.records import MAX_LINE_BYTES, RecordProblem, decode_json
from rulerun.interpreter.formats.tables import count_cases

ROOT = Path(__file__).resolve().parents[2]
INVALID = ROOT / "tests" / "invalid"
PROEF = str(INVALID / "proef.yaml")
GOOD = ('{"id": "goed", "facts": {"grootte": "klein", "kost": 1000, "aanvraagdatum": "2022-01-10", "vzw": false, '
        '"erkenningsnummer": "DV.O225337", "aandeelhouders": [], "termijn": "14 days"}}')


def batch(*args: str):
    return CliRunner().invoke(main, ["batch", *args])


def records(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_line_over_the_limit_is_one_error_record_and_is_never_held_whole(tmp_path):
    long = '{"id": "lang", "facts": {"grootte": "' + "k" * (MAX_LINE_BYTES + 10) + '"}}'
    (tmp_path / "in.jsonl").write_text("\n".join([GOOD, long, GOOD]) + "\n")
    result = batch(PROEF, str(tmp_path / "in.jsonl"), "--on", "2022-02-01")
    assert result.exit_code == 1
    assert [(r["line"], r.get("error")) for r in records(result)] == [
        (1, None), (2, "the line is longer than 1 MiB, the most one case may take"), (3, None)]


def test_a_csv_line_over_the_limit_inside_a_quoted_cell_skips_the_whole_record(tmp_path):
    head = "id,grootte,kost\n"
    long = 'lang,"klein\n' + "k" * (MAX_LINE_BYTES + 10) + '\nnep,klein,5\n",5\n'
    (tmp_path / "in.csv").write_text(head + "a,klein,5\n" + long + "b,groot,5\n")
    result = batch(PROEF, str(tmp_path / "in.csv"), "--on", "2022-02-01")
    assert result.exit_code == 1
    # The line `nep,klein,5` is inside the bad record's quoted cell: it is not a case of its own.
    assert [(r["id"], r["line"], r.get("error")) for r in records(result)] == [
        ("a", 2, None), (None, 3, "the line is longer than 1 MiB, the most one case may take"), ("b", 7, None)]


def test_two_csv_columns_giving_the_same_fact_are_refused_per_record(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    (tmp_path / "in.csv").write_text('id,dienst,dienst.bedrag\na,"{}",1000\nb,,1000\n')
    result = batch("kmo-portefeuille", str(tmp_path / "in.csv"), "--on", "2022-02-01")
    got = records(result)
    assert got[0]["error"] == ("columns `dienst` and `dienst.bedrag` both give `dienst.bedrag`; "
                               "give each fact in one column only")
    assert "error" not in got[1] or "both give" not in got[1]["error"]


def test_a_parquet_record_column_and_a_dotted_column_giving_the_same_fact_are_refused(tmp_path, monkeypatch):
    import pyarrow
    import pyarrow.parquet
    monkeypatch.chdir(ROOT)
    table = pyarrow.table({"id": ["a", "b"], "dienst": [{"bedrag": "1000"}, None], "dienst.bedrag": ["2000", "2000"]})
    pyarrow.parquet.write_table(table, tmp_path / "in.parquet")
    result = batch("kmo-portefeuille", str(tmp_path / "in.parquet"), "--on", "2022-02-01")
    assert result.exit_code == 1
    got = records(result)
    assert [(r["id"], r["line"]) for r in got] == [("a", 1), ("b", 2)]
    assert got[0]["error"] == ("columns `dienst` and `dienst.bedrag` both give `dienst.bedrag`; "
                               "give each fact in one column only")
    assert "both give" not in got[1].get("error", "")


def test_a_parquet_column_given_twice_is_a_usage_error(tmp_path):
    import pyarrow
    import pyarrow.parquet
    table = pyarrow.Table.from_arrays([pyarrow.array(["klein"]), pyarrow.array(["groot"])], names=["grootte", "grootte"])
    pyarrow.parquet.write_table(table, tmp_path / "in.parquet")
    result = batch(PROEF, str(tmp_path / "in.parquet"))
    assert result.exit_code == 64 and result.stdout == ""
    assert "column `grootte` appears twice in the header" in result.stderr


HOSTILE = sorted(p.name for p in (INVALID / "batch").iterdir() if p.name not in
                 {"duplicate-header.csv", "unknown-column.csv", "header-invalid-utf8.csv"})


@pytest.mark.parametrize("name", HOSTILE)
def test_worker_processes_give_the_same_records_for_hostile_input(name):
    path = str(INVALID / "batch" / name)
    one, two = batch(PROEF, path, "--on", "2022-02-01"), batch(PROEF, path, "--on", "2022-02-01", "--jobs", "2")
    assert one.exit_code == two.exit_code and one.exit_code in (0, 1)
    assert one.stdout == two.stdout


@pytest.mark.parametrize("text, problem", [
    ('{"a": 1, "a": 1}', "the key `a` is given twice in one object; give each key once"),
    ('{"a": Infinity}', "`Infinity` is not a number; JSON has no NaN or Infinity"),
    ('{"a": -1' + "0" * 120 + "}", "a number of 122 characters is too long (the limit is 100)"),
    ('{"a": 1e-101}', "the number `1e-101` is out of range: its power of ten must lie within ±100"),
    ('{"\\udc80": 1}', "`\\udc80` is half of a surrogate pair, not a character; write the character itself or its "
                       "full pair"),
    ('[' * 65 + ']' * 65, "lists and objects are nested more than 64 levels deep"),
    ('{"a": 1', "not valid JSON: Expecting ',' delimiter at column 8"),
])
def test_the_record_decoder_refuses_what_cannot_be_read_exactly(text, problem):
    with pytest.raises(RecordProblem) as caught:
        decode_json(text)
    assert str(caught.value) == problem


def test_the_record_decoder_keeps_numbers_exact_and_accepts_what_is_within_bounds():
    from decimal import Decimal
    value = decode_json('{"a": 0.1, "b": 12, "c": "\\ud83d\\ude00", "d": ' + "[" * 63 + "]" * 63 + "}")
    assert value["a"] == Decimal("0.1") and isinstance(value["a"], Decimal) and value["b"] == 12
    assert value["c"] == "\U0001F600"


@pytest.mark.parametrize("cell, shown", [
    ("=1+2", "'=1+2"), ("+31 2", "'+31 2"), ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("-150.00", "-150.00"), ("-5", "-5"), ("-12.5%", "-12.5%"), ("klein", "klein"), ("", ""),
])
def test_csv_output_shows_formula_like_text_as_text_and_keeps_numbers(cell, shown):
    assert spreadsheet_text(cell) == shown


def test_the_progress_count_reads_bytes_that_are_not_utf8(tmp_path):
    (tmp_path / "in.jsonl").write_bytes(b'{"id": "\xff"}\n{}\n')
    assert count_cases(tmp_path / "in.jsonl") == 2


def test_diff_reports_bad_case_files_and_records_and_goes_on(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "a-diep.yaml").write_text("facts: {kost: " + "[" * 5000 + "]" * 5000 + "}\n")
    (folder / "b-kapot.yaml").write_bytes(b"facts: {grootte: \"kl\xffein\"}\n")
    (folder / "c-goed.yaml").write_text("facts: {grootte: klein, kost: 1000}\n")
    result = CliRunner().invoke(main, ["diff", PROEF, PROEF, str(folder), "--on", "2022-02-01", "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["cases"] == 3 and data["changed"] == 0
    assert data["errors"] == [
        {"id": "a-diep", "line": 1, "error": "lists and mappings are nested more than 100 levels deep"},
        {"id": "b-kapot", "line": 1, "error": "the file is not UTF-8 text (byte 0xff at line 1, column 21)"}]
    lines = tmp_path / "in.jsonl"
    lines.write_bytes(b'{"id": "\xff"}\n' + GOOD.encode() + b'\n{"facts": {"kost": ' + b"9" * 5000 + b"}}\n")
    result = CliRunner().invoke(main, ["diff", PROEF, PROEF, str(lines), "--on", "2022-02-01", "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    # Neither record's id can be read: it is null, never a value that another case's id could be.
    assert data["cases"] == 3 and [(e["id"], e["line"]) for e in data["errors"]] == [(None, 1), (None, 3)]


def test_a_parquet_id_that_is_not_a_text_or_whole_number_is_refused_not_shown_as_bytes(tmp_path):
    import pyarrow
    import pyarrow.parquet
    table = pyarrow.table({"id": pyarrow.array([b"\xff", None], pyarrow.binary()), "grootte": ["klein", "klein"]})
    pyarrow.parquet.write_table(table, tmp_path / "in.parquet")
    result = batch(PROEF, str(tmp_path / "in.parquet"), "--on", "2022-02-01")
    got = records(result)
    assert got[0] == {"id": None, "line": 1, "error": "`id` must be a text or a whole number"}
    assert got[1]["id"] == "2" and "error" not in got[1]


def _with_bug_for(monkeypatch, method: str, marker) -> None:
    """Make CompiledMeasure.`method` fail like a bug (not a rulerun error) for facts whose kost is `marker`."""
    from rulerun.interpreter.engine.evaluator import CompiledMeasure
    original = getattr(CompiledMeasure, method)

    def buggy(self, facts, *args, **kwargs):
        if facts.get("kost") == marker:
            raise ArithmeticError("a bug")
        return original(self, facts, *args, **kwargs)
    monkeypatch.setattr(CompiledMeasure, method, buggy)


def _three_cases(tmp_path, marker: str) -> Path:
    bad = GOOD.replace('"goed"', '"stuk"').replace('"kost": 1000', f'"kost": {marker}')
    (tmp_path / "in.jsonl").write_text("\n".join([GOOD, bad, GOOD.replace('"goed"', '"ook-goed"')]) + "\n")
    return tmp_path / "in.jsonl"


@pytest.mark.parametrize("where", ["reading the facts", "deciding"])
def test_a_bug_met_by_one_case_keeps_the_other_decisions_and_ends_with_exit_70(where, tmp_path, monkeypatch):
    from decimal import Decimal

    from rulerun.interpreter.engine.evaluator import CompiledMeasure
    if where == "reading the facts":
        _with_bug_for(monkeypatch, "read_facts", 666)
    else:
        # Deciding together fails as a whole; deciding alone finds the one case with the bug.
        import rulerun.interpreter.tools.batch as batch_tool

        def together(*_args, **_kwargs):
            raise ArithmeticError("met while deciding together")
        monkeypatch.setattr(batch_tool, "decide_columns", together)  # the columns the records are written from
        monkeypatch.setattr(CompiledMeasure, "decide_many", lambda self, pairs, chunk=1000: iter([1 / 0]))
        _with_bug_for(monkeypatch, "evaluate", Decimal(666))
    result = batch(PROEF, str(_three_cases(tmp_path, "666")), "--on", "2022-02-01")
    assert result.exit_code == 70
    got = records(result)
    assert [(r["id"], r.get("eligible")) for r in got] == [("goed", "yes"), ("stuk", None), ("ook-goed", "yes")]
    assert got[1]["error"] == ("internal error: a bug in rulerun, not in this case (ArithmeticError); "
                               "please report it with this case's line")
    assert "internal error: 1 case(s) met a bug in rulerun" in result.stderr


def test_diff_lists_a_case_that_met_a_bug_compares_the_others_and_ends_with_exit_70(tmp_path, monkeypatch):
    _with_bug_for(monkeypatch, "read_facts", 666)
    result = CliRunner().invoke(main, ["diff", PROEF, PROEF, str(_three_cases(tmp_path, "666")),
                                       "--on", "2022-02-01", "--format", "json"])
    assert result.exit_code == 70
    data = json.loads(result.stdout)
    assert data["cases"] == 3 and data["total_before"] == data["total_after"] == "600.00"
    assert data["errors"] == [{"id": "stuk", "line": 2, "error": "internal error: a bug in rulerun, not in this case "
                                                      "(ArithmeticError); please report it with this case"}]
