"""mypy, run as docs/architecture.md says, finds no error in any module of dsl/ and interpreter/.

The command checks the package `rulerun` as installed (tests/typecheck/rulerun/ links dsl/, interpreter/ and
the top package together), so every module is checked once, under its real name.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEW = ROOT / "tests" / "typecheck" / "rulerun"


def _documented_command() -> list[str]:
    """The command of the "Checking types" section of docs/architecture.md."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page.split("## Checking types\n", 1)[1]
    return shlex.split(re.search(r"```bash\n(.*?)\n```", section, re.S).group(1))


def _sources() -> set[Path]:
    """Every Python file of the package: dsl/, interpreter/ (interpreter/api/ is the top package) and schemas/."""
    return {p.resolve() for folder in ("dsl", "interpreter", "schemas") for p in (ROOT / folder).rglob("*.py")}


def test_the_view_links_every_module_once():
    linked = [(Path(folder) / name).resolve() for folder, _, names in os.walk(VIEW, followlinks=True)
              for name in names if name.endswith(".py") and not Path(folder).is_relative_to(VIEW / "interpreter" / "api")]
    assert sorted(linked) == sorted(_sources())


def test_mypy_finds_no_error_in_dsl_and_interpreter(tmp_path):
    command = _documented_command()
    assert command == ["python", "-m", "mypy"]
    env = {**os.environ, "MYPY_CACHE_DIR": str(tmp_path / "cache")}  # the cache aside, not in the repository
    result = subprocess.run([sys.executable, *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    assert result.stderr == "", result.stderr
    assert result.returncode == 0, result.stdout
    found = re.search(r"Success: no issues found in (\d+) source files", result.stdout)
    assert found is not None, result.stdout
    assert int(found.group(1)) == len(_sources()), result.stdout  # each module once, the top package not twice
