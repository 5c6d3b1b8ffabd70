"""The auditable decision format: schema_version, the execution receipt, and schemas/decision.schema.json."""
import hashlib
import json
from importlib.metadata import version
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from decision_schema import SCHEMA, validate_decision

from rulerun.interpreter.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _json(measure: str, case: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["explain", "--measures", str(ROOT / "measures"), measure, str(case),
                                       "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_receipt_names_version_files_and_dates():
    case = ROOT / "measures" / "cases" / "kmo-portefeuille" / "advies-499-99.yaml"
    data = _json("kmo-portefeuille", case)
    assert data["schema_version"] == "1"
    receipt = data["receipt"]
    assert receipt["rulerun_version"] == version("rulerun")
    assert receipt["measure"] == "kmo-portefeuille"
    assert (receipt["evaluated_on"], receipt["reference_date"]) == ("2026-11-01", "2022-03-15")
    files = {Path(p).name: digest for p, digest in receipt["files"].items()}
    assert set(files) == {"kmo-portefeuille.yaml", "kmo-definitie.yaml", "de-minimis.yaml"}
    for name, folder in (("kmo-portefeuille.yaml", ""), ("kmo-definitie.yaml", "common"),
                         ("de-minimis.yaml", "common")):
        assert files[name] == hashlib.sha256((ROOT / "measures" / folder / name).read_bytes()).hexdigest()


def test_a_changed_measure_file_changes_its_hash(tmp_path):
    source = (ROOT / "tests" / "invalid" / "reports" / "naam.yaml").read_text(encoding="utf-8")
    (tmp_path / "naam.yaml").write_text(source, encoding="utf-8")
    case = ROOT / "tests" / "invalid" / "reports" / "naam-escapes.json"
    before = _json(str(tmp_path / "naam.yaml"), case)["receipt"]["files"]
    (tmp_path / "naam.yaml").write_text(source + "# changed\n", encoding="utf-8")
    after = _json(str(tmp_path / "naam.yaml"), case)["receipt"]["files"]
    assert list(before) == list(after) and before != after


@pytest.mark.parametrize("measure", ["kmo-portefeuille", "innovatieve-starterssteun",
                                     "rentetoelage-hinder-openbare-werken"])
def test_every_case_of_a_measure_gives_a_valid_decision(measure):
    for case in sorted((ROOT / "measures" / "cases" / measure).glob("*.yaml")):
        for args in ((), ("--no-trace",)):
            result = CliRunner().invoke(main, ["explain", "--measures", str(ROOT / "measures"), measure, str(case),
                                               "--format", "json", *args])
            if result.exit_code == 0:
                validate_decision(result.output)


def test_the_validation_catches_a_decision_off_the_schema():
    case = ROOT / "measures" / "cases" / "kmo-portefeuille" / "advies-499-99.yaml"
    data = _json("kmo-portefeuille", case)
    for broken in ({**data, "eligible": "maybe"}, {k: v for k, v in data.items() if k != "receipt"},
                   {**data, "surprise": 1}):
        with pytest.raises(jsonschema.ValidationError):
            validate_decision(json.dumps(broken))
    deep = json.loads(json.dumps(data))
    deep["trace"][1]["children"][0]["children"][0]["kind"] = 5  # a node three levels down
    with pytest.raises(jsonschema.ValidationError):
        validate_decision(json.dumps(deep))
