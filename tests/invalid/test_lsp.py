"""The language server's own messages, one defect per file: what the editor shows for a case, pinned."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.dsl.errors import render_all
from rulerun.interpreter.cli import main
from rulerun.interpreter.lsp.casefiles import check_case
from rulerun.interpreter.lsp.workspace import Workspace, measure_of_case

HERE = Path(__file__).parent
CASES = sorted(str(p.relative_to(HERE)) for p in (HERE / "lsp" / "cases").rglob("*.yaml"))


@pytest.mark.parametrize("name", CASES)
def test_a_case_in_the_editor(name, snapshot, monkeypatch):
    monkeypatch.chdir(HERE)
    path = Path(name)
    analysis = Workspace().analyse(measure_of_case(path).resolve())
    result = check_case(path, path.read_text(encoding="utf-8"), analysis)
    assert result.diagnostics and not result.passed
    out = render_all(result.diagnostics)
    assert "Traceback" not in out
    assert out == snapshot


def test_the_command_without_its_extra(snapshot, monkeypatch):
    for module in ("pygls", "rulerun.interpreter.lsp.server"):
        monkeypatch.setitem(sys.modules, module, None) if module == "pygls" else monkeypatch.delitem(
            sys.modules, module, raising=False)
    result = CliRunner().invoke(main, ["lsp"])
    out = f"exit {result.exit_code}\n{result.output}"
    assert out.startswith("exit 64")
    assert out == snapshot
