"""The server's view of the files: which it judges, and limits on what it is given."""
from __future__ import annotations

from pathlib import Path

from rulerun.dsl.files import MAX_FILE_BYTES
from rulerun.interpreter.lsp.workspace import Workspace

from lsp_editor import MEASURES

KMO = (MEASURES / "kmo-portefeuille.yaml").resolve()
DEFINITIE = (MEASURES / "common" / "kmo-definitie.yaml").resolve()


def test_an_imported_file_belongs_to_every_measure_that_uses_it():
    roots = Workspace().roots(DEFINITIE)
    assert roots[0] == DEFINITIE
    users = {p.resolve() for p in MEASURES.glob("*.yaml") if "common/kmo-definitie.yaml" in p.read_text("utf-8")}
    assert len(users) >= 2 and set(roots[1:]) == users


def test_a_case_belongs_to_its_measure():
    case = (MEASURES / "cases" / "kmo-portefeuille" / "aanvraag-dag-14.yaml").resolve()
    assert Workspace().roots(case) == [KMO]


def test_other_yaml_files_are_left_alone(tmp_path: Path):
    other = tmp_path / "ci.yaml"
    files = Workspace()
    files.edit(other, "steps:\n  - run: make\n")
    assert files.roots(other) == []
    files.edit(other, "measure: ci\ntitle: [unclosed\n")
    assert files.roots(other) == [other]


def test_a_text_over_the_size_limit_is_reported_not_read(tmp_path: Path):
    huge = tmp_path / "groot.yaml"
    files = Workspace()
    files.edit(huge, "measure: groot\n" + "#" * MAX_FILE_BYTES)
    [diagnostic] = files.analyse(huge).diagnostics
    assert diagnostic.message == f"is larger than {MAX_FILE_BYTES} bytes, the most rulerun reads from one file"


def test_an_unsaved_text_is_what_is_checked():
    files = Workspace()
    files.edit(KMO, KMO.read_text(encoding="utf-8").replace(">= minimum_advies", ">= minimum_adviez"))
    analysis = files.analyse(KMO)
    assert [d.message for d in analysis.diagnostics] == ["unknown name `minimum_adviez`"]
    assert analysis.checked is None and not analysis.stale  # it loads: its names stay navigable
    files.edit(KMO, None)
    assert files.analyse(KMO).diagnostics == []


def test_completion_on_a_very_long_line_ends():
    """A hostile line (a million characters of a near-match) is read near the cursor only."""
    import subprocess
    import sys
    script = ("from pathlib import Path\n"
              "from rulerun.interpreter.lsp.workspace import Workspace\n"
              "from rulerun.interpreter.lsp.completion import complete\n"
              f"root = Path({str(KMO)!r})\n"
              "model = Workspace().analyse(root).model({})\n"
              "line = 'x = [' + '\"a\" ,  ' * 200_000 + '\"'\n"
              "print(len(complete(model, model.files[str(root)], line, line)))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "0\n"


def test_a_bug_met_while_checking_is_said_on_the_file(monkeypatch):
    from rulerun.interpreter.lsp import workspace

    def broken(*args):
        raise RuntimeError("a bug")
    monkeypatch.setattr(workspace, "check_measure", broken)
    [diagnostic] = Workspace().analyse(KMO).diagnostics
    assert diagnostic.message.startswith("internal error: this is a bug in rulerun, not in your files")
    assert diagnostic.file == str(KMO)


def test_an_imported_text_over_the_size_limit_is_reported_too():
    files = Workspace()
    files.edit(DEFINITIE, "definitions: kmo-definitie\n" + "#" * MAX_FILE_BYTES)
    analysis = files.analyse(KMO)
    [diagnostic] = analysis.diagnostics  # not also every name through the import that did not load
    assert analysis.stale  # without its import the measure does not load: no answers from a partial model
    assert diagnostic.message == f"is larger than {MAX_FILE_BYTES} bytes, the most rulerun reads from one file"
    assert diagnostic.file.endswith("common/kmo-definitie.yaml")
