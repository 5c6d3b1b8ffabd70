"""The service decides as the command line does: /decide equals `rulerun explain --format json` for every
bundled case, /batch equals `rulerun batch`, and /questions drives an interview to the same decision."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.formats.cases import read_case
from rulerun.interpreter.cli import main
from rulerun.interpreter.tools.testing import cases_for

from conftest import ROOT, case_body, plain

MEASURES = sorted((ROOT / "measures").glob("*.yaml"))
CASES = [(m, c) for m in MEASURES for c in cases_for(m)]


@pytest.fixture(scope="module")
def shared():
    """One client for the many cases (the bundled measures do not change during the tests)."""
    import os

    from fastapi.testclient import TestClient

    from rulerun.interpreter.service.app import create_app
    from rulerun.interpreter.service.settings import Settings
    before = os.getcwd()
    os.chdir(ROOT)
    try:
        with TestClient(create_app(Settings(measures="measures", reload_interval=0))) as client:
            yield client
    finally:
        os.chdir(before)


def test_there_are_bundled_cases():
    assert len(CASES) >= 60


@pytest.mark.parametrize("measure, case_path", CASES, ids=[f"{m.stem}/{c.stem}" for m, c in CASES])
def test_decide_equals_explain_json(measure, case_path, shared, monkeypatch):
    monkeypatch.chdir(ROOT)
    relative = str(case_path.relative_to(ROOT))
    cli = CliRunner().invoke(main, ["explain", measure.stem, relative, "--format", "json"])
    assert cli.exit_code == 0, cli.output
    response = shared.post(f"/measures/{measure.stem}/decide", content=case_body(read_case(case_path)))
    assert response.status_code == 200, response.text
    served, shown = response.json(), json.loads(cli.output)
    del served["decision_id"]
    served_receipt, shown_receipt = served.pop("receipt"), shown.pop("receipt")
    assert served == shown
    # The service's receipt is explain's, completed with its record of the request.
    assert {key: served_receipt[key] for key in shown_receipt} == shown_receipt


def _jsonl(measure: Path) -> str:
    lines = []
    for path in cases_for(measure):
        case = read_case(path)
        lines.append(json.dumps({"id": path.stem, "on": case.on.isoformat(), "facts": plain(case.facts)}))
    lines[3:3] = ["", "not json", '{"id": "x", "facts": {"nope": 1}}', '["a list"]', '{"id": "y", "fact": {}}']
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("measure", MEASURES, ids=[m.stem for m in MEASURES])
def test_batch_equals_rulerun_batch(measure, shared, tmp_path, monkeypatch):
    text = _jsonl(measure)
    source = tmp_path / "cases.jsonl"
    source.write_text(text, encoding="utf-8")
    monkeypatch.chdir(ROOT)
    cli = CliRunner().invoke(main, ["batch", measure.stem, str(source), "--on", "2026-11-01",
                                    "--output", str(tmp_path / "out.jsonl")])
    expected = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    response = shared.post(f"/measures/{measure.stem}/batch?on=2026-11-01", content=text.encode())
    assert response.status_code == 200 and response.headers["content-type"] == "application/x-ndjson"
    served = [json.loads(line) for line in response.text.splitlines()]
    for record in served:
        assert ("decision_id" in record) != ("error" in record)
        record.pop("decision_id", None)
    assert served == expected and cli.exit_code == 1
    errors = [r for r in served if "error" in r]
    assert [r["line"] for r in errors] == [5, 6, 7, 8]
    assert errors[0]["error"].startswith("not valid JSON") and "nope" in errors[1]["error"]


def test_batch_limits_lines_and_cases(serve):
    client = serve(max_body=200, max_batch_cases=2)
    good = '{"id": "a", "facts": {}}'
    text = "\n".join([good, '{"id": "long", "facts": {"x": "' + "y" * 300 + '"}}', good, good]) + "\n"
    served = [json.loads(line) for line in client.post(
        "/measures/kmo-portefeuille/batch?on=2026-11-01", content=text).text.splitlines()]
    assert served[0]["id"] == "a" and served[0]["eligible"] == "undetermined"
    assert served[1] == {"id": None, "line": 2, "error": "the line is longer than 200 bytes; it was not read"}
    assert served[2]["line"] == 3 and "more than 2 lines in one request" in served[2]["error"]
    assert len(served) == 3


def test_batch_reads_a_last_line_without_newline_and_bad_bytes(client):
    text = b'{"id": "a", "facts": {}}\n{"id": "\xff"}\n{"id": "b", "facts": {}}'
    served = [json.loads(line) for line in client.post(
        "/measures/kmo-portefeuille/batch?on=2026-11-01", content=text).text.splitlines()]
    assert [r["id"] for r in served] == ["a", None, "b"]
    assert served[1]["error"] == "not valid UTF-8: byte 0xff at column 9; save the file as UTF-8"


def _at(facts, path):
    for key in path:
        facts = facts[key]
    return facts


def _put(facts, path, value):
    for key in path[:-1]:
        facts = facts.setdefault(key, {}) if isinstance(key, str) else facts[key]
    facts[path[-1]] = value


@pytest.mark.parametrize("name", ["r3-klein-opleiding", "r1-technologieverkenning-plafond"])
def test_questions_drive_an_interview_to_the_decision(client, name):
    """Answer each question asked with the case's fact until the decision is settled: the case's decision."""
    case = read_case(ROOT / "measures" / "cases" / "kmo-portefeuille" / f"{name}.yaml")
    known = json.loads(case_body(case))["facts"]
    facts: dict = {}
    unknown: list[str] = []
    for asked in range(200):
        response = client.post("/measures/kmo-portefeuille/questions", params={"on": case.on.isoformat(),
                               "unknown": unknown}, content=json.dumps({"facts": facts}))
        assert response.status_code == 200, response.text
        body = response.json()
        if body["settled"]:
            break
        question = body["questions"][0]
        assert question["text"]["en"] and question["type"]
        try:
            _put(facts, question["path"], _at(known, question["path"]))
        except (KeyError, IndexError):
            unknown.append(question["name"])
    else:
        pytest.fail("the interview never ended")
    assert asked >= 3 and body["questions"] == []
    expected = client.post("/measures/kmo-portefeuille/decide?trace=false", content=case_body(case)).json()
    decision = body["decision"]
    assert (decision["eligible"], decision["amount"]) == (expected["eligible"], expected["amount"])
    assert decision["eligible"] == "yes" and decision["amount"] == case.expect["amount"]


def test_questions_report_bad_facts_with_positions(client):
    response = client.post("/measures/kmo-portefeuille/questions", content='{"facts": {"dienst": {"bedrag": true}}}')
    assert response.status_code == 422
    assert response.json()["errors"][0]["line"] == 1


def test_the_first_question_fixes_the_reference_date(client):
    body = client.post("/measures/kmo-portefeuille/questions?on=2026-11-01", content='{"facts": {}}').json()
    assert body["settled"] is False and body["decision"]["eligible"] == "undetermined"
    first = body["questions"][0]
    assert first["name"] == "aanvraag.datum" and first["path"] == ["aanvraag", "datum"] and first["type"] == "date"


def test_batch_bounds_the_values_and_depth_of_a_line(client):
    text = ('{"id": "big", "facts": {"de_minimis_steun": [' + ",".join(["{}"] * 20_000) + "]}}\n"
            + '{"id": "deep", "facts": {"dienst": ' + "[" * 5000 + "]" * 5000 + "}}\n")
    served = [json.loads(line) for line in client.post(
        "/measures/kmo-portefeuille/batch?on=2026-11-01", content=text).text.splitlines()]
    assert served == [{"id": "big", "line": 1,
                       "error": "the line holds 20002 values; at most 10000 are accepted in one case"},
                      {"id": None, "line": 2, "error": "lists and objects are nested more than 64 levels deep"}]
