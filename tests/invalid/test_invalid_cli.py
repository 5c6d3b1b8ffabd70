"""One defect per command line (tests/invalid/cli/*.args): exit code and exact output are pinned."""
from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

HERE = Path(__file__).parent
COMMANDS = sorted(p.stem for p in (HERE / "cli").glob("*.args"))


def test_corpus_size():
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize("name", COMMANDS)
def test_command_line(name, snapshot, monkeypatch):
    monkeypatch.chdir(HERE)
    args = shlex.split((HERE / "cli" / f"{name}.args").read_text(encoding="utf-8"))
    result = CliRunner().invoke(main, args, prog_name="rulerun")
    out = f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in out and result.exit_code != 70
    if name.startswith(("usage-", "ask-save-")):
        assert result.exit_code == 64
    if name.startswith(("expect-", "name-")):
        assert result.exit_code == 3
    if name.startswith(("expect-", "test-invalid-")) and args[0] == "test":
        # A name the measure does not know is an error (not a failing case), and its summary counts it so.
        assert result.output.rstrip().endswith((", 0 failed, 1 error(s)", "1 failed, 7 error(s)"))
    if name.startswith("test-a-failing-case"):
        assert result.exit_code == 1
    if name.startswith("text-control-characters"):
        assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
    assert out == snapshot
