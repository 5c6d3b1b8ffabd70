"""Hostile files: patterns, what is read and how much, YAML size, imports. Exact messages and exit codes pinned.

Every command runs in its own process with a generous timeout, so a hang fails the test instead
of stopping the suite; no timing is asserted.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rulerun.dsl.files import MAX_FILE_BYTES

HERE = Path(__file__).parent
FILES = HERE / "files"
ROOT_MEASURES = HERE.parent.parent / "measures"
TIMEOUT = 60
MEASURES = ["fact-pattern-invalid.yaml", "fact-pattern-lookahead.yaml", "pattern-backreference.yaml",
            "import-parent.yaml", "import-absolute.yaml", "import-not-a-measure.yaml", "not-a-measure.yaml"]
CASES = ["case-deep-nesting.yaml"]


def rulerun(*args: str, cwd: Path, stdin: bytes | None = None) -> str:
    """`exit N` and what `rulerun args` printed (stdout and stderr)."""
    env = {**os.environ, "RULERUN_CACHE_DIR": ""}
    done = subprocess.run([sys.executable, "-c", "from rulerun.interpreter.cli import main; main()", *args],
                          cwd=cwd, input=stdin if stdin is not None else b"", stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=TIMEOUT, env=env)
    return f"exit {done.returncode}\n{done.stdout.decode('utf-8')}"


def test_every_fixture_is_run():
    assert sorted(p.name for p in FILES.glob("*.yaml")) == sorted(MEASURES + CASES + ["fact-pattern-nested.yaml",
                                                                                      "import-symlink.yaml"])


@pytest.mark.parametrize("name", MEASURES)
def test_invalid_measure_file(name, snapshot):
    out = rulerun("check", f"files/{name}", cwd=HERE)
    assert out.startswith("exit 2\n") and "Traceback" not in out
    assert out == snapshot


@pytest.mark.parametrize("name", CASES)
def test_invalid_case_file(name, snapshot):
    out = rulerun("explain", "proef.yaml", f"files/{name}", "--on", "2022-02-01", cwd=HERE)
    assert out.startswith("exit 3\n") and "Traceback" not in out
    assert out == snapshot


def test_no_line_of_a_non_measure_is_shown():
    for name in ("not-a-measure.yaml", "import-not-a-measure.yaml"):
        out = rulerun("check", f"files/{name}", cwd=HERE)
        assert "hunter2" not in out and "root" not in out


@pytest.fixture
def folder(tmp_path):
    """A working folder holding the trial measure and a valid case."""
    shutil.copy(HERE / "proef.yaml", tmp_path / "proef.yaml")
    shutil.copy(HERE / "valid-case.yaml", tmp_path / "case.yaml")
    return tmp_path


def test_import_through_a_symlink_out_of_the_folder(tmp_path, snapshot):
    root, outside = tmp_path / "maatregelen", tmp_path / "elders"
    (root / "common").mkdir(parents=True)
    outside.mkdir()
    shutil.copy(HERE / "measures" / "cycle" / "twee.yaml", outside / "kmo.yaml")
    shutil.copy(FILES / "import-symlink.yaml", root / "import-symlink.yaml")
    (root / "common" / "kmo.yaml").symlink_to(Path("..") / ".." / "elders" / "kmo.yaml")
    out = rulerun("check", "import-symlink.yaml", cwd=root)
    assert out.startswith("exit 2\n") and "outside the folder" in out
    assert out == snapshot


def test_import_through_a_symlink_inside_the_folder_is_allowed(tmp_path):
    root = tmp_path / "maatregelen"
    (root / "common").mkdir(parents=True)
    (root / "elders").mkdir()
    shutil.copy(ROOT_MEASURES / "kmo-portefeuille.yaml", root / "kmo-portefeuille.yaml")
    shutil.copy(ROOT_MEASURES / "common" / "de-minimis.yaml", root / "common" / "de-minimis.yaml")
    shutil.copy(ROOT_MEASURES / "common" / "kmo-definitie.yaml", root / "elders" / "kmo-definitie.yaml")
    (root / "common" / "kmo-definitie.yaml").symlink_to(Path("..") / "elders" / "kmo-definitie.yaml")
    out = rulerun("check", "kmo-portefeuille.yaml", cwd=root)
    assert out.startswith("exit 0\n"), out


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _dev_zero(path: Path) -> Path:
    path.symlink_to("/dev/zero")
    return path


def _oversized(path: Path) -> Path:
    with path.open("wb") as handle:
        handle.write(b"# " + b"x" * (MAX_FILE_BYTES - 2) + b"\n")
    return path


def _flow_list(path: Path) -> Path:
    path.write_text("facts:\n  aandeelhouders: [" + ", ".join(["{}"] * 600_000) + "]\n", encoding="utf-8")
    return path


def _long_line(path: Path) -> Path:
    path.write_text("facts:\n  erkenningsnummer: DV." + "0" * 1_000_000 + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("make", [_fifo, _dev_zero, _oversized, _flow_list, _long_line])
def test_hostile_case_file(make, folder, snapshot):
    make(folder / "geval.yaml")
    out = rulerun("explain", "proef.yaml", "geval.yaml", "--on", "2022-02-01", cwd=folder)
    assert out.startswith("exit 3\n") and "Traceback" not in out
    assert len(out) < 2000  # nothing of the file's bulk is echoed
    assert out == snapshot


@pytest.mark.parametrize("make", [_fifo, _dev_zero, _oversized])
def test_hostile_measure_file(make, folder, snapshot):
    make(folder / "maatregel.yaml")
    out = rulerun("check", "maatregel.yaml", cwd=folder)
    assert out.startswith("exit 2\n") and "Traceback" not in out
    assert out == snapshot


@pytest.mark.parametrize("command", ["check", "explain"])
def test_hostile_import(command, folder, snapshot):
    text = (folder / "proef.yaml").read_text(encoding="utf-8")
    (folder / "proef.yaml").write_text(text.replace("reference_date:", "uses:\n  x: pijp.yaml\nreference_date:"),
                                       encoding="utf-8")
    _fifo(folder / "pijp.yaml")
    out = rulerun(*([command, "proef.yaml"] + (["case.yaml"] if command == "explain" else [])), cwd=folder)
    assert out.startswith("exit 2\n") and "Traceback" not in out
    assert out == snapshot


def test_import_path_with_a_nul_character(folder, snapshot):
    text = (folder / "proef.yaml").read_text(encoding="utf-8")
    (folder / "proef.yaml").write_text(text.replace("reference_date:", 'uses:\n  x: "a\\0.yaml"\nreference_date:'),
                                       encoding="utf-8")
    out = rulerun("check", "proef.yaml", cwd=folder)
    assert out.startswith("exit 2\n") and "Traceback" not in out
    assert out == snapshot


def test_oversized_standard_input(folder, snapshot):
    out = rulerun("explain", "proef.yaml", "-", cwd=folder, stdin=b"#" * (MAX_FILE_BYTES + 1))
    assert out.startswith("exit 3\n")
    assert out == snapshot


@pytest.mark.parametrize("command", ["batch", "diff"])
def test_batch_input_that_is_a_fifo(command, folder, snapshot):
    _fifo(folder / "gevallen.jsonl")
    args = ["batch", "proef.yaml", "gevallen.jsonl"] if command == "batch" else [
        "diff", "proef.yaml", "proef.yaml", "gevallen.jsonl"]
    out = rulerun(*args, cwd=folder)
    assert out.startswith("exit 64\n")
    assert out == snapshot


def test_test_command_with_a_fifo_among_the_cases(folder):
    cases = folder / "cases" / "proef"
    cases.mkdir(parents=True)
    shutil.copy(folder / "case.yaml", cases / "geldig.yaml")
    _fifo(cases / "pijp.yaml")
    out = rulerun("test", "proef.yaml", cwd=folder)
    assert out.startswith("exit 3\n") and "is a named pipe (FIFO), not a file" in out


def _case_with_number(path: Path, number: str) -> None:
    valid = (HERE / "valid-case.yaml").read_text(encoding="utf-8")
    path.write_text(valid.replace("DV.O225337", number), encoding="utf-8")


def test_pathological_fact_pattern_on_a_long_text_finishes(tmp_path):
    shutil.copy(FILES / "fact-pattern-nested.yaml", tmp_path / "fact-pattern-nested.yaml")
    _case_with_number(tmp_path / "geval.yaml", "a" * 200_000)
    out = rulerun("explain", "fact-pattern-nested.yaml", "geval.yaml", cwd=tmp_path)
    assert out.startswith("exit 3\n") and "does not have the required form" in out
    assert len(out) < 2000
    _case_with_number(tmp_path / "geval.yaml", "a" * 200_000 + "b")  # the whole text is matched, not a prefix
    out = rulerun("explain", "fact-pattern-nested.yaml", "geval.yaml", "--format", "json", "--no-trace",
                  cwd=tmp_path)
    assert out.startswith("exit 0\n") and '"eligible": "yes"' in out


# Short ids: the test's id reaches the subprocess's environment (PYTEST_CURRENT_TEST), which has a size limit.
@pytest.mark.parametrize("number, failed", [("a" * 200_000, True), ("a" * 200_000 + "b", False)],
                         ids=["no-match", "match"])
def test_matches_on_a_long_text_finishes(number, failed, tmp_path):
    text = (FILES / "fact-pattern-nested.yaml").read_text(encoding="utf-8").replace("    pattern: '(a+)+b'\n", "")
    (tmp_path / "fact-pattern-nested.yaml").write_text(text, encoding="utf-8")
    _case_with_number(tmp_path / "geval.yaml", number)
    out = rulerun("explain", "fact-pattern-nested.yaml", "geval.yaml", "--format", "json", "--no-trace",
                  cwd=tmp_path)
    assert out.startswith("exit 0\n")
    assert ('"nummer"' in out) is failed


@pytest.mark.parametrize("fact, value", [("kost", "€"), ("termijn", "14 days"), ("aandeelhouders", "50%")])
def test_long_runs_of_spaces_in_a_value_finish(fact, value, folder):
    spaces = " " * 1_000_000
    if fact == "aandeelhouders":
        line = f"  aandeelhouders: [{{naam: Jan, aandeel: '1{spaces}x{value}'}}]"
    else:
        line = f"  {fact}: '{spaces}{value}{spaces}x'"
    (folder / "geval.yaml").write_text(f"facts:\n{line}\n", encoding="utf-8")
    out = rulerun("explain", "proef.yaml", "geval.yaml", "--on", "2022-02-01", cwd=folder)
    assert out.startswith("exit 3\n") and "Traceback" not in out
    assert len(out) < 2000
