"""Hot swap: a changed measure is re-checked and swapped in only when clean; a broken edit never takes it down."""
from __future__ import annotations

import json

from rulerun.interpreter.formats.cases import read_case

from conftest import ROOT, case_body

KMO = "kmo-portefeuille"
R3 = case_body(read_case(ROOT / "measures" / "cases" / KMO / "r3-klein-opleiding.yaml"))
RATES = "values: {klein: 30%, middelgroot: 20%, groot: 0%}"


def decide(client, **params):
    response = client.post(f"/measures/{KMO}/decide", params={"trace": "false", **params}, content=R3)
    return response.status_code, response.json()


def test_broken_edit_keeps_the_old_version_then_a_fixed_one_is_swapped_in(serve, folder):
    path = folder / f"{KMO}.yaml"
    original = path.read_text(encoding="utf-8")
    client = serve(folder)
    registry = client.app.state.service.registry
    status, before = decide(client)
    old_hash = before["receipt"]["measure_hash"]
    assert status == 200 and before["amount"] == "337.50"

    broken = original.replace("expr: aanvraag.datum >= dienst.overeenkomst", "expr: aanvraag.datum >= dienst.overenkomst")
    assert broken != original
    path.write_text(broken, encoding="utf-8")
    assert registry.refresh() == [KMO]
    status, during = decide(client)
    assert status == 200 and during["amount"] == "337.50" and during["receipt"]["measure_hash"] == old_hash
    detail = client.get(f"/measures/{KMO}").json()
    assert detail["status"] == "stale" and detail["hash"] == old_hash
    error = detail["errors"][0]
    assert "overenkomst" in error["message"] and error["file"].endswith(f"{KMO}.yaml")
    assert error["line"] == broken.splitlines().index(next(s for s in broken.splitlines() if "overenkomst" in s)) + 1
    assert client.get("/health").json()["stale"] == [KMO]
    assert registry.refresh() == []  # an unchanged broken file is not checked again

    path.write_text(original.replace(RATES, "values: {klein: 40%, middelgroot: 20%, groot: 0%}"), encoding="utf-8")
    assert registry.refresh() == [KMO]
    status, after = decide(client)
    new_hash = after["receipt"]["measure_hash"]
    assert status == 200 and after["amount"] != "337.50" and new_hash != old_hash
    detail = client.get(f"/measures/{KMO}").json()
    assert detail["status"] == "ok" and detail["errors"] == [] and detail["hash"] == new_hash
    status, pinned = decide(client, hash=old_hash)
    assert status == 409 and pinned["measure_hash"] == new_hash


def test_a_broken_import_keeps_every_measure_using_it(serve, folder):
    client = serve(folder)
    registry = client.app.state.service.registry
    common = folder / "common" / "kmo-definitie.yaml"
    common.write_text(common.read_text(encoding="utf-8") + "\nthis is: [not closed\n", encoding="utf-8")
    assert registry.refresh() == ["innovatieve-starterssteun", KMO, "rentetoelage-hinder-openbare-werken"]
    assert sorted(client.get("/health").json()["stale"]) == ["innovatieve-starterssteun", KMO,
                                                               "rentetoelage-hinder-openbare-werken"]
    status, body = decide(client)
    assert status == 200 and body["amount"] == "337.50"


def test_a_measure_broken_from_the_start_is_unavailable_until_fixed(serve, folder):
    path = folder / f"{KMO}.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("measure: kmo-portefeuille", "measure: kmo-portefeuille\nmeasure: twice"),
                    encoding="utf-8")
    client = serve(folder)
    assert client.get("/health").json()["unavailable"] == [KMO]
    status, body = decide(client)
    assert status == 503 and body["type"] == "urn:rulerun:problem:measure-unavailable"
    assert "duplicate key" in body["detail"] and body["errors"][0]["line"]
    path.write_text(original, encoding="utf-8")
    client.app.state.service.registry.refresh()
    assert decide(client)[0] == 200


def test_new_and_removed_measure_files(serve, folder):
    client = serve(folder)
    registry = client.app.state.service.registry
    kmo = folder / f"{KMO}.yaml"
    copy = folder / "kopie.yaml"
    copy.write_text(kmo.read_text(encoding="utf-8").replace("measure: kmo-portefeuille", "measure: kopie"),
                    encoding="utf-8")
    assert registry.refresh() == ["kopie"]
    assert "kopie" in [m["id"] for m in client.get("/measures").json()]
    kmo.unlink()
    assert registry.refresh() == [KMO]
    detail = client.get(f"/measures/{KMO}").json()
    assert detail["status"] == "stale" and "no longer exists" in detail["errors"][0]["message"]
    assert decide(client)[0] == 200
    definitions = folder / "de-minimis.yaml"
    definitions.write_text((folder / "common" / "de-minimis.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    registry.refresh()
    assert "de-minimis" not in [m["id"] for m in client.get("/measures").json()]
    assert json.loads(client.get("/measures/de-minimis").text)["status"] == 404  # definitions are not served
    assert registry.refresh() == []
