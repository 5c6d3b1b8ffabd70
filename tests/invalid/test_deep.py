"""Deep measures that are refused: the exact message and exit code are pinned."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.dsl import deep
from rulerun.interpreter.cli import main

HERE = Path(__file__).parent
MEASURES = sorted(p.name for p in (HERE / "deep").glob("*.yaml"))


def run(args, folder: Path, monkeypatch) -> str:
    monkeypatch.chdir(folder)
    monkeypatch.setenv("RULERUN_CACHE_DIR", "")
    result = CliRunner().invoke(main, args)
    return f"exit {result.exit_code}\n{result.output}"


@pytest.mark.parametrize("name", MEASURES)
def test_invalid_deep_measure(name, snapshot, monkeypatch):
    out = run(["check", name], HERE / "deep", monkeypatch)
    assert out.startswith("exit 2")
    assert "Traceback" not in out
    assert out == snapshot


def test_a_cycle_beyond_the_deep_thread(tmp_path, snapshot, monkeypatch):
    """A cycle is checked rule inside rule; one longer than even a deep thread holds (its room made small
    here) is an invalid measure too deep to check, not an internal error."""
    monkeypatch.setattr(deep, "MAX_DEPTH", 3_000)
    head = (HERE / "proef.yaml").read_text().split("rules:")[0].replace("measure: proef", "measure: keten")
    rules = "".join(f"  r{i}:\n    label: {{nl: Stap, en: Step}}\n    source: W01\n    expr: r{(i + 1) % 1_000} + € 1\n"
                    for i in range(1_000))
    (tmp_path / "keten.yaml").write_text(head + "rules:\n" + rules + "decision:\n  eligible: r0 > € 0\n")
    out = run(["check", "keten.yaml"], tmp_path, monkeypatch)
    assert out.startswith("exit 2") and "Traceback" not in out
    assert out == snapshot
