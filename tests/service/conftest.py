"""Fixtures for the HTTP service: an in-process client over the bundled measures, and helpers to build others."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rulerun.interpreter.service.app import create_app
from rulerun.interpreter.service.settings import Settings
from rulerun.interpreter.service.workbench.plain import plain

ROOT = Path(__file__).resolve().parents[2]


def case_body(case) -> str:
    """A case read from a file, as the JSON body a client sends."""
    body = {"facts": plain(case.facts)}
    if case.on is not None:
        body["on"] = case.on.isoformat()
    return json.dumps(body)


@pytest.fixture
def serve(monkeypatch):
    """`serve(folder="measures", **settings)`: a started TestClient; measure paths shown as the CLI shows them."""
    monkeypatch.chdir(ROOT)
    clients = []

    def _serve(folder: str | Path = "measures", **options) -> TestClient:
        options.setdefault("reload_interval", 0)
        client = TestClient(create_app(Settings(measures=str(folder), **options)))
        client.__enter__()
        clients.append(client)
        return client
    yield _serve
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(serve) -> TestClient:
    """A client of the bundled measures."""
    return serve()


@pytest.fixture
def folder(tmp_path) -> Path:
    """A copy of the bundled measures folder (without cases) to edit."""
    target = tmp_path / "measures"
    shutil.copytree(ROOT / "measures", target, ignore=shutil.ignore_patterns("cases"))
    return target


def free_port() -> int:
    """A port free on the loopback address now."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A real `rulerun serve` process on a free loopback port, started in `cwd`; stopped by `stop()`."""

    def __init__(self, cwd: Path, *options: str):
        import os
        import subprocess
        import sys
        import time
        import urllib.request
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"server-{self.port}.log"
        import shutil
        script = Path(sys.executable).with_name("rulerun")
        command = [str(script) if script.exists() else shutil.which("rulerun"), "serve", "--port", str(self.port),
                   *options]
        self.process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                                        stderr=self.log.open("wb"), env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("the server did not start:\n" + self.log.read_text(errors="replace"))
            time.sleep(0.1)

    def stop(self) -> None:
        import subprocess
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
