"""Every case beside every bundled measure runs as a test item; a few are pinned as full explanations."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest
from click.testing import CliRunner
from syrupy.extensions.json import JSONSnapshotExtension

from rulerun.interpreter.formats.cases import read_case
from rulerun.interpreter.cli import main
from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.tools.testing import cases_for, explain_difference, run_case

ROOT = Path(__file__).resolve().parents[2]
MEASURES = sorted(p for p in (ROOT / "measures").glob("*.yaml"))
CASES = [(m, c) for m in MEASURES for c in cases_for(m)]

PINNED = [
    ("kmo-portefeuille", "r3-klein-opleiding"),
    ("kmo-portefeuille", "r1-technologieverkenning-plafond"),
    ("kmo-portefeuille", "onbepaald-ontbrekende-gegevens"),
    ("kmo-portefeuille", "advies-2026-zonder-cyber"),
    ("innovatieve-starterssteun", "sofie-60-jan-40"),
    ("innovatieve-starterssteun", "echtgenoten-30-30"),
    ("innovatieve-starterssteun", "vermogen-4999-99"),
    ("rentetoelage-hinder-openbare-werken", "overbrugging-basis"),
    ("rentetoelage-hinder-openbare-werken", "bestaande-lening-plafond-8-procent"),
    ("rentetoelage-hinder-openbare-werken", "onbepaald"),
]


@functools.cache
def compiled(path: Path):
    return load(path, str(path.relative_to(ROOT)))


def test_every_measure_has_cases():
    for measure in MEASURES:
        assert len(cases_for(measure)) >= 20, measure.name


@pytest.mark.parametrize("measure, case_path", CASES, ids=[f"{m.stem}/{c.stem}" for m, c in CASES])
def test_case(measure, case_path):
    outcome = run_case(compiled(measure), read_case(case_path, str(case_path.relative_to(ROOT))))
    assert outcome.case.expect, "a bundled case must say what it expects"
    assert outcome.passed, "\n".join(explain_difference(outcome))


def _explain(measure: str, case: str, fmt: str, monkeypatch) -> str:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["explain", measure, f"measures/cases/{measure}/{case}.yaml", "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("measure, case", PINNED, ids=[f"{m}/{c}" for m, c in PINNED])
def test_explain_text(measure, case, snapshot, monkeypatch):
    assert _explain(measure, case, "text", monkeypatch) == snapshot


@pytest.mark.parametrize("measure, case", PINNED, ids=[f"{m}/{c}" for m, c in PINNED])
def test_explain_json(measure, case, snapshot, monkeypatch):
    import json
    data = json.loads(_explain(measure, case, "json", monkeypatch))
    # The receipt's hashes and version change with any edit of a file or a release: pinned are the files it names
    # (tests/interpreter/test_decision_format.py checks the hashes themselves).
    data["receipt"]["files"] = sorted(data["receipt"]["files"])
    data["receipt"]["rulerun_version"] = "pinned elsewhere"
    assert data == snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("measure, case_path", CASES, ids=[f"{m.stem}/{c.stem}" for m, c in CASES])
def test_case_matches_the_generated_case_schema(measure, case_path):
    import datetime as dt
    import decimal

    import jsonschema

    from rulerun.dsl.case_schema import case_schema

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, decimal.Decimal):
            return str(value)
        return value
    checked = compiled(measure).checked
    schema = case_schema(checked.measure.id, checked.facts)
    case = read_case(case_path)
    data = {"facts": plain(case.facts)}
    jsonschema.validate(data, schema)
