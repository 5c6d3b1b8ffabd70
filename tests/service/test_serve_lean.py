"""/decide's lean path: its ordinary requests skip FastAPI's parameter solving, and every request answers as before."""
from __future__ import annotations

import pytest

from rulerun.interpreter.formats.cases import read_case
from rulerun.interpreter.service.lean import boolean, choice, read_query, text

from conftest import ROOT, case_body

KMO = "kmo-portefeuille"
R3 = ROOT / "measures" / "cases" / KMO / "r3-klein-opleiding.yaml"
READERS = {"on": text, "lang": choice("nl", "en"), "trace": boolean}


def test_ordinary_parameters_are_read():
    assert read_query(b"", READERS) == {}
    assert read_query(b"trace=false&lang=nl&on=2026-01-01", READERS) == {"trace": False, "lang": "nl",
                                                                         "on": "2026-01-01"}
    assert read_query(b"on=", READERS) == {"on": ""}  # read as given: the endpoint says what is wrong with it
    assert read_query(b"lang=%6El", READERS) == {"lang": "nl"}


@pytest.mark.parametrize("query", [b"lang=fr", b"trace=1", b"trace=", b"trace=false&trace=true", b"other=1", b"trace"])
def test_anything_else_goes_to_the_framework(query):
    assert read_query(query, READERS) is None


def _decision(response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    del body["decision_id"], body["receipt"]["decided_at"]
    return body


@pytest.mark.parametrize("lean, framework", [
    ("trace=false", "trace=0"), ("trace=true", "trace=yes"), ("trace=false&lang=nl", "lang=en&trace=off&lang=nl"),
    ("trace=false", "trace=false&unknown=1"), ("", "audience=analyst&trace=on"),
])
def test_both_paths_decide_alike(client, lean, framework):
    body = case_body(read_case(R3))
    assert _decision(client.post(f"/measures/{KMO}/decide?{lean}", content=body)) == \
        _decision(client.post(f"/measures/{KMO}/decide?{framework}", content=body))


def test_the_decide_route_is_documented_as_before(client):
    operation = client.get("/openapi.json").json()["paths"]["/measures/{measure_id}/decide"]["post"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"measure_id", "on", "lang", "trace", "audience", "hash"}
    assert parameters["lang"]["schema"]["enum"] == ["nl", "en"] and parameters["trace"]["schema"]["default"] is True
    assert parameters["hash"]["description"] == "The measure hash the decision must be made with."
