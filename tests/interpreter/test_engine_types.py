"""The engine type-checks: mypy at default settings finds nothing in interpreter/engine."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_finds_no_error_in_the_engine():
    env = {**os.environ, "MYPYPATH": str(ROOT / "typings")}
    # Only the engine's own files are reported on; dsl/ is read for its types.
    done = subprocess.run([sys.executable, "-m", "mypy", "--follow-imports=silent", "interpreter/engine"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout
