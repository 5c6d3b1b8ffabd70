"""One defect per file: the exact message (file:line:col, wording, hint) and exit code are pinned."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

HERE = Path(__file__).parent
MEASURES = sorted(p.name for p in (HERE / "measures").glob("*.yaml"))
CASES = sorted(p.name for p in (HERE / "cases").iterdir())


def run(args, monkeypatch):
    monkeypatch.chdir(HERE)
    result = CliRunner().invoke(main, args)
    return f"exit {result.exit_code}\n{result.output}"


def test_corpus_size():
    assert len(MEASURES) + len(CASES) >= 40


@pytest.mark.parametrize("name", MEASURES)
def test_invalid_measure(name, snapshot, monkeypatch):
    out = run(["check", f"measures/{name}"], monkeypatch)
    assert not out.startswith("exit 0")
    assert "Traceback" not in out
    assert out == snapshot


@pytest.mark.parametrize("name", CASES)
def test_invalid_case(name, snapshot, monkeypatch):
    out = run(["explain", "proef.yaml", f"cases/{name}", "--on", "2022-02-01"], monkeypatch)
    assert out.startswith("exit 3")
    assert "Traceback" not in out
    assert out == snapshot


def test_the_valid_case_passes(monkeypatch):
    out = run(["explain", "proef.yaml", "valid-case.yaml", "--on", "2022-02-01"], monkeypatch)
    assert out.startswith("exit 0") and "Eligible: yes" in out


@pytest.mark.parametrize("where", ["measure", "case"])
def test_python_tags_never_run(where, tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    payload = f'!!python/object/apply:os.system ["touch {marker}"]'
    measure = (HERE / "proef.yaml").read_text()
    case = (HERE / "valid-case.yaml").read_text()
    if where == "measure":
        measure = measure.replace("authority: VLAIO", f"authority: {payload}")
    else:
        case = case.replace("  kost: 1000", f"  kost: {payload}")
    (tmp_path / "proef.yaml").write_text(measure)
    (tmp_path / "case.yaml").write_text(case)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["explain", "proef.yaml", "case.yaml"])
    assert result.exit_code in (2, 3)
    assert "is not allowed" in result.output
    assert not marker.exists()
