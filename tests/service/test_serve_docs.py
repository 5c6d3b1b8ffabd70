"""The curl examples of docs/serve.md run against a real server and answer what the page shows."""
from __future__ import annotations

import json
import re
import subprocess

import pytest

from conftest import ROOT, Server

PAGE = ROOT / "docs" / "serve.md"
EXAMPLE = re.compile(r"```bash\n(.*?)```\n\n```(json|ndjson)\n(.*?)```", re.S)
EXAMPLES = EXAMPLE.findall(PAGE.read_text(encoding="utf-8"))
SHOWN_URL = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("serve-docs")
    (workspace / "measures").symlink_to(ROOT / "measures")
    running = Server(workspace, "--reload-interval", "0")
    yield running
    running.stop()


def matches(shown, got) -> bool:
    """`got` is what is shown, where a shown "..." stands for any value."""
    if shown == "...":
        return True
    if isinstance(shown, dict):
        return isinstance(got, dict) and shown.keys() == got.keys() and all(matches(shown[k], got[k]) for k in shown)
    if isinstance(shown, list):
        return isinstance(got, list) and len(shown) == len(got) and all(map(matches, shown, got))
    return shown == got


def test_the_page_has_examples():
    assert len(EXAMPLES) >= 5
    assert all(command.lstrip().startswith(("curl ", "printf ", "sed ")) and SHOWN_URL in command
               for command, _kind, _shown in EXAMPLES)


@pytest.mark.parametrize("command, kind, shown", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_curl_example(server, command, kind, shown):
    run = subprocess.run(["bash", "-c", command.replace(SHOWN_URL, server.url)], cwd=server.log.parent,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    if kind == "json":
        assert matches(json.loads(shown), json.loads(run.stdout)), run.stdout
    else:
        lines = run.stdout.splitlines()
        expected = shown.splitlines()
        assert len(lines) == len(expected) and all(matches(json.loads(s), json.loads(g))
                                                   for s, g in zip(expected, lines)), run.stdout
