"""Token authentication, CORS and the decision log of `rulerun serve`."""
from __future__ import annotations

import json

import pytest

from rulerun.dsl.errors import UsageError
from rulerun.interpreter.formats.cases import read_case
from rulerun.interpreter.service.auth import read_token

from conftest import ROOT, case_body

KMO = "kmo-portefeuille"
R3 = case_body(read_case(ROOT / "measures" / "cases" / KMO / "r3-klein-opleiding.yaml"))
TOKEN = "s3cret-token-of-enough-length"


@pytest.fixture
def guarded(serve, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    return serve(token_file=str(token_file))


def test_requests_need_the_token(guarded):
    response = guarded.post(f"/measures/{KMO}/decide", content=R3)
    assert response.status_code == 401 and response.headers["www-authenticate"] == 'Bearer realm="rulerun"'
    body = response.json()
    assert body["type"] == "urn:rulerun:problem:unauthorized" and "--token-file" in body["errors"][0]["hint"]
    assert guarded.get("/measures", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/openapi.json").status_code == 401
    authorized = {"Authorization": f"Bearer {TOKEN}"}
    assert guarded.post(f"/measures/{KMO}/decide", content=R3, headers=authorized).status_code == 200
    assert guarded.get("/health").status_code == 200  # for load balancers, and it tells nothing of the cases


@pytest.mark.parametrize("text", ["", "short\n", "has a space in it somewhere\n"])
def test_a_weak_or_empty_token_file_is_refused(tmp_path, text):
    path = tmp_path / "token"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match="at least 16 printable characters"):
        read_token(path)


def test_a_missing_token_file_is_refused(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        read_token(tmp_path / "nope")


def test_cors_is_off_unless_configured(serve):
    origin = {"Origin": "https://portal.example", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in serve().options(f"/measures/{KMO}/decide", headers=origin).headers
    allowed = serve(cors_origins=("https://portal.example",)).options(f"/measures/{KMO}/decide", headers=origin)
    assert allowed.headers["access-control-allow-origin"] == "https://portal.example"


def test_decision_log_has_one_line_per_decision(serve, tmp_path):
    log = tmp_path / "decisions.jsonl"
    client = serve(decision_log=str(log))
    first = client.post(f"/measures/{KMO}/decide", content=R3).json()
    explained = client.post(f"/measures/{KMO}/explain?format=text", content=R3)
    batch = "\n".join(json.dumps({"id": str(i), "on": "2026-11-01", "facts": {}}) for i in range(3)) + "\nnot json\n"
    records = [json.loads(line) for line in client.post(f"/measures/{KMO}/batch", content=batch).text.splitlines()]
    client.post(f"/measures/{KMO}/decide", content='{"facts": {"dienst": 1}}')  # refused: no decision, no line
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["endpoint"] for line in lines] == ["decide", "explain", "batch", "batch", "batch"]
    assert lines[0]["decision_id"] == first["decision_id"]
    assert lines[1]["decision_id"] == explained.headers["rulerun-decision-id"]
    assert [line["decision_id"] for line in lines[2:]] == [r["decision_id"] for r in records[:3]]
    assert lines[0]["measure_hash"] == first["receipt"]["measure_hash"]
    assert lines[0]["input_hash"] == first["receipt"]["input_hash"] == lines[1]["input_hash"]
    assert lines[0]["outcome"] == {"eligible": "yes", "amount": "337.50", "missing": [], "failed": []}
    assert lines[2]["outcome"]["eligible"] == "undetermined" and lines[2]["time"].endswith("+00:00")
    assert sorted(lines[0]) == ["decision_id", "endpoint", "input_hash", "measure", "measure_hash", "outcome", "time"]


def test_no_decision_log_by_default(client, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert client.post(f"/measures/{KMO}/decide", content=R3).status_code == 200
    assert list(tmp_path.iterdir()) == []
