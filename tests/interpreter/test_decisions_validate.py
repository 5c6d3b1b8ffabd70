"""Every decision the bundled cases give — through explain, batch and the Python API — follows the decision schema."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from decision_schema import SCHEMA, validate_decision
from json_values import as_json_values

import rulerun
from rulerun.interpreter.cli import main
from rulerun.interpreter.tools.testing import cases_for

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ["kmo-portefeuille", "innovatieve-starterssteun", "rentetoelage-hinder-openbare-werken"]


def _cases(measure: str) -> list:
    return [rulerun.read_case(p) for p in cases_for(ROOT / "measures" / f"{measure}.yaml")]


def _shape(data: dict) -> str:
    """Which of the schema's shapes `data` is: exactly one must match (the schema's `oneOf`)."""
    import jsonschema
    shapes = [name for name in ("decision", "batch_decision", "batch_error")
              if jsonschema.Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{name}"}).is_valid(data)]
    assert len(shapes) == 1, shapes
    return shapes[0]


@pytest.mark.parametrize("measure", BUNDLED)
def test_batch_records_of_every_case_follow_the_schema(measure, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    cases = _cases(measure)
    lines = [json.dumps({"id": Path(c.path).stem, "on": c.on.isoformat(), "facts": as_json_values(c.facts)}) for c in cases]
    (tmp_path / "in.jsonl").write_text("\n".join(lines + ["not json"]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", measure, str(tmp_path / "in.jsonl")])
    records = result.stdout.splitlines()
    assert len(records) == len(cases) + 1
    for text in records:
        validate_decision(text)
    shapes = [_shape(json.loads(text)) for text in records]
    assert shapes == ["batch_decision"] * len(cases) + ["batch_error"]
    first = json.loads(records[0])
    assert first["schema_version"] == "1" and first["receipt"]["measure"] == measure
    assert set(first["receipt"]["files"]) >= {f"measures/{measure}.yaml"}


@pytest.mark.parametrize("measure", BUNDLED)
def test_python_api_decisions_of_every_case_follow_the_schema(measure):
    loaded = rulerun.load(ROOT / "measures" / f"{measure}.yaml")
    cases = _cases(measure)
    for case in cases:
        for trace in (True, False):
            data = loaded.decision_json(loaded.decide_case(case, trace=trace))
            validate_decision(json.dumps(data))
            assert _shape(data) == "decision" and ("trace" in data) == trace
    many = list(loaded.decide_many([(c.facts, c.on) for c in cases]))
    assert len(many) == len(cases)
    for decision in many:
        validate_decision(json.dumps(loaded.decision_json(decision, ident="x")))


@pytest.mark.parametrize("measure", BUNDLED)
def test_explained_batch_records_follow_the_schema_with_their_id(measure, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    case = _cases(measure)[0]
    record = json.dumps({"id": "record-7", "on": case.on.isoformat(), "facts": as_json_values(case.facts)})
    (tmp_path / "one.jsonl").write_text(record + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["explain", measure, str(tmp_path / "one.jsonl"), "--format", "json"])
    assert result.exit_code == 0, result.output
    validate_decision(result.output)
    assert json.loads(result.output)["id"] == "record-7"


def test_the_schema_names_each_shape_once():
    assert [one["$ref"] for one in SCHEMA["oneOf"]] == ["#/$defs/decision", "#/$defs/batch_decision",
                                                         "#/$defs/batch_error"]
