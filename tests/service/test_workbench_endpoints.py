"""The workbench's endpoints through the in-process client: the page and its assets, a measure's source,
saving (only with editing on, never over a change it did not see), bundled cases, trying a case under the
saved or edited text, the cases run with coverage by source, the impact of an edit, and their problems."""
from __future__ import annotations

import hashlib
import shutil

import pytest

from conftest import ROOT

KMO = "kmo-portefeuille"
RATES = "values: {klein: 30%, middelgroot: 20%, groot: 0%}"
HIGHER = "values: {klein: 40%, middelgroot: 20%, groot: 0%}"
TYPO = ("expr: aanvraag.datum >= dienst.overeenkomst", "expr: aanvraag.datum >= dienst.overenkomst")
PROBLEM = "application/problem+json"


@pytest.fixture
def copy(tmp_path):
    """A copy of the bundled measures folder, cases included, to edit."""
    target = tmp_path / "measures"
    shutil.copytree(ROOT / "measures", target)
    return target


def _problem(answer, status: int, name: str) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert body["type"] == f"urn:rulerun:problem:{name}"
    assert body["errors"] and all("message" in e for e in body["errors"])
    return body


def test_the_page_and_its_assets_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in page.text and "<main>" in page.text and "<nav" in page.text
    for asset in ("main.js", "api.js", "token.js", "i18n.js", "editor.js", "caseform.js", "panels.js", "style.css",
                  "vendor/codemirror.js", "vendor/codemirror.LICENSE.txt"):
        answer = client.get(f"/workbench/static/{asset}")
        assert answer.status_code == 200, asset
        assert "://" not in answer.text.split("\n", 1)[0] or asset.endswith("LICENSE.txt")
    assert "cdn" not in page.text.lower() and "https://" not in page.text  # works offline
    _problem(client.get("/workbench/static/nothing.js"), 404, "not-found")


def test_the_measures_list_the_state_of_their_cases(client):
    listed = {m["id"]: m for m in client.get("/workbench/measures").json()}
    cases = len(list((ROOT / "measures" / "cases" / KMO).glob("*.yaml")))
    assert listed[KMO]["cases"] == {"passed": cases, "failed": 0}
    assert listed[KMO]["title"]["nl"] == "KMO-portefeuille" and listed[KMO]["window"]["from"] == "2009-01-01"


def test_the_source_with_its_hash(client):
    source = client.get(f"/workbench/measures/{KMO}/source").json()
    text = (ROOT / "measures" / f"{KMO}.yaml").read_text(encoding="utf-8")
    assert source["text"] == text and source["editable"] is False
    assert source["hash"] == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    body = _problem(client.get("/workbench/measures/kmo-portefeuile/source"), 404, "unknown-measure")
    assert "kmo-portefeuille" in body["errors"][0]["hint"]


def test_saving_writes_the_file_only_over_the_version_read(serve, copy):
    client = serve(copy, edit=True)
    path = copy / f"{KMO}.yaml"
    source = client.get(f"/workbench/measures/{KMO}/source").json()
    assert source["editable"] is True
    edited = source["text"].replace(RATES, HIGHER)
    _problem(client.put(f"/workbench/measures/{KMO}/source", content=edited), 428, "hash-required")
    stale = client.put(f"/workbench/measures/{KMO}/source", content=edited, headers={"If-Match": '"sha256:0"'})
    assert _problem(stale, 412, "changed-on-disk")["hash"] == source["hash"]
    assert path.read_text(encoding="utf-8") == source["text"]
    saved = client.put(f"/workbench/measures/{KMO}/source", content=edited, headers={"If-Match": f'"{source["hash"]}"'})
    assert saved.status_code == 200, saved.text
    assert path.read_text(encoding="utf-8") == edited
    assert saved.json()["check"]["ok"] is True and saved.json()["status"] == "ok"
    assert saved.json()["reloaded"] is True and saved.json()["errors"] == 0 and "message" not in saved.json()
    case = _bundled(client, "r3-klein-opleiding")
    # The new version answers at once, not at the next look at the folder.
    assert client.post(f"/measures/{KMO}/decide", json=case).json()["amount"] == "450.00"
    # A save with errors is written (work in progress); the version before keeps answering.
    broken = edited.replace(*TYPO)
    answer = client.put(f"/workbench/measures/{KMO}/source", content=broken, headers={"If-Match": saved.json()["hash"]})
    assert answer.json()["check"]["errors"] == 1 and answer.json()["status"] == "stale"
    assert answer.json()["reloaded"] is False and answer.json()["errors"] == 1
    assert answer.json()["message"] == ("saved, but not reloaded: the file has 1 error, "
                                        "so the server keeps answering with the version before it")
    assert path.read_text(encoding="utf-8") == broken
    assert client.post(f"/measures/{KMO}/decide", json=case).json()["amount"] == "450.00"


