"""Shared fixtures: the repository root, and a helper to write measure files for a test."""
from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def write(tmp_path, monkeypatch):
    """Write dedented text to a file under a temporary folder (the working directory) and return its name."""
    monkeypatch.chdir(tmp_path)

    def _write(name: str, text: str) -> Path:
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path
    return _write


@pytest.fixture
def run(monkeypatch):
    """Invoke the `rulerun` command line in the repository root: `run("explain", …, input=…)`."""
    from click.testing import CliRunner

    from rulerun.interpreter.cli import main
    monkeypatch.chdir(ROOT)

    def _run(*args, input=None):
        return CliRunner().invoke(main, list(args), input=input)
    return _run


@pytest.fixture(autouse=True, scope="session")
def _stamp_folder(tmp_path_factory):
    """Keep the schema stamps of the test run (also of the processes it starts) out of the user's cache."""
    import os
    os.environ["RULERUN_CACHE_DIR"] = str(tmp_path_factory.mktemp("stamps"))


@pytest.fixture(autouse=True, scope="session")
def decisions_follow_the_schema():
    """Every decision a test has rulerun give must follow schemas/decision.schema.json.

    Checked where the decisions are made: the JSON of `rulerun explain --format json`, every auditable
    decision (the API's `decision_json`, the service's /decide and /questions), and every record of
    `rulerun batch` (as records and as JSON Lines text) and the service's /batch.
    """
    import json

    from rulerun.interpreter.formats import render
    from rulerun.interpreter.tools import batch

    from decision_schema import validate_decision
    originals = render.to_json_text, render.decision_json, batch.decide_items, batch.decide_lines

    def checked_text(*args, **kwargs):
        text = originals[0](*args, **kwargs)
        validate_decision(text)
        return text

    def checked_decision(*args, **kwargs):
        data = originals[1](*args, **kwargs)
        if kwargs.get("receipt") is not None:  # the auditable shape; without a receipt, a part of a batch record
            validate_decision(data)  # as data: a deep trace is not written to text and read back
        return data

    def checked_records(*args, **kwargs):
        records = originals[2](*args, **kwargs)
        for record in records:
            validate_decision(json.dumps(record))
        return records
    def checked_lines(*args, **kwargs):
        text = originals[3](*args, **kwargs)
        for line in text.splitlines():
            validate_decision(line)
        return text
    render.to_json_text, render.decision_json, batch.decide_items, batch.decide_lines = (
        checked_text, checked_decision, checked_records, checked_lines)
    yield
    render.to_json_text, render.decision_json, batch.decide_items, batch.decide_lines = originals


def _chromium() -> str:
    """The Debian Chromium, installed (as root, without prompts) when missing: browser tests run, they are not skipped."""
    found = shutil.which("chromium")
    if found is None and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=900)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env, timeout=1800)
        found = shutil.which("chromium")
    assert found, "the browser test needs Chromium: apt-get install chromium (as root)"
    return found


@pytest.fixture(scope="module")
def browser():
    """The system Chromium, headless, driven by Playwright: one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=_chromium(), headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()
