"""CSV and JSON Lines input for the duckdb engine: the same records as the Python batch path, error records included."""
from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulerun
from rulerun.interpreter.cli import main
from rulerun.interpreter.formats.tables import read_csv
from rulerun.interpreter.tools import batch as runner
from rulerun.interpreter.tools.sqlbatch import sql_records

ROOT = Path(__file__).resolve().parents[2]
BENCHMARK = ROOT / "tests" / "benchmarks" / "kmo-eenvoudig.yaml"
TRIAL = ROOT / "tests" / "interpreter" / "sql_trial" / "proef.yaml"
NESTED = ROOT / "tests" / "interpreter" / "sql_trial" / "en.yaml"
ON = datetime.date(2025, 1, 1)


def python_records(measure: Path, path: Path) -> list[dict]:
    compiled = rulerun.load(measure).engine
    items = read_csv(path, compiled) if path.suffix == ".csv" else runner.read_jsonl(path)
    return list(runner.decide_all(measure, compiled, items, ON))


def agree(measure: Path, path: Path, monkeypatch) -> tuple[list[dict], list[int]]:
    """The duckdb engine's records equal the Python batch path's; also the lines the Python engine decided for it."""
    decided: list[int] = []
    original = runner.decide_items

    def counted(compiled, items, default_on):
        decided.extend(item.line for item in items)
        return original(compiled, items, default_on)
    monkeypatch.setattr(runner, "decide_items", counted)
    ours = list(sql_records(rulerun.load(measure).engine, path, ON))
    monkeypatch.setattr(runner, "decide_items", original)
    theirs = python_records(measure, path)
    assert ours == theirs
    return ours, sorted(decided)


GOOD = '"id": "a", "facts": {"grootte": "klein", "pijler": "advies", "bedrag": 1000.00, "start": "2024-03-01", ' \
       '"aanvraag": "2024-03-05", "ontvangen": 0}'


