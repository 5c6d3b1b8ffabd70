"""One defect per request body (or start-up option) of `rulerun serve`: the exact problem and status are pinned."""
from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from rulerun.interpreter.cli import main
from rulerun.interpreter.service.app import create_app
from rulerun.interpreter.service.settings import Settings

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
BODIES = sorted(p.name for p in (HERE / "serve").iterdir() if p.suffix in (".json", ".yaml"))


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(measures=str(ROOT / "measures"), reload_interval=0))) as started:
        yield started


@pytest.mark.parametrize("name", BODIES)
def test_invalid_body(name, client, snapshot):
    response = client.post("/measures/kmo-portefeuille/decide", content=(HERE / "serve" / name).read_bytes())
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"
    out = f"status {response.status_code}\n{json.dumps(response.json(), indent=2, ensure_ascii=False)}\n"
    assert "Traceback" not in out
    assert out == snapshot


def run(args, monkeypatch) -> str:
    monkeypatch.chdir(HERE)
    result = CliRunner().invoke(main, args)
    return f"exit {result.exit_code}\n{result.output}"


@pytest.mark.parametrize("args", [
    ["serve", "--measures", "no-such-folder"],
    ["serve", "--measures", "..", "--token-file", "serve/weak-token.txt"],
    ["serve", "--measures", "..", "--token-file", "serve/no-such-token"],
    ["serve", "--measures", "..", "--decision-log", "no-such-folder/decisions.jsonl"],
    ["serve", "--port", "70000"],
    ["serve", "--workers", "0"],
], ids=["measures-folder", "weak-token", "missing-token", "decision-log-folder", "port", "workers"])
def test_invalid_start(args, snapshot, monkeypatch):
    out = run(args, monkeypatch)
    assert not out.startswith("exit 0") and "Traceback" not in out
    assert out == snapshot


def test_a_taken_port_is_a_usage_error(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run(["serve", "--measures", "..", "--port", str(port)], monkeypatch)
    assert out == (f"exit 64\nerror: cannot listen on 127.0.0.1:{port}: Address already in use\n"
                   "  = hint: choose another --port, or stop the program using this one\n")
