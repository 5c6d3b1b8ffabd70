"""Every endpoint of `rulerun serve`, its answers and its problem+json errors, through an in-process client."""
from __future__ import annotations

import json

import pytest

from rulerun.interpreter.formats.cases import read_case

from conftest import ROOT, case_body

KMO = "kmo-portefeuille"
R3 = ROOT / "measures" / "cases" / KMO / "r3-klein-opleiding.yaml"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].startswith("urn:rulerun:problem:")
    assert body["errors"] and body["detail"] == body["errors"][0]["message"]
    return body


def test_health_and_version(client):
    assert client.get("/health").json() == {"status": "ok", "measures": 3, "unavailable": [], "stale": []}
    assert client.get("/version").json()["rulerun"] == "0.1.0"


def test_measures_lists_id_title_window_hash(client):
    listed = {m["id"]: m for m in client.get("/measures").json()}
    assert sorted(listed) == ["innovatieve-starterssteun", KMO, "rentetoelage-hinder-openbare-werken"]
    kmo = listed[KMO]
    assert kmo["title"] == {"nl": "KMO-portefeuille", "en": "SME wallet (KMO-portefeuille)"}
    assert kmo["window"] == {"from": "2009-01-01", "until": None}
    assert kmo["hash"].startswith("sha256:") and len(kmo["hash"]) == 71 and kmo["status"] == "ok"


def test_measure_detail_has_facts_parameters_and_outputs(client):
    response = client.get(f"/measures/{KMO}")
    detail = response.json()
    assert response.headers["etag"] == f'"{detail["hash"]}"'
    facts = {f["name"]: f for f in detail["facts"]}
    soort = {f["name"]: f for f in facts["dienst"]["fields"]}["soort"]
    assert soort["type"] == "enum" and soort["values"] and soort["question"]["en"].endswith("?")
    tarief = next(p for p in detail["parameters"] if p["name"] == "tarief")
    assert tarief["versions"][0]["from"] == "2016-04-01" and tarief["versions"][0]["values"]["klein"] == "0.4"
    assert tarief["source"]["ref"] and tarief["source"]["url"].startswith("http")
    assert detail["outputs"]["amount"] and "laatste_aanvraagdag" in [d["id"] for d in detail["outputs"]["deadlines"]]
    assert detail["errors"] == [] and detail["warnings"] == []


def test_schema_is_the_case_schema(client, run):
    assert client.get(f"/measures/{KMO}/schema").json() == json.loads(run("schema", KMO).output)


def test_decide_gives_the_decision_with_receipt_and_id(client):
    response = client.post(f"/measures/{KMO}/decide", content=R3.read_text(encoding="utf-8"))
    body = response.json()
    assert response.status_code == 200
    assert body["eligible"] == "yes" and body["amount"] == "337.50" and body["trace"]
    receipt = body["receipt"]
    assert receipt["measure_hash"] == client.get(f"/measures/{KMO}").json()["hash"]
    assert receipt["rulerun"] == "0.1.0" and receipt["input_hash"].startswith("sha256:")
    assert len(body["decision_id"]) == 36
    again = client.post(f"/measures/{KMO}/decide?trace=false&lang=nl", content=case_body(read_case(R3))).json()
    assert "trace" not in again and again["amount"] == "337.50" and again["decision_id"] != body["decision_id"]
    assert again["receipt"]["input_hash"] == receipt["input_hash"]  # the same facts, written differently
    assert again["receipt"]["title"] == "KMO-portefeuille"


def test_decide_on_overrides_the_case_date(client):
    body = client.post(f"/measures/{KMO}/decide?on=2027-01-01&trace=false", content=case_body(read_case(R3))).json()
    assert body["evaluated_on"] == "2027-01-01"


def test_each_decision_has_the_receipt_of_its_own_dates(client):
    body = case_body(read_case(R3))
    for on in ("2027-01-01", "2026-11-01", "2027-01-01"):  # receipts are kept per version and dates: not mixed up
        decided = client.post(f"/measures/{KMO}/decide?on={on}&trace=false", content=body).json()
        assert decided["receipt"]["evaluated_on"] == decided["evaluated_on"] == on
        assert decided["receipt"]["reference_date"] == decided["reference_date"]


@pytest.mark.parametrize("fmt, media, text", [("html", "text/html", "<html"), ("markdown", "text/markdown", "**"),
                                              ("text", "text/plain", "Eligible: yes")])
def test_explain_renders(client, fmt, media, text):
    response = client.post(f"/measures/{KMO}/explain?format={fmt}", content=R3.read_text(encoding="utf-8"))
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert text in response.text and "\x1b" not in response.text
    assert len(response.headers["rulerun-decision-id"]) == 36


