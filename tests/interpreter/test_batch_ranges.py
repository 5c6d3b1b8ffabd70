"""JSON Lines cut into byte ranges for worker processes: every range boundary gives the same lines and output."""
from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.formats import records
from rulerun.interpreter.formats.records import BOM, MAX_LINE_BYTES, Lines
from rulerun.interpreter.tools import batch
from rulerun.interpreter.tools.batch import ByteRange, byte_ranges, decide_jsonl, range_lines

ROOT = Path(__file__).resolve().parents[2]
PROEF = ROOT / "tests" / "invalid" / "proef.yaml"
GOOD = ('{"id": "goed", "facts": {"grootte": "klein", "kost": 1000, "aanvraagdatum": "2022-01-10", "vzw": false, '
        '"erkenningsnummer": "DV.O225337", "aandeelhouders": [], "termijn": "14 days"}}')
NO = GOOD.replace('"klein"', '"groot"').replace('"goed"', '"nee"')

# Small files where lines are too long for a limit of 8 bytes, with a BOM, CRLF, blank lines, bad UTF-8.
SMALL = {
    "empty": b"",
    "one newline": b"\n",
    "no final newline": b"ab\ncd",
    "bom": BOM + b"ab\n" + BOM + b"cd\n",
    "bom alone": BOM,
    "crlf and blank": b"a\r\n\r\n\n\nb\r\n",
    "bad utf-8": b"\xff\xfe\n\xc3\n\xe2\x82\n",
    "too long": b"0123456789abcdef\nx\n0123456789\n01234567\n012345678\n",
    "too long last, no newline": b"x\n" + b"y" * 40,
    "too long at start with bom": BOM + b"z" * 30 + b"\nq\n",
}


@pytest.fixture
def tiny_limits(monkeypatch):
    """Lines over 8 bytes are too long, skipped 3 bytes at a time; the scan reads 5 bytes, a worker holds 6 at once."""
    monkeypatch.setattr(records, "MAX_LINE_BYTES", 8)
    monkeypatch.setattr(batch, "_HELD_RANGE", 6)
    monkeypatch.setattr(records, "_CHUNK", 3)
    monkeypatch.setattr(batch, "_SCAN_BLOCK", 5)


@pytest.mark.parametrize("name", SMALL)
def test_ranges_cover_the_file_in_whole_lines_numbered_from_the_newlines_before_them(name, tmp_path, tiny_limits):
    data = SMALL[name]
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    for size in range(1, len(data) + 3):
        ranges = list(byte_ranges(path, size))
        assert [start for start, _, _ in ranges] == [0, *(end for _, end, _ in ranges[:-1])][:len(ranges)]
        assert (ranges[-1][1] if ranges else 0) == len(data)
        for start, end, first in ranges:
            assert first == data.count(b"\n", 0, start) + 1
            assert end == len(data) or data[end - 1:end] == b"\n"
            assert end - start >= size or end == len(data)
            inner = data.rfind(b"\n", start, end - 1)  # cutting there would have given a range too short
            assert inner < 0 or inner + 1 - start < size


@pytest.mark.parametrize("name", SMALL)
def test_lines_read_range_by_range_are_the_lines_of_the_whole_file(name, tmp_path, tiny_limits):
    path = tmp_path / "in.jsonl"
    path.write_bytes(SMALL[name])
    with open(path, "rb") as handle:
        whole = list(Lines(handle))
    assert any(raw is None for _, raw in whole) == name.startswith("too long")
    for size in range(1, len(SMALL[name]) + 3):
        parts = [ByteRange(str(path), start, end, first, 2) for start, end, first in byte_ranges(path, size)]
        assert [line for part in parts for line in range_lines(part)] == whole, size


def test_a_range_is_the_shortest_run_of_whole_lines_of_at_least_its_size(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"aaaa\nbb\ncccccc\nd\n\ne")
    assert list(byte_ranges(path, 6)) == [(0, 8, 1), (8, 15, 3), (15, 19, 4)]
    assert list(byte_ranges(path, 1)) == [(0, 5, 1), (5, 8, 2), (8, 15, 3), (15, 17, 4), (17, 18, 5), (18, 19, 6)]


def hostile_file() -> bytes:
    """Every kind of line a range boundary might split: BOM, CRLF, blanks, bad UTF-8, a line over the limit."""
    long = '{"id": "lang", "facts": {"grootte": "' + "k" * (MAX_LINE_BYTES + 10) + '"}}'
    lines = [GOOD, NO, "", "  ", GOOD.replace('"goed"', '"crlf"') + "\r", long, "\r", '{"id": "\xff"}',
             long + long, NO, "[1, 2]", '{"id": 7, "facts": {"kost": 1e999}}', GOOD]
    data = BOM + "\n".join(lines).encode("utf-8").replace("\xff".encode("utf-8"), b"\xff")
    return data + b"\n" + b'{"id": "slot", "facts": {}}'  # the last line without a newline


def test_worker_ranges_give_the_output_of_one_process_wherever_the_boundaries_fall(tmp_path):
    path = tmp_path / "in.jsonl"
    data = hostile_file()
    path.write_bytes(data)
    compiled = load(PROEF)
    on = datetime.date(2022, 2, 1)

    def run(jobs: int, **options) -> tuple[str, str]:
        texts, total = [], batch.Summary()
        for text, summary in decide_jsonl(PROEF, compiled, path, on, jobs, **options):
            texts.append(text)
            total.merge(summary)
        return "".join(texts), str(total)

    one = run(1)
    assert one[0].count("\n") == 11 and "longer than 1 MiB" in one[0] and '"line": 14' in one[0]
    assert "not valid UTF-8" in one[0] and "goed" in one[0] and "eligible" in one[0]
    for size in (1, 40, 300, MAX_LINE_BYTES, len(data)):
        assert run(2, range_bytes=size, chunk=2) == one, size
    assert run(2) == one


def test_an_empty_file_gives_no_output_with_workers(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"")
    assert list(decide_jsonl(PROEF, load(PROEF), path, datetime.date(2022, 2, 1), 2, range_bytes=1)) == []
