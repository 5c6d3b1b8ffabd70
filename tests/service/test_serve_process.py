"""A real `rulerun serve` process on a free loopback port, spoken to over HTTP: two workers, a token,
the decision log, a streamed batch, and a hot swap seen through the file watcher."""
from __future__ import annotations

import json
import shutil
import time

import httpx

from rulerun.interpreter.formats.cases import read_case

from conftest import ROOT, Server, case_body

KMO = "kmo-portefeuille"
RATES = "values: {klein: 30%, middelgroot: 20%, groot: 0%}"


def test_a_real_server_decides_streams_logs_and_swaps(tmp_path):
    shutil.copytree(ROOT / "measures", tmp_path / "measures")
    (tmp_path / "token").write_text("a-token-for-the-real-server-test\n", encoding="utf-8")
    server = Server(tmp_path, "--workers", "2", "--token-file", "token", "--decision-log", "decisions.jsonl",
                    "--reload-interval", "0.2")
    try:
        headers = {"Authorization": "Bearer a-token-for-the-real-server-test"}
        body = case_body(read_case(ROOT / "measures" / "cases" / KMO / "r3-klein-opleiding.yaml"))
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            assert httpx.get(server.url + f"/measures/{KMO}", timeout=30).status_code == 401
            decided = client.post(f"/measures/{KMO}/decide", content=body).json()
            assert decided["amount"] == "337.50"

            # Megabytes each way: an answer that started before the whole body was read would wait for ever.
            ids = [f"{i:06}" + "x" * 2000 for i in range(20_000)]
            lines = "".join(json.dumps({"id": ident, "on": "2026-11-01", "facts": {}}) + "\n" for ident in ids)
            with client.stream("POST", f"/measures/{KMO}/batch", content=lines.encode()) as response:
                assert response.headers["content-type"] == "application/x-ndjson"
                records = [json.loads(line) for line in response.iter_lines() if line]
            assert [r["id"] for r in records] == ids

            path = tmp_path / "measures" / f"{KMO}.yaml"
            original = path.read_text(encoding="utf-8")
            path.write_text(original.replace("expr: aanvraag.datum >= dienst.overeenkomst",
                                             "expr: aanvraag.datum >= dienst.overenkomst"), encoding="utf-8")
            _wait(lambda: client.get(f"/measures/{KMO}").json()["status"] == "stale")
            assert client.post(f"/measures/{KMO}/decide", content=body).json()["amount"] == "337.50"

            path.write_text(original.replace(RATES, "values: {klein: 40%, middelgroot: 20%, groot: 0%}"),
                            encoding="utf-8")
            _wait(lambda: all(client.post(f"/measures/{KMO}/decide", content=body).json()["amount"] != "337.50"
                              for _ in range(6)))  # every worker has swapped
            assert client.get(f"/measures/{KMO}").json()["status"] == "ok"
    finally:
        server.stop()
    assert server.process.returncode is not None
    log = [json.loads(line) for line in (tmp_path / "decisions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert log[0]["decision_id"] == decided["decision_id"]
    assert sum(line["endpoint"] == "batch" for line in log) == 20_000


def _wait(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the server did not pick up the change"
        time.sleep(0.2)


def test_without_workers_one_runs_per_cpu(tmp_path):
    from rulerun.interpreter.service.server import default_workers
    (tmp_path / "measures").symlink_to(ROOT / "measures")
    server = Server(tmp_path, "--reload-interval", "0")
    try:
        workers = default_workers()
        _wait(lambda: len(_spawned(server.process.pid)) == (workers if workers > 1 else 0))
        assert httpx.get(server.url + "/health", timeout=30).json()["status"] == "ok"
    finally:
        server.stop()


def test_the_default_follows_the_cpus_it_may_use(monkeypatch):
    from rulerun.interpreter.service import server
    for cpus, expected in [({0}, 1), ({0, 1}, 2), (set(range(32)), server.MAX_DEFAULT_WORKERS)]:
        monkeypatch.setattr(server.os, "sched_getaffinity", lambda _pid, cpus=cpus: cpus, raising=False)
        assert server.default_workers() == expected


def _spawned(pid: int) -> list[int]:
    """The worker processes uvicorn started for the server `pid` (Linux)."""
    from pathlib import Path
    children = [int(p) for task in Path(f"/proc/{pid}/task").iterdir() for p in (task / "children").read_text().split()]
    return [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_an_editing_server_runs_one_worker_so_that_a_save_is_seen_by_every_request(tmp_path):
    (tmp_path / "measures").symlink_to(ROOT / "measures")
    server = Server(tmp_path, "--edit", "--reload-interval", "0")
    try:
        assert httpx.get(server.url + "/health", timeout=30).json()["status"] == "ok"
        assert _spawned(server.process.pid) == []  # one worker: the server process itself
    finally:
        server.stop()


def test_editing_with_several_workers_is_a_usage_error(tmp_path):
    from click.testing import CliRunner

    from rulerun.interpreter.cli import main
    (tmp_path / "measures").mkdir()
    result = CliRunner().invoke(main, ["serve", "--edit", "--workers", "2", "--measures", str(tmp_path / "measures")])
    assert result.exit_code == 64
    assert "--edit runs one worker: a save reaches only the worker that takes it" in result.output