@pytest.mark.parametrize("fmt", ["html", "markdown", "text"])
def test_explain_renders_as_the_command_line_does(client, fmt, monkeypatch):
    from click.testing import CliRunner

    from rulerun.interpreter.cli import main
    monkeypatch.chdir(ROOT)
    served = client.post(f"/measures/{KMO}/explain?format={fmt}&lang=nl", content=R3.read_text(encoding="utf-8"))
    cli = CliRunner().invoke(main, ["explain", KMO, str(R3.relative_to(ROOT)), "--format", fmt, "--lang", "nl"])
    assert cli.exit_code == 0 and served.text == cli.output


def test_a_wrong_fact_is_a_problem_with_its_position(client):
    body = '{"on": "2026-11-01",\n "facts": {"dienst": {"bedrag": "veel"}}}'
    found = problem(client.post(f"/measures/{KMO}/decide", content=body), 422)
    assert found["type"] == "urn:rulerun:problem:invalid-case"
    error = found["errors"][0]
    assert (error["file"], error["line"], error["column"]) == ("request body", 2, 33)
    assert "bedrag" in error["message"]


def test_malformed_json_is_a_problem_with_its_position(client):
    found = problem(client.post(f"/measures/{KMO}/decide", content='{"facts": {"a": 1,}}'), 422)
    assert found["errors"][0]["line"] == 1 and found["errors"][0]["column"] > 1


@pytest.mark.parametrize("body, words", [
    ("[1, 2]", "a case must be a mapping"),
    ('{"fact": {}}', "unknown key `fact`"),
    ('{"facts": {}, "on": "gisteren"}', "`on` must be a date"),
    (b'{"facts": {"x": "\xff"}}', "not UTF-8"),
])
def test_bad_bodies_are_problems(client, body, words):
    found = problem(client.post(f"/measures/{KMO}/decide", content=body), 400 if words == "not UTF-8" else 422)
    assert any(words in e["message"] for e in found["errors"])


@pytest.mark.parametrize("query, words", [("lang=fr", "`lang`"), ("trace=maybe", "`trace`"), ("on=2026-13-01", "`on`"),
                                          ("audience=boss", "`audience`")])
def test_bad_parameters_are_problems(client, query, words):
    found = problem(client.post(f"/measures/{KMO}/decide?{query}", content=case_body(read_case(R3))), 400)
    assert words in found["detail"]


def test_the_applicant_report_is_explain_with_that_audience(client, monkeypatch):
    from click.testing import CliRunner

    from rulerun.interpreter.cli import main
    monkeypatch.chdir(ROOT)
    # An eligible case, and one that fails a condition with a boundary ("what would change the outcome").
    cases = (R3, ROOT / "measures" / "cases" / KMO / "advies-499-99.yaml")
    for case, fmt, lang in [(c, f, g) for c in cases for f in ("text", "markdown", "html") for g in ("nl", "en")]:
        served = client.post(f"/measures/{KMO}/explain?audience=applicant&format={fmt}&lang={lang}",
                             content=case_body(read_case(case)))
        assert served.status_code == 200, served.text
        cli = CliRunner().invoke(main, ["explain", KMO, str(case.relative_to(ROOT)), "--audience", "applicant",
                                        "--format", fmt, "--lang", lang])
        assert cli.exit_code == 0, cli.output
        assert served.text == cli.output
    # The decision JSON is one for everyone: the applicant's report is asked of /explain.
    found = problem(client.post(f"/measures/{KMO}/decide?audience=applicant", content=case_body(read_case(R3))), 400)
    assert found["type"] == "urn:rulerun:problem:audience-for-reading"
    assert client.post(f"/measures/{KMO}/decide?audience=analyst", content=case_body(read_case(R3))).status_code == 200


def test_unknown_measure_and_endpoint(client):
    found = problem(client.post("/measures/kmo-portefeuile/decide", content="{}"), 404)
    assert found["errors"][0]["hint"] == "did you mean `kmo-portefeuille`?"
    problem(client.get("/measures/nope"), 404)
    problem(client.get("/nowhere"), 404)
    problem(client.get(f"/measures/{KMO}/decide"), 405)


def test_decide_pins_the_measure_version(client):
    current = client.get(f"/measures/{KMO}").json()["hash"]
    body = case_body(read_case(R3))
    assert client.post(f"/measures/{KMO}/decide?hash={current}", content=body).status_code == 200
    assert client.post(f"/measures/{KMO}/decide", content=body, headers={"If-Match": f'"{current}"'}).status_code == 200
    found = problem(client.post(f"/measures/{KMO}/decide?hash=sha256:0", content=body), 409)
    assert found["measure_hash"] == current
    found = problem(client.post(f"/measures/{KMO}/decide", content=body, headers={"If-Match": '"sha256:0"'}), 412)
    assert found["type"] == "urn:rulerun:problem:version-mismatch"


