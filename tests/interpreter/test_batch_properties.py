"""Properties of `rulerun batch` over random records, valid and mangled, in JSON Lines and CSV.

Every good record's outcome equals the Python API's for the same facts; every mangled one is an
error record at its own line; the run never exits 70, and there is one output record per input record.
"""
from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulerun.dsl.errors import RulerunError
from rulerun.interpreter.cli import main
from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.formats.facts import from_text
from rulerun.interpreter.formats.records import RecordProblem
from rulerun.interpreter.formats.receipt import SCHEMA_VERSION, receipt
from rulerun.interpreter.formats.render import decision_json

PROEF = Path(__file__).resolve().parents[1] / "invalid" / "proef.yaml"
MEASURE = load(PROEF)
ON = datetime.date(2022, 2, 1)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- facts, right and wrong -------------------------------------------------------------------------

texts = st.text(max_size=12)
FACT_VALUES = {
    "grootte": st.one_of(st.sampled_from(["klein", "middelgroot", "groot", "reus"]), texts, st.integers()),
    "kost": st.one_of(st.integers(-10, 10**6), st.decimals(-1000, 10**6, places=2, allow_nan=False).map(str),
                      st.sampled_from(["12,50", "€ 300", "=1+2", "-5"]), st.booleans()),
    "aanvraagdatum": st.one_of(st.dates(datetime.date(2015, 1, 1), datetime.date(2030, 1, 1)).map(str),
                               st.sampled_from(["2022-02-30", "gisteren"]), st.integers()),
    "vzw": st.one_of(st.booleans(), st.sampled_from(["ja", "nee"]), st.integers(0, 2)),
    "erkenningsnummer": st.one_of(st.sampled_from(["DV.O225337", "DV.A123456", "@SUM(A1)"]), texts),
    "aandeelhouders": st.one_of(
        st.lists(st.fixed_dictionaries({"naam": texts, "aandeel": st.integers(0, 100).map(lambda p: f"{p}%")}),
                 max_size=3),
        texts),
    "termijn": st.one_of(st.integers(0, 60).map(lambda d: f"{d} days"), texts),
}
# Any subset of the facts, each right or wrong: a left-out fact is missing.
facts_strategy = st.fixed_dictionaries({}, optional=FACT_VALUES)


def expected(ident: str, line: int, raw: dict) -> dict:
    """What the Python API says for these facts, in the shape of a batch record."""
    out = {"id": ident, "line": line}
    try:
        decision = MEASURE.evaluate(MEASURE.read_facts(raw), ON, trace=False)
    except RulerunError as error:
        return dict(out, error="; ".join(d.message for d in error.diagnostics))
    record = decision_json(decision, trace=False)
    del record["measure"], record["notes"]
    return dict(out, **record, schema_version=SCHEMA_VERSION, receipt=receipt(MEASURE.measure, decision))


def _resolved(record: dict) -> dict:
    """A record with its receipt's file paths made absolute: the command line names them relative to where it runs."""
    if "receipt" not in record:
        return record
    receipt = dict(record["receipt"], measure_file=str(Path(record["receipt"]["measure_file"]).resolve()),
                   files={str(Path(k).resolve()): v for k, v in record["receipt"]["files"].items()})
    return dict(record, receipt=receipt)


def run(path: Path) -> tuple[int, list[dict], str]:
    result = CliRunner().invoke(main, ["batch", str(PROEF), str(path), "--on", ON.isoformat()])
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output
    # JSON Lines are split at "\n" only: a text may hold other line separators such as U+0085.
    return result.exit_code, [json.loads(line) for line in result.stdout.split("\n")[:-1]], result.stderr


# -- JSON Lines -------------------------------------------------------------------------------------

def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


MANGLES = {
    "invalid UTF-8": lambda text: text.replace(b'"id"', b'"i\xffd"', 1),
    "lone surrogate": lambda text: text.replace(b'"facts"', b'"\\udc00": 1, "facts"', 1),
    "duplicate key": lambda text: text.replace(b'"facts"', b'"id": "x", "facts"', 1),
    "deep nesting": lambda text: text.replace(b'"facts"', b'"x": ' + b"[" * 3000 + b"]" * 3000 + b', "facts"', 1),
    "huge integer": lambda text: text.replace(b'"facts"', b'"x": ' + b"7" * 5000 + b', "facts"', 1),
    "not JSON": lambda text: text[:-1],
    "not an object": lambda text: b"[" + text + b"]",
}

jsonl_records = st.lists(st.tuples(facts_strategy, st.sampled_from([None, *MANGLES])), min_size=1, max_size=8)


@SETTINGS
@given(jsonl_records, st.booleans())
def test_jsonl_good_records_match_the_api_and_bad_ones_are_error_records(tmp_path_factory, records, bom):
    lines = []
    for number, (facts, mangle) in enumerate(records, 1):
        text = json.dumps({"id": f"r{number}", "facts": facts}, default=_plain).encode()
        lines.append(text if mangle is None else MANGLES[mangle](text))
    path = tmp_path_factory.mktemp("jsonl") / "in.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + b"\n".join(lines) + b"\n")
    code, out, summary = run(path)
    assert len(out) == len(records)
    errors = 0
    for number, ((facts, mangle), got) in enumerate(zip(records, out), 1):
        if mangle is None:
            want = expected(f"r{number}", number, json.loads(json.dumps(facts, default=_plain),
                                                             parse_float=Decimal))
            assert _resolved(got) == _resolved(want)
        else:
            assert got["line"] == number and got["error"], (mangle, got)
        errors += "error" in got
    assert code == (1 if errors else 0)
    assert summary.startswith(f"{len(records)} case(s): ") and f" {errors} error(s);" in summary


