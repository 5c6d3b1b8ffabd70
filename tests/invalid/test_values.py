"""Case values read exactly: one defect per file, each refused with its position, message and hint pinned."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

HERE = Path(__file__).parent
CASES = sorted(p.name for p in (HERE / "values").iterdir())


def run(args, monkeypatch) -> str:
    monkeypatch.chdir(HERE)
    result = CliRunner().invoke(main, args)
    return f"exit {result.exit_code}\n{result.output}"


def test_corpus_size():
    assert len(CASES) >= 12


@pytest.mark.parametrize("name", CASES)
def test_a_wrong_value_is_a_positioned_case_error(name, snapshot, monkeypatch):
    out = run(["explain", "proef.yaml", f"values/{name}"], monkeypatch)
    assert out.startswith("exit 3")
    assert "Traceback" not in out and "internal error" not in out
    assert f"values/{name}:" in out  # every one names the file and a line
    assert out == snapshot