def test_body_size_is_bounded(serve):
    client = serve(max_body=2000)
    found = problem(client.post(f"/measures/{KMO}/decide", content="{" + " " * 3000 + "}"), 413)
    assert "larger than 2000 bytes" in found["detail"]

    def chunks():  # no Content-Length: counted while read
        for _ in range(10):
            yield b" " * 500
    problem(client.post(f"/measures/{KMO}/decide", content=chunks()), 413)
    problem(client.post("/check", content="#" * 3000), 413)


def test_openapi_holds_each_measures_case_schema(client, run):
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    expected = json.loads(run("schema", KMO).output)
    del expected["$schema"]
    assert schemas[f"case-{KMO}"] == expected
    decide = document["paths"][f"/measures/{KMO}/decide"]["post"]
    assert decide["requestBody"]["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/case-{KMO}"}
    generic = document["paths"]["/measures/{measure_id}/decide"]["post"]["requestBody"]["content"]["application/json"]
    assert len(generic["schema"]["oneOf"]) == 3


def test_check_gives_diagnostics_with_positions(client):
    text = (ROOT / "measures" / f"{KMO}.yaml").read_text(encoding="utf-8")
    assert client.post("/check", content=text).json() == {"ok": True, "errors": 0, "warnings": 0, "diagnostics": []}
    broken = text.replace("expr: aanvraag.datum >= dienst.overeenkomst", "expr: aanvraag.datum >= dienst.overenkomst")
    result = client.post("/check", content=broken).json()
    assert result["ok"] is False and result["errors"] >= 1
    first = result["diagnostics"][0]
    line = broken.splitlines().index(next(s for s in broken.splitlines() if "dienst.overenkomst" in s)) + 1
    assert first["file"] == f"{KMO}.yaml" and first["line"] == line and first["hint"]


def test_check_reads_imports_from_the_measures_folder(client):
    text = (ROOT / "measures" / "innovatieve-starterssteun.yaml").read_text(encoding="utf-8")
    assert "common/" in text
    assert client.post("/check", content=text).json()["ok"] is True


def test_check_refuses_imports_outside_the_measures_folder(client):
    text = "measure: x\nuses:\n  secret: ../../etc/passwd\n"
    result = client.post("/check", content=text).json()
    assert result["ok"] is False
    assert result["diagnostics"] == [{"severity": "error", "message": "imported file `../../etc/passwd` is outside "
                                      "the measures folder", "file": "x.yaml", "line": 3, "column": 11, "end_line": 3,
                                      "end_column": 27, "hint": "a measure checked by the server may import files of "
                                      "its measures folder only"}]


def test_check_of_text_that_is_not_a_measure(client):
    result = client.post("/check", content="- just\n- a list\n").json()
    assert result["ok"] is False and "mapping" in result["diagnostics"][0]["message"]


@pytest.mark.parametrize("endpoint", ["decide", "explain", "questions"])
@pytest.mark.parametrize("body", ['{"facts": {"dienst": ' + "[" * 5000 + "]" * 5000 + "}}",
                                  "facts:\n  dienst: " + "[" * 5000 + "]" * 5000 + "\n"], ids=["json", "yaml"])
def test_a_deeply_nested_body_is_a_problem(client, endpoint, body):
    found = problem(client.post(f"/measures/{KMO}/{endpoint}", content=body), 422)
    # A YAML body is bounded by the YAML reader of case files, with its message.
    assert found["detail"] in ("the request body is nested too deeply to be read",
                               "lists and mappings are nested more than 100 levels deep")


@pytest.mark.parametrize("endpoint", ["decide", "questions"])
def test_the_number_of_values_is_bounded(client, endpoint):
    body = '{"facts": {"de_minimis_steun": [' + ",".join(["{}"] * 20_000) + "]}}"
    found = problem(client.post(f"/measures/{KMO}/{endpoint}", content=body), 413)
    assert found["detail"] == "the request body holds 20003 values; at most 10000 are accepted"


@pytest.mark.parametrize("body", ['{"facts": {' + ",".join(f'"a{i}": 1' for i in range(5000)) + "}}",
                                  "facts: {" + ",".join(f"a{i}: 1" for i in range(5000)) + "}"], ids=["json", "yaml"])
def test_many_mistakes_on_one_long_line_are_listed_without_quoting_it(client, body):
    """Each positioned message quotes its line: 5,000 of them on a line of 40 kB would be 200 MB."""
    found = problem(client.post(f"/measures/{KMO}/decide", content=body), 422)
    assert len(found["errors"]) == 5000 and "line" not in found["errors"][0]
    assert found["errors"][0]["message"] == "unknown fact: the measure has no fact `a0`"