def test_with_editing_off_no_request_writes_a_file(client, serve, copy):
    """Every route and method of the app, with a measure's text as body: not one file changes."""
    client = serve(copy)
    before = _snapshot(copy)
    text = (copy / f"{KMO}.yaml").read_text(encoding="utf-8").replace(RATES, HIGHER)
    source_hash = client.get(f"/workbench/measures/{KMO}/source").json()["hash"]
    tried = 0
    for route in client.app.routes:
        path = getattr(route, "path", "")
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            url = path.replace("{measure_id}", KMO).replace("{path}", "../../measures/kmo-portefeuille.yaml")
            answer = client.request(method, url, content=text, headers={"If-Match": source_hash})
            assert answer.status_code < 500, (method, url, answer.text)
            tried += 1
    answer = client.put(f"/workbench/measures/{KMO}/source", content=text, headers={"If-Match": source_hash})
    assert "--edit" in _problem(answer, 403, "editing-off")["errors"][0]["hint"]
    assert tried > 50
    assert _snapshot(copy) == before


def _snapshot(folder) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _bundled(client, name: str) -> dict:
    cases = client.get(f"/workbench/measures/{KMO}/cases").json()
    return next(c for c in cases if c["file"] == name)["case"]


def test_bundled_cases_as_data(client):
    cases = client.get(f"/workbench/measures/{KMO}/cases").json()
    assert len(cases) == len(list((ROOT / "measures" / "cases" / KMO).glob("*.yaml")))
    case = _bundled(client, "r3-klein-opleiding")
    assert case["on"] == "2026-11-01" and case["facts"]["dienst"]["btw"] == "241.50"
    assert case["facts"]["dienst"]["overeenkomst"] == "2022-03-01"


def test_trying_a_case_under_the_saved_and_the_edited_text(client):
    case = _bundled(client, "r3-klein-opleiding")
    answer = client.post(f"/workbench/measures/{KMO}/try", json={"case": case})
    assert answer.status_code == 200, answer.text
    tried = answer.json()
    assert (tried["decision"]["eligible"], tried["decision"]["amount"]) == ("yes", "337.50")
    assert "<html" in tried["analyst"] and "<html" in tried["applicant"]
    text = client.get(f"/workbench/measures/{KMO}/source").json()["text"]
    edited = client.post(f"/workbench/measures/{KMO}/try?lang=nl",
                         json={"case": case, "measure": text.replace(RATES, HIGHER)}).json()
    assert edited["decision"]["amount"] == "450.00" and "lang='nl'" in edited["applicant"]
    del case["facts"]["aanvraag"]["datum"]
    open_fact = client.post(f"/workbench/measures/{KMO}/try", json={"case": case}).json()["decision"]
    assert open_fact["eligible"] == "undetermined" and "aanvraag.datum" in open_fact["missing"]


def test_trying_a_case_given_as_yaml(client):
    yaml_text = (ROOT / "measures" / "cases" / KMO / "r3-klein-opleiding.yaml").read_text(encoding="utf-8")
    tried = client.post(f"/workbench/measures/{KMO}/try", json={"case_yaml": yaml_text}).json()
    assert tried["decision"]["amount"] == "337.50"
    assert tried["case"]["facts"]["boekjaren"][0]["jaar"] == 2021


