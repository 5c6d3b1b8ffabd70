"""One defect per batch input file: each error record, or the usage error, and the exit code are pinned."""
# Named test_batch_input, not test_batch: pytest needs unique module names, and tests/interpreter/test_batch.py exists.
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

HERE = Path(__file__).parent
INPUTS = sorted(p.name for p in (HERE / "batch").iterdir())
#: Files whose whole header is wrong: nothing can be decided, so no record is written.
USAGE = {"duplicate-header.csv", "unknown-column.csv", "header-invalid-utf8.csv"}
#: Files that are valid apart from what rulerun accepts on purpose (a BOM, Windows line ends).
CLEAN = {"bom.csv", "bom.jsonl", "crlf-and-blank-lines.jsonl"}


def run(args, monkeypatch):
    monkeypatch.chdir(HERE)
    return CliRunner().invoke(main, args)


def test_corpus_size():
    assert len(INPUTS) >= 10


@pytest.mark.parametrize("name", INPUTS)
def test_batch_input(name, snapshot, monkeypatch):
    fmt = "csv" if name.startswith("formula") else "jsonl"
    result = run(["batch", "proef.yaml", f"batch/{name}", "--on", "2022-02-01", "--format", fmt], monkeypatch)
    out = f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in out and "internal error" not in out
    if name in USAGE:
        assert result.exit_code == 64 and result.stdout == ""
    elif name in CLEAN:
        assert result.exit_code == 0
    elif fmt == "jsonl":
        records = [json.loads(line) for line in result.stdout.splitlines()]
        # The good cases around the bad one are decided: the bad one never stops the run.
        assert result.exit_code == 1
        assert [r["id"] for r in records if "error" not in r] == ["goed", "ook-goed"]
        assert [r["eligible"] for r in records if "error" not in r] == ["yes", "yes"]
        assert len([r for r in records if "error" in r]) == 1
    assert out == snapshot
