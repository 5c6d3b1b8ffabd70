"""One defect per command line of the reports (tests/invalid/reports/*.args): exit code and exact output pinned."""
from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

HERE = Path(__file__).parent / "reports"
COMMANDS = sorted(p.stem for p in HERE.glob("*.args"))


def test_corpus_size():
    assert len(COMMANDS) >= 4


@pytest.mark.parametrize("name", COMMANDS)
def test_report_command_line(name, snapshot, monkeypatch):
    monkeypatch.chdir(HERE)
    result = CliRunner().invoke(main, shlex.split((HERE / f"{name}.args").read_text(encoding="utf-8")),
                                prog_name="rulerun")
    out = f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in out and result.exit_code != 70
    if name.startswith("usage-"):
        assert result.exit_code == 64
    if name.startswith("text-control-characters"):
        assert result.exit_code == 0
        assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
    assert out == snapshot
