"""mypy, with the project's settings, finds no error in the parts typed so far.

The typed parts: the language (dsl/), the public API (the `rulerun` package), the engine
(interpreter/engine/) and the command line. The rest of interpreter/ is checked in
the same run, so that the typed parts are checked against it, but its findings are not counted yet.
"""
from __future__ import annotations

import re
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent
TYPED = ("rulerun/dsl/", "rulerun/__init__.py", "rulerun/measure.py", "rulerun/interpreter/api/",
         "rulerun/interpreter/engine/", "rulerun/interpreter/cli.py")


def _installed_layout(tmp_path: Path) -> Path:
    """The package as installed (rulerun/, rulerun/dsl/, rulerun/interpreter/), made of links to the sources."""
    package = tmp_path / "rulerun"
    package.mkdir()
    for source in (ROOT / "interpreter" / "api").iterdir():
        if source.suffix in (".py", ".typed"):
            (package / source.name).symlink_to(source)
    (package / "dsl").symlink_to(ROOT / "dsl")
    (package / "interpreter").symlink_to(ROOT / "interpreter")
    return package


def test_the_typed_parts_have_no_mypy_errors(tmp_path, monkeypatch):
    _installed_layout(tmp_path)
    monkeypatch.chdir(tmp_path)
    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--no-color-output",
                                      "--cache-dir", str(tmp_path / "cache"), "rulerun"])
    assert status in (0, 1) and not stderr, stderr
    checked = int(re.search(r"(\d+) source files?", stdout).group(1))
    assert checked >= len(list(ROOT.glob("dsl/*.py"))) + len(list(ROOT.glob("interpreter/**/*.py"))), stdout
    errors = [line for line in stdout.splitlines() if ": error: " in line]
    typed = [line for line in errors if line.startswith(TYPED)]
    assert typed == [], "\n".join(typed)