# -- CSV --------------------------------------------------------------------------------------------

COLUMNS = ["id", "grootte", "kost", "aanvraagdatum", "vzw", "erkenningsnummer", "aandeelhouders", "termijn"]
cell_text = st.one_of(texts, st.sampled_from(["=1+2", "-5", "@x", "\tx", "a,b", 'a"b', "line\nbreak"]))
CELLS = {
    "grootte": st.one_of(st.sampled_from(["klein", "middelgroot", "groot", ""]), cell_text),
    "kost": st.one_of(st.integers(-10, 10**6).map(str), st.just(""), cell_text),
    "aanvraagdatum": st.one_of(st.dates(datetime.date(2015, 1, 1), datetime.date(2030, 1, 1)).map(str),
                               st.just(""), cell_text),
    "vzw": st.sampled_from(["yes", "no", "ja", "nee", "", "misschien"]),
    "erkenningsnummer": st.one_of(st.sampled_from(["DV.O225337", ""]), cell_text),
    "aandeelhouders": st.one_of(st.sampled_from(['[{"naam": "a", "aandeel": "50%"}]', "[]", ""]), cell_text),
    "termijn": st.one_of(st.sampled_from(["14 days", "31 days", ""]), cell_text),
}
row_strategy = st.fixed_dictionaries(CELLS)

CSV_MANGLES = {
    # Bytes go where they cannot change how the row is framed (inside the id cell, before its comma).
    "invalid UTF-8": lambda row: row.replace(b",", b"\xfe,", 1),
    "a surrogate encoded as UTF-8": lambda row: row.replace(b",", b"\xed\xa0\x80,", 1),
    "duplicate key in a list cell": lambda row: row.replace(b'""naam"": ""a""', b'""naam"": ""a"", ""naam"": ""b""', 1)
    if b'""naam"": ""a""' in row else row.replace(b",", b"\xfe,", 1),
}
# Mangled before writing, cell by cell: cutting bytes could open a quote that swallows the next rows.
LIST = COLUMNS.index("aandeelhouders")
CELL_MANGLES = {
    "too few cells": lambda values: values[:-1],
    "deep nesting in a list cell": lambda values: values[:LIST] + ["[" * 3000 + "]" * 3000] + values[LIST + 1:],
    "huge integer in a list cell": lambda values: values[:LIST] + ['[{"naam": "a", "aandeel": ' + "7" * 5000 + "}]"]
    + values[LIST + 1:],
}
csv_rows = st.lists(st.tuples(row_strategy, st.sampled_from([None, *CELL_MANGLES, *CSV_MANGLES])),
                    min_size=1, max_size=8)


def _csv_line(cells: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue().encode()


@SETTINGS
@given(csv_rows, st.booleans())
def test_csv_good_rows_match_the_api_and_bad_ones_are_error_records(tmp_path_factory, rows, bom):
    data = [(b"\xef\xbb\xbf" if bom else b"") + _csv_line(COLUMNS)]
    starts = []
    line = 2
    for number, (cells, mangle) in enumerate(rows, 1):
        values = [f"r{number}"] + [cells[c] for c in COLUMNS[1:]]
        raw = _csv_line(CELL_MANGLES[mangle](values) if mangle in CELL_MANGLES else values)
        raw = CSV_MANGLES[mangle](raw) if mangle in CSV_MANGLES else raw
        data.append(raw)
        starts.append(line)
        line += raw.count(b"\n")
    path = tmp_path_factory.mktemp("csv") / "in.csv"
    path.write_bytes(b"".join(data))
    code, out, _summary = run(path)
    assert len(out) == len(rows)
    for number, ((cells, mangle), got, start) in enumerate(zip(rows, out, starts), 1):
        if mangle is None:
            try:
                facts = {c: from_text(MEASURE.checked.facts[c], cells[c]) for c in COLUMNS[1:] if cells[c] != ""}
            except RecordProblem as problem:  # only the list column is decoded as it is read
                assert got == {"id": f"r{number}", "line": start, "error": f"column `aandeelhouders`: {problem}"}
                continue
            assert _resolved(got) == _resolved(expected(f"r{number}", start, facts))
        else:
            assert got["line"] == start and got["error"], (mangle, got)
    assert code == (1 if any("error" in r for r in out) else 0)


def test_a_broken_json_list_cell_is_the_same_error_for_batch_and_for_typed_text(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(_csv_line(["id", "aandeelhouders"]) + _csv_line(["r1", "["]))
    code, out, _summary = run(path)
    try:
        from_text(MEASURE.checked.facts["aandeelhouders"], "[")
    except RecordProblem as problem:
        assert str(problem).startswith("not valid JSON")
        assert out == [{"id": "r1", "line": 2, "error": f"column `aandeelhouders`: {problem}"}]
    else:
        raise AssertionError("a list begun as JSON but broken was taken as text")
    assert code == 1
