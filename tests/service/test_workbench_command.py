"""`rulerun workbench`: serves the page on localhost (without opening a browser here), and refuses a missing folder."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from conftest import ROOT, free_port


def _rulerun() -> str:
    script = Path(sys.executable).with_name("rulerun")
    return str(script) if script.exists() else shutil.which("rulerun")


def test_the_workbench_command_serves_the_page(tmp_path):
    shutil.copytree(ROOT / "measures", tmp_path / "measures", ignore=shutil.ignore_patterns("cases"))
    port = free_port()
    log = (tmp_path / "workbench.log").open("wb")
    process = subprocess.Popen([_rulerun(), "workbench", "measures", "--no-browser", "--port", str(port)],
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "workbench.log").read_text()
                time.sleep(0.1)
        assert page.status_code == 200 and "workbench" in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/workbench/settings", timeout=5).json() == {"edit": False}
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert f"on http://127.0.0.1:{port}" in (tmp_path / "workbench.log").read_text()


def test_the_workbench_refuses_a_missing_folder(run, tmp_path):
    result = run("workbench", str(tmp_path / "nowhere"), "--no-browser")
    assert result.exit_code == 64
    assert "is not a folder" in result.output and "give the folder of your measure files" in result.output


def _start_without_serving(monkeypatch) -> tuple[list[str], list[int]]:
    """`webbrowser.open` recorded, not called; uvicorn's loop replaced by closing the listening socket."""
    import socket

    import uvicorn
    opened: list[str] = []
    ports: list[int] = []

    def fake_open(url: str, *args, **kwargs) -> bool:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # the socket listens already: the browser's first request waits for the server, it is not refused
        opened.append(url)
        return True

    def fake_serve(self, sockets=None):
        ports.append(sockets[0].getsockname()[1])
        sockets[0].close()

    monkeypatch.setattr("webbrowser.open", fake_open)
    monkeypatch.setattr(uvicorn.Server, "run", fake_serve)
    return opened, ports


def test_the_workbench_opens_the_browser_at_its_address(run, monkeypatch):
    opened, ports = _start_without_serving(monkeypatch)
    result = run("workbench", "measures")
    assert result.exit_code == 0, result.output
    assert len(ports) == 1 and ports[0] > 0
    assert opened == [f"http://127.0.0.1:{ports[0]}/"]
    assert f"on http://127.0.0.1:{ports[0]}" in result.output


def test_the_workbench_without_browser_opens_none(run, monkeypatch):
    opened, ports = _start_without_serving(monkeypatch)
    result = run("workbench", "measures", "--no-browser", "--edit")
    assert result.exit_code == 0, result.output
    assert len(ports) == 1 and opened == []
