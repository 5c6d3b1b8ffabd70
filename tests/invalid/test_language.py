"""The expression language's invalid measures, one defect each (or, to show that a syntax error
hides nothing else, one syntax error beside other errors): exit code and message pinned."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

HERE = Path(__file__).parent
MEASURES = sorted(p.name for p in (HERE / "language").glob("*.yaml"))


def run(args, monkeypatch):
    monkeypatch.chdir(HERE)
    result = CliRunner().invoke(main, args)
    return f"exit {result.exit_code}\n{result.output}"


def test_corpus_size():
    assert len(MEASURES) >= 10


@pytest.mark.parametrize("name", MEASURES)
def test_invalid_measure(name, snapshot, monkeypatch):
    out = run(["check", f"language/{name}"], monkeypatch)
    assert out.startswith("exit 2\n")
    assert "Traceback" not in out
    assert out == snapshot
