"""Hostile inputs of the trust audit, one defect per file: exit code and exact output are pinned.

`trustfix/cli/*.args` are command lines run in `trustfix/`; `trustfix/cases/*` are case files
explained under `proef.yaml`; `trustfix/batch/*` are batch inputs decided by it.
"""
from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

HERE = Path(__file__).parent / "trustfix"
COMMANDS = sorted(p.stem for p in (HERE / "cli").glob("*.args"))
CASES = sorted(p.name for p in (HERE / "cases").iterdir())
INPUTS = sorted(p.name for p in (HERE / "batch").iterdir() if p.name != "input.jsonl")


def run(args: list[str], monkeypatch) -> tuple[object, str]:
    monkeypatch.chdir(HERE)
    result = CliRunner().invoke(main, args, prog_name="rulerun")
    out = f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in out and result.exit_code != 70
    return result, out


@pytest.mark.parametrize("name", COMMANDS)
def test_command_line(name, snapshot, monkeypatch):
    before = (HERE / "batch" / "input.jsonl").read_bytes()
    result, out = run(shlex.split((HERE / "cli" / f"{name}.args").read_text(encoding="utf-8")), monkeypatch)
    if name.startswith("usage-"):
        assert result.exit_code == 64
    if name.startswith("test-values-"):  # a wrong expected value is an invalid case, passing ones excepted
        assert result.exit_code == (0 if name.endswith("-right") else 1 if name.endswith("-wrong") else 3)
    if name.startswith("measure-"):
        assert result.exit_code == 2
    if name.startswith("test-names-"):
        assert result.exit_code == 0
    assert (HERE / "batch" / "input.jsonl").read_bytes() == before  # no command may destroy an input
    assert out == snapshot


@pytest.mark.parametrize("name", CASES)
def test_case_file(name, snapshot, monkeypatch):
    result, out = run(["explain", "../proef.yaml", f"cases/{name}", "--on", "2022-02-01"], monkeypatch)
    assert result.exit_code == 3 and f"cases/{name}:" in out
    assert out == snapshot


@pytest.mark.parametrize("name", INPUTS)
def test_batch_input(name, snapshot, monkeypatch):
    fmt = "csv" if name.startswith("csv-out") else "jsonl"
    result, out = run(["batch", "../proef.yaml", f"batch/{name}", "--on", "2022-02-01", "--format", fmt],
                      monkeypatch)
    if fmt == "jsonl" and result.exit_code != 64:
        records = [json.loads(line) for line in result.stdout.splitlines()]
        ids = [r["id"] for r in records if r["id"] is not None]
        assert len(ids) == len(set(ids)), "an error record carries another case's id"
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert out == snapshot
