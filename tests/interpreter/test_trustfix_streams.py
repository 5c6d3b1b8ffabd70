"""A closed or full standard error never changes a command's exit code."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

INVALID = Path(__file__).resolve().parents[2] / "tests" / "invalid"
RULERUN = [sys.executable, "-c", "from rulerun.interpreter.cli import main; main()"]


def run(args: list[str], tmp_path: Path, stderr: str) -> int:
    """The exit code of rulerun with standard error closed (`2>&-`) or on a full device (`2>/dev/full`)."""
    (tmp_path / "good.jsonl").write_text('{"id": "a", "facts": {}}\n')
    (tmp_path / "bad.yaml").write_text((INVALID / "valid-case.yaml").read_text().replace("kost: 1000", "kost: abc"))
    if stderr == "closed":
        result = subprocess.run(RULERUN + args, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                preexec_fn=lambda: os.close(2), timeout=120)
    else:
        with open("/dev/full", "w") as full:
            result = subprocess.run(RULERUN + args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=full,
                                    timeout=120)
    return result.returncode


@pytest.mark.parametrize("stderr", ["closed", "full"])
@pytest.mark.parametrize("args, code", [
    (["batch", str(INVALID / "proef.yaml"), "good.jsonl", "--on", "2022-02-01"], 0),
    (["explain", str(INVALID / "proef.yaml"), "bad.yaml"], 3),
    (["batch", str(INVALID / "proef.yaml"), "missing.jsonl"], 64),
])
def test_the_exit_code_is_the_outcome_s(tmp_path, args, code, stderr):
    assert run(args, tmp_path, stderr) == code