def test_json_lines_good_and_bad_records(tmp_path, monkeypatch):
    lines = [
        "{" + GOOD + "}",  # 1: the query's
        '{"facts": {"grootte": "klein", "pijler": "advies", "bedrag": "1000.005"}}',  # 2: more than two decimals
        "",  # 3: blank, skipped, still counted
        '{"id": 7, "on": "2024-03-10", "facts": {"grootte": "reus"}}',  # 4: not a value of the enum
        "not json",  # 5
        '{"id": "y", "facts": {"grootte": "groot", "bedrag": "€ 1.000,50"}}',  # 6: refused, with a suggestion
        # 7: a date before the first rate: the query leaves it to Python, which reports the error
        '{"id": "z", "facts": {"grootte": "klein", "pijler": "advies", "bedrag": 1000, "start": "2015-01-01", '
        '"aanvraag": "2015-01-02", "ontvangen": 0}}',
        '{"id": true, "facts": {}}',  # 8: an id that is no text or whole number
        '{"id": "u", "facts": {}, "extra": 1}',  # 9: an unknown key
        '{"id": "v"}',  # 10: no facts
        '{"id": "w", "on": "1 maart 2024", "facts": {}}',  # 11: `on` not a date
        '{"id": "s", "on": "2024-03-10", "facts": {"grootte": "middelgroot", "pijler": "opleiding", '
        '"bedrag": "2500.5", "start": "2024-03-01", "aanvraag": "2024-03-09"}}',  # 12: the query's, own `on`
        '{"facts": {"grootte": "klein", "bedrag": 5000}}',  # 13: undetermined, the query's
        '{"id": 12, "facts": {"grootte": "klein", "bedrag": 1e3, "pijler": "advies"}}',  # 14: 1e3 as the reader takes it
        '{"id": "t", "facts": {"grootte": "klein", "onbekend": 1}}',  # 15: a fact the measure does not have
        '[1, 2]',  # 16: not an object
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n")
    records, by_python = agree(BENCHMARK, path, monkeypatch)
    assert [r["line"] for r in records] == [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    assert records[0]["eligible"] == "yes" and records[10]["evaluated_on"] == "2024-03-10"
    assert "error" in records[5] and records[11]["eligible"] == "undetermined"
    # Only what cannot be read, or what the query cannot vouch for, is decided by the Python engine.
    assert 1 not in by_python and 12 not in by_python and 13 not in by_python
    assert {2, 4, 5, 6, 7, 8, 9, 10, 11, 15, 16} <= set(by_python)


def test_csv_good_and_bad_rows(tmp_path, monkeypatch):
    text = ('id,grootte,pijler,bedrag,start,aanvraag,ontvangen,on\n'
            'a,klein,advies,1000.00,2024-03-01,2024-03-05,0,\n'  # 2: the query's
            ',klein,advies,1000.005,,,,\n'  # 3: more than two decimals; its id is its line
            '\n'  # 4: blank
            'b,reus,advies,,,,,\n'  # 5
            'c,klein,advies,100,2024-03-01,2024-03-05\n'  # 6: a cell short
            '"d\n2",middelgroot,opleiding,"2500.5",2024-03-01,2024-03-09,,2024-03-10\n'  # 7: an id over two lines
            'e,klein,advies,1000,2024-02-30,2024-03-05,0,\n'  # 9: not a calendar date
            'f,klein,advies,"1.000,50",2024-03-01,2024-03-05,0,\n'  # 10: refused with a suggestion
            'g,klein,advies,1000,2015-01-01,2015-01-02,0,\n'  # 11: before the first rate
            'h,groot,,,,,,2024-13-01\n')  # 12: `on` not a date
    path = tmp_path / "cases.csv"
    path.write_text(text)
    records, by_python = agree(BENCHMARK, path, monkeypatch)
    assert [r["line"] for r in records] == [2, 3, 5, 6, 7, 9, 10, 11, 12]
    assert records[1]["id"] == "3" and records[4]["id"] == "d\n2" and records[4]["evaluated_on"] == "2024-03-10"
    assert 2 not in by_python and 7 not in by_python
    assert {3, 5, 6, 9, 10, 11, 12} <= set(by_python)


def test_cli_output_is_the_python_batch_paths(tmp_path):
    """Byte for byte, with the same summary and exit code (1: some case failed)."""
    path = tmp_path / "cases.jsonl"
    path.write_text("{" + GOOD + "}\n" + '{"facts": {"grootte": "reus"}}\n')
    for fmt in ("jsonl", "csv"):
        python = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(path), "--on", "2025-01-01", "--format", fmt])
        duck = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(path), "--on", "2025-01-01", "--format", fmt,
                                         "--engine", "duckdb"])
        assert (duck.exit_code, duck.output) == (python.exit_code, python.output) == (1, python.output)
        assert "1 error(s)" in python.output


def test_parquet_output_from_text_input_is_refused(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("grootte\nklein\n")
    result = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(path), "--engine", "duckdb",
                                       "-o", str(tmp_path / "out.parquet")])
    assert result.exit_code == 64
    assert "the duckdb engine writes Parquet output from Parquet input only" in result.output
    assert not (tmp_path / "out.parquet").exists()


def test_a_bad_header_is_the_same_usage_error(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("grootte,kleur\nklein,rood\n")
    python = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(path)])
    duck = CliRunner().invoke(main, ["batch", str(BENCHMARK), str(path), "--engine", "duckdb"])
    assert duck.exit_code == python.exit_code == 64
    assert duck.output == python.output and "column `kleur` is not a fact of the measure" in duck.output


# -- the bundled cases -------------------------------------------------------------------------------

def bundled(measure: str) -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted((ROOT / "measures" / "cases" / measure).glob("*.yaml"))]


def plain_json(value) -> object:
    if isinstance(value, dict):
        return {k: plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_json(v) for v in value]
    return value.isoformat() if isinstance(value, datetime.date) else value


def flat_cells(facts: dict, prefix: str = "") -> dict[str, str]:
    """A case's facts as CSV cells: a record's fields dotted, a list as JSON."""
    out: dict[str, str] = {}
    for name, value in facts.items():
        if isinstance(value, dict):
            out.update(flat_cells(value, f"{prefix}{name}."))
        elif isinstance(value, list):
            out[prefix + name] = json.dumps(plain_json(value))
        elif isinstance(value, bool):
            out[prefix + name] = "true" if value else "false"
        else:
            out[prefix + name] = str(plain_json(value))
    return out


@pytest.mark.parametrize("measure", ["innovatieve-starterssteun", "kmo-portefeuille", "rentetoelage-hinder-openbare-werken"])
def test_bundled_cases_as_json_lines_and_csv_agree(measure, tmp_path, monkeypatch):
    path = ROOT / "measures" / f"{measure}.yaml"
    cases = bundled(measure)
    jsonl = tmp_path / "cases.jsonl"
    jsonl.write_text("".join(json.dumps({"id": case["name"], **({"on": case["on"].isoformat()} if "on" in case else {}),
                                         "facts": plain_json(case.get("facts") or {})}) + "\n" for case in cases))
    records, by_python = agree(path, jsonl, monkeypatch)
    assert len(records) == len(cases)
    print(f"{measure}, JSON Lines: {len(cases) - len(by_python)} of {len(cases)} cases decided by the query")
    assert len(by_python) < len(cases) // 2
    rows = [{"id": case["name"], "on": case["on"].isoformat() if "on" in case else "",
             **flat_cells(case.get("facts") or {})} for case in cases]
    header = list(dict.fromkeys(name for row in rows for name in row))
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows([[row.get(name, "") for name in header] for row in rows])
    table = tmp_path / "cases.csv"
    table.write_text(text.getvalue())
    records, by_python = agree(path, table, monkeypatch)
    assert len(records) == len(cases)
    print(f"{measure}, CSV: {len(cases) - len(by_python)} of {len(cases)} cases decided by the query")
    assert len(by_python) < len(cases) // 2


# -- random records, good and bad --------------------------------------------------------------------

#: JSON texts of values, as a person or a program may write them, that the reader takes (some converting them)…
GOOD_VALUES = {
    "grootte": ['"klein"', '"middelgroot"', '"groot"'],
    "bedrag": ["1000.00", "0", '"1000"', "1e3", "999999999999999.99", '"12.5"', "333.35"],
    "korting": ["0", "50", '"25.5"'],
    "personeel": ["0", "3", "9.9", "250", '"12"', "1.5e1"],
    "start": ['"2024-01-31"', '"2022-07-01"'],
    "aanvraag": ['"2024-04-30"', '"2024-05-01"', '"2017-12-31"', '"2027-01-01"', '"2022-07-01"'],
    "erkend": ["true", "false", '"ja"', '"nee"'],
}
#: …and that it refuses, or that the query leaves to it.
BAD_VALUES = {
    "grootte": ['"Klein"', '"reus"', "1", "true"],
    "bedrag": ["1000.005", "-5", '"€ 1.000,50"', "1000000000000000.01", '"abc"', "true"],
    "korting": ["50.01", "12.345"],
    "personeel": ["251", "-1", "0.12345678901"],
    "start": ['"2024-02-30"', '"31/01/2024"', '"0000-01-01"', "20240131"],
    "aanvraag": ['"2024-4-30"'],
    "erkend": ['"yes"', "1", '"misschien"'],
}
JSON_VALUES = {name: GOOD_VALUES[name] + BAD_VALUES[name] for name in GOOD_VALUES}
#: A case's values: all taken (mostly decided by the query), or any.
VALUES = st.one_of(
    st.fixed_dictionaries({n: st.one_of(st.none(), st.sampled_from(v)) for n, v in GOOD_VALUES.items()}),
    st.fixed_dictionaries({n: st.one_of(st.none(), st.sampled_from(v)) for n, v in JSON_VALUES.items()}))


def json_line(values: dict[str, str | None], ident: str | None, on: str | None) -> str:
    facts = ", ".join(f'"{name}": {text}' for name, text in values.items() if text is not None)
    head = (f'"id": {ident}, ' if ident is not None else "") + (f'"on": {on}, ' if on is not None else "")
    return "{" + head + '"facts": {' + facts + "}}"


CASE_LINE = st.builds(json_line, VALUES, st.one_of(st.none(), st.sampled_from(['"a"', "7", "-1", '""', "1.5"])),
                      st.one_of(st.none(), st.sampled_from(['"2024-03-10"', "null", '"2024-3-10"'])))
#: Mostly cases; now and then a line that is blank, no JSON, or no case.
LINES = st.lists(st.one_of(CASE_LINE, CASE_LINE, CASE_LINE, st.sampled_from(
    ["", "not json", "[]", '{"facts": []}', '{"id": "x", "facts": {"kleur": "rood"}}'])), min_size=1, max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=LINES)
def test_random_json_lines_agree(tmp_path, monkeypatch, lines):
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n")
    agree(TRIAL, path, monkeypatch)


def cell_text(text: str | None) -> str:
    """The cell a JSON text of a value becomes in CSV: a string unquoted, anything else as written."""
    if text is None:
        return ""
    return json.loads(text) if text.startswith('"') else text


ROWS = st.lists(st.tuples(VALUES,
                          st.sampled_from(["", "a", "7"]), st.sampled_from(["", "2024-03-10", "2024-3-10"])),
                min_size=1, max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
def test_random_csv_rows_agree(tmp_path, monkeypatch, rows):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["id", "on", *JSON_VALUES])
    writer.writerows([[ident, on, *(cell_text(v) for v in values.values())] for values, ident, on in rows])
    path = tmp_path / "cases.csv"
    path.write_text(text.getvalue())
    agree(TRIAL, path, monkeypatch)


NESTED_VALUES = {"a": ["true", "false", '"ja"'], "b": ["true", "false"], "n": ["0", "3", "5", "10", "50.1", "95", "101"],
                 "d": ['"2019-12-31"', '"2023-01-02"', '"2020-02-30"'], "k": ['"x"', '"y"', '"z"', '"w"']}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.fixed_dictionaries({n: st.one_of(st.none(), st.sampled_from(v))
                                             for n, v in NESTED_VALUES.items()}), min_size=1, max_size=12))
def test_random_nested_json_lines_agree(tmp_path, monkeypatch, lines):
    """The failed lists of nested `and`s from JSON Lines, unknown facts included."""
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json_line(values, None, None) + "\n" for values in lines))
    agree(NESTED, path, monkeypatch)


def test_cases_are_decided_a_part_at_a_time(tmp_path, monkeypatch):
    """Parts of three cases: each its own run of the query, the records still in the file's order with their lines."""
    from rulerun.interpreter.tools import sqlcases
    path = tmp_path / "cases.jsonl"
    lines = ["{" + GOOD + "}", "not json", "", '{"facts": {"grootte": "reus"}}', "{" + GOOD.replace('"a"', '"b"') + "}",
             '{"facts": {"grootte": "klein", "bedrag": 5000}}', "{" + GOOD.replace('"a"', '"c"') + "}"]
    path.write_text("\n".join(lines) + "\n")
    whole, _ = agree(BENCHMARK, path, monkeypatch)
    runs: list[int] = []
    compiled = rulerun.load(BENCHMARK).engine
    original = sqlcases._decide_part

    def counted(compiled, items, default_on, query_rows):
        runs.append(items[0].line)
        return original(compiled, items, default_on, query_rows)
    monkeypatch.setattr(sqlcases, "PART", 3)
    monkeypatch.setattr(sqlcases, "_decide_part", counted)
    assert list(sql_records(compiled, path, ON)) == whole
    assert runs == [1, 5]  # the blank line 3 is no case
    assert [r["line"] for r in whole] == [1, 2, 4, 5, 6, 7]
