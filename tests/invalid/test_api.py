"""Defects met through the Python API: the message pinned, from the command line and from `rulerun` calls."""
from __future__ import annotations

import datetime
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


SIMPLE = HERE.parent / "benchmarks" / "kmo-eenvoudig.yaml"
MISUSES = {
    "date-as-text": lambda m: m.decide({}, on="2024-06-01"),
    "date-with-a-time": lambda m: m.decide({}, on=datetime.datetime(2024, 6, 1, 9, 30)),
    "case-date-as-text": lambda m: next(m.decide_many([({}, "2024-06-01")])),
    "record-of-three": lambda m: next(m.decide_many([({}, datetime.date(2024, 6, 1), "extra")])),
    "facts-not-a-mapping": lambda m: m.decide(["grootte", "klein"], on=datetime.date(2024, 6, 1)),
}


@pytest.mark.parametrize("name", sorted(MISUSES))
def test_a_call_the_api_cannot_use(name, snapshot):
    """A wrong argument is refused with a message and the exit code a command would give, never decided anyway."""
    measure = rulerun.load(SIMPLE)
    try:
        result = MISUSES[name](measure)
    except rulerun.RulerunError as error:
        result = error
    assert isinstance(result, rulerun.RulerunError)
    assert f"exit {result.exit_code}\n{render_all(result.diagnostics)}\n" == snapshot
