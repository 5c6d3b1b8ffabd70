"""Defects met through the Python API's front door: the message pinned, from the command line and from `rulerun.load`."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import rulerun
from rulerun.dsl.errors import render_all
from rulerun.interpreter.cli import main

HERE = Path(__file__).parent
MEASURES = sorted(p.name for p in (HERE / "api").glob("*.yaml"))


@pytest.mark.parametrize("name", MEASURES)
def test_invalid_measure(name, snapshot, monkeypatch):
    monkeypatch.chdir(HERE)
    result = CliRunner().invoke(main, ["check", f"api/{name}"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"exit {result.exit_code}\n{result.output}" == snapshot


@pytest.mark.parametrize("name", MEASURES)
def test_load_raises_the_same_diagnostics(name, monkeypatch):
    monkeypatch.chdir(HERE)
    with pytest.raises(rulerun.MeasureError) as raised:
        rulerun.load(f"api/{name}")
    assert raised.value.exit_code == 2
    checked = CliRunner().invoke(main, ["check", f"api/{name}"])
    assert render_all(raised.value.diagnostics) in checked.output