def test_trying_refuses_what_it_cannot_use(client):
    case = _bundled(client, "r3-klein-opleiding")
    _problem(client.post(f"/workbench/measures/{KMO}/try", content="{not json"), 400, "bad-request")
    _problem(client.post(f"/workbench/measures/{KMO}/try", json=[1]), 400, "bad-request")
    _problem(client.post(f"/workbench/measures/{KMO}/try", json={}), 400, "bad-request")
    case["facts"]["dienst"]["bedrag"] = "1,000.00"
    body = _problem(client.post(f"/workbench/measures/{KMO}/try", json={"case": case}), 422, "invalid-case")
    assert "dienst.bedrag" in body["errors"][0]["message"] and body["errors"][0]["hint"]
    text = client.get(f"/workbench/measures/{KMO}/source").json()["text"]
    body = _problem(client.post(f"/workbench/measures/{KMO}/try", json={"case": _bundled(client, "r3-klein-opleiding"),
                                                                        "measure": text.replace(*TYPO)}),
                    422, "invalid-measure")
    line = text.splitlines().index(next(l for l in text.splitlines() if TYPO[0] in l)) + 1
    assert body["errors"][0]["line"] == line and body["errors"][0]["hint"] == "did you mean `overeenkomst`?"
    _problem(client.post(f"/workbench/measures/{KMO}/try?lang=fr", json={"case": case}), 400, "bad-request")


def test_running_the_cases_with_coverage_by_source(client):
    result = client.post(f"/workbench/measures/{KMO}/test", content="").json()
    cases = len(list((ROOT / "measures" / "cases" / KMO).glob("*.yaml")))
    assert (result["passed"], result["failed"]) == (cases, 0)
    coverage = result["coverage"]
    assert coverage["cases"] == cases and coverage["totals"]["rules"]["total"] > 0
    groups = {g["ref"]: g for g in coverage["sources"]}
    assert groups["W01"]["url"].startswith("https://") and groups["W01"]["rules"]
    text = (ROOT / "measures" / f"{KMO}.yaml").read_text(encoding="utf-8").splitlines()
    rule = next(r for g in groups.values() for r in g["rules"] if r["line"])
    assert text[rule["line"] - 1].strip() == f"{rule['name']}:"
    assert any(r["file"] for g in groups.values() for r in g["rules"])  # rules of imported files named by file


def test_a_failing_case_shows_expected_against_actual(client):
    text = (ROOT / "measures" / f"{KMO}.yaml").read_text(encoding="utf-8").replace(RATES, HIGHER)
    result = client.post(f"/workbench/measures/{KMO}/test", content=text).json()
    assert result["failed"] > 0
    failed = next(c for c in result["cases"] if c["file"] == "r3-klein-opleiding")
    assert not failed["passed"]
    amount = next(d for d in failed["differences"] if d["key"] == "amount")
    assert (amount["expected"], amount["actual"]) == ("€337.50", "€450.00")  # shown as `rulerun test` shows them
    case_lines = (ROOT / "measures" / "cases" / KMO / "r3-klein-opleiding.yaml").read_text(encoding="utf-8").splitlines()
    assert case_lines[amount["line"] - 1].lstrip().startswith("amount:")


def test_the_impact_of_an_unsaved_edit(client):
    text = (ROOT / "measures" / f"{KMO}.yaml").read_text(encoding="utf-8")
    same = client.post(f"/workbench/measures/{KMO}/impact?on=2026-11-01", content=text).json()
    assert same["changed"] == 0 and same["cases"] > 0
    higher = client.post(f"/workbench/measures/{KMO}/impact?on=2026-11-01", content=text.replace(RATES, HIGHER)).json()
    change = next(c for c in higher["changes"] if c["id"] == "r3-klein-opleiding")
    assert change["amount"] == ["337.50", "450.00"]
    assert {"rule": "steunpercentage", "before": "30%", "after": "40%"} in change["rules"]
    assert higher["total_after"] > higher["total_before"]
    body = _problem(client.post(f"/workbench/measures/{KMO}/impact", content=text.replace(*TYPO)), 422, "invalid-measure")
    assert body["errors"][0]["message"] == "`dienst` has no field `overenkomst`"
    _problem(client.post(f"/workbench/measures/{KMO}/impact?on=tomorrow", content=text), 400, "bad-request")


def test_an_edit_cannot_read_files_outside_the_measures_folder(client):
    text = (ROOT / "measures" / f"{KMO}.yaml").read_text(encoding="utf-8")
    outside = text.replace("uses:\n", "uses:\n  geheim: ../../../etc/passwd.yaml\n", 1)
    assert outside != text
    body = _problem(client.post(f"/workbench/measures/{KMO}/impact", content=outside), 422, "invalid-measure")
    assert "outside the measures folder" in body["errors"][0]["message"]


