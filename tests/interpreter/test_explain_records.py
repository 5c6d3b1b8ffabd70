"""`rulerun explain` takes a batch record as it is: its `id` is carried into the output, not refused."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

PROEF = Path(__file__).resolve().parents[1] / "invalid" / "proef.yaml"
FACTS = {"grootte": "klein", "kost": 1000, "aanvraagdatum": "2022-01-10", "vzw": False,
         "erkenningsnummer": "DV.O225337", "aandeelhouders": [{"naam": "Sofie", "aandeel": "50%"}],
         "termijn": "14 days"}


def explain(path: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["explain", str(PROEF), str(path), "--on", "2022-02-01", *args], input=input)


@pytest.mark.parametrize("ident, shown", [('"aanvraag-17"', "aanvraag-17"), ("17", "17")])
def test_a_json_lines_record_is_explained_with_its_id(tmp_path, ident, shown):
    record = tmp_path / "one.jsonl"
    record.write_text('{"id": ' + ident + ', "facts": ' + json.dumps(FACTS) + "}\n", encoding="utf-8")
    data = json.loads(explain(record, "--format", "json").output)
    assert data["id"] == shown and data["eligible"] == "yes"
    text = explain(record).output
    assert text.splitlines()[1] == f"  Case: {shown}"
    assert f"| Geval | {shown} |" in explain(record, "--format", "markdown", "--lang", "nl").output
    assert f"<tr><td>Case</td><td>{shown}</td></tr>" in explain(record, "--format", "html").output


def test_a_record_from_standard_input_and_a_yaml_case_with_an_id(tmp_path):
    line = json.dumps({"id": "stdin-1", "on": "2022-02-01", "facts": FACTS})
    assert json.loads(explain(Path("-"), "--format", "json", input=line + "\n").output)["id"] == "stdin-1"
    case = tmp_path / "case.yaml"
    case.write_text("id: dossier-3\nfacts:\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in FACTS.items()),
                    encoding="utf-8")
    result = explain(case, "--no-trace")
    assert result.exit_code == 0 and "  Case: dossier-3" in result.output


def test_a_case_without_an_id_has_none_in_its_output(tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"facts": FACTS}), encoding="utf-8")
    assert "id" not in json.loads(explain(case, "--format", "json").output)
    assert "Case:" not in explain(case).output


@pytest.mark.parametrize("ident", ["[1, 2]", "true", "1.5"])
def test_an_id_that_is_not_a_text_or_whole_number_is_a_case_error(tmp_path, ident):
    record = tmp_path / "one.json"
    record.write_text('{"id": ' + ident + ', "facts": ' + json.dumps(FACTS) + "}\n", encoding="utf-8")
    result = explain(record)
    assert result.exit_code == 3
    assert "one.json:1:8: error: `id` must be a text or a whole number" in result.output
    assert "Traceback" not in result.output


def test_a_file_of_several_records_is_refused_with_a_hint(tmp_path):
    lines = tmp_path / "many.jsonl"
    lines.write_text("".join(json.dumps({"id": str(i), "facts": FACTS}) + "\n" for i in range(3)), encoding="utf-8")
    result = explain(lines)
    assert result.exit_code == 3
    assert "holds 3 cases, one per line (JSON Lines); `explain` decides one case" in result.output
    assert "rulerun batch" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("fmt, lang, shown", [("text", "en", "Your file: aanvraag-17."),
                                              ("markdown", "nl", "Uw dossier: aanvraag-17."),
                                              ("html", "en", "Your file: aanvraag-17.")])
def test_the_applicant_report_names_the_record_it_answers(tmp_path, fmt, lang, shown):
    record = tmp_path / "one.jsonl"
    record.write_text('{"id": "aanvraag-17", "facts": ' + json.dumps(FACTS) + "}\n", encoding="utf-8")
    result = explain(record, "--audience", "applicant", "--format", fmt, "--lang", lang)
    assert result.exit_code == 0 and shown in " ".join(result.output.split())  # text wraps its lines


def test_the_applicant_report_of_a_case_without_an_id_names_no_file(tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"facts": FACTS}), encoding="utf-8")
    result = explain(case, "--audience", "applicant")
    assert result.exit_code == 0 and "Your file" not in result.output