NEW_RULE = ("rules:\n", "rules:\n  nieuwe_regel:\n    label: {nl: \"Nieuwe regel\", en: \"New rule\"}\n"
                        "    source: {ref: W03}\n    expr: aanvraag.datum >= hervorming_2016\n")


def test_the_names_the_editor_completes(client):
    names = {n["label"]: n for n in _names(client, "")}
    assert names["dienst.overeenkomst"]["type"] == "variable"
    assert names["hervormd"] == {"label": "hervormd", "type": "class", "detail": {
        "nl": "Aanvraag onder de regeling vanaf april 2016", "en": "Application under the rules from April 2016"}}
    assert names["kmo.laatste_jaar"]["type"] == "class"  # a rule of an imported file, as the measure writes it
    assert names["hervorming_2016"]["type"] == "constant"
    assert names["round_cents"]["type"] == "function" and names["round_cents"]["apply"] == "round_cents("
    assert names["round_cents"]["detail"] == {"en": "round_cents(money) → money"}
    assert "half up" in names["round_cents"]["info"]
    assert names["sum"]["type"] == "function" and names["evaluation_date"]["type"] == "keyword"
    # An output's id is no name an expression can use (`eerste_aanvraagdag` is a deadline, not a rule).
    assert "eerste_aanvraagdag" not in names and "nieuwe_regel" not in names
    text = client.get(f"/workbench/measures/{KMO}/source").json()["text"]
    edited = {n["label"]: n for n in _names(client, text.replace(*NEW_RULE, 1))}
    assert edited["nieuwe_regel"]["detail"]["en"] == "New rule"
    answer = client.post(f"/workbench/measures/{KMO}/names", content=text.replace(*TYPO))
    assert any("overenkomst" in e["message"] for e in _problem(answer, 422, "invalid-measure")["errors"])


def _names(client, text: str) -> list[dict]:
    answer = client.post(f"/workbench/measures/{KMO}/names", content=text)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_saving_a_measure_that_never_loaded_says_it_is_not_served(serve, copy):
    path = copy / f"{KMO}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(*TYPO), encoding="utf-8")
    client = serve(copy, edit=True)
    source = client.get(f"/workbench/measures/{KMO}/source").json()
    twice = source["text"].replace("dienst.persoonsdagen *", "dienst.persoonsdagn *")
    answer = client.put(f"/workbench/measures/{KMO}/source", content=twice, headers={"If-Match": source["hash"]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["reloaded"], body["errors"]) == ("unavailable", False, 2)
    assert body["message"] == "saved, but not served: the file has 2 errors, and no version of the measure answers"


def test_with_a_token_the_page_loads_and_every_json_endpoint_needs_it(serve, tmp_path):
    token = "s3cret-token-of-enough-length"
    (tmp_path / "token").write_text(token + "\n", encoding="utf-8")
    client = serve(token_file=str(tmp_path / "token"))
    page = client.get("/")
    assert page.status_code == 200 and "token-dialog" in page.text
    assert client.get("/workbench/static/api.js").status_code == 200
    assert client.head("/workbench/static/style.css").status_code == 200
    bearer = {"Authorization": f"Bearer {token}"}
    text = client.get(f"/workbench/measures/{KMO}/source", headers=bearer).json()["text"]
    for method, url, body in [("GET", "/workbench/settings", None), ("GET", "/workbench/measures", None),
                              ("GET", f"/workbench/measures/{KMO}/source", None),
                              ("GET", f"/workbench/measures/{KMO}/cases", None),
                              ("POST", f"/workbench/measures/{KMO}/names", ""), ("POST", "/check", text),
                              ("POST", f"/workbench/measures/{KMO}/test", ""), ("GET", f"/measures/{KMO}", None),
                              ("POST", "/", ""), ("GET", "/workbench/static/%2e%2e/routes.py", None),
                              ("GET", "/workbench/static/%2e%2e/%2e%2e/settings", None)]:
        refused = client.request(method, url, content=body)
        assert refused.status_code == 401 or (url.startswith("/workbench/static/") and refused.status_code == 404), url
        if refused.status_code == 401:
            assert refused.headers["content-type"] == PROBLEM
            assert refused.json()["type"] == "urn:rulerun:problem:unauthorized"
        if not url.startswith("/workbench/static/") and url != "/":
            assert client.request(method, url, content=body, headers=bearer).status_code == 200, url
