"""Work done on unchanged files is remembered: schema passes, and whole loaded measures."""
from __future__ import annotations

import subprocess
import sys

import shutil

import pytest

from rulerun.dsl import cache, loader, schema
from rulerun.dsl.errors import MeasureError
from rulerun.dsl.loader import load_measure
from rulerun.dsl.analysis import check_measure
from rulerun.interpreter.engine.evaluator import CompiledMeasure
from rulerun.interpreter.formats.render import to_json_text
from rulerun.interpreter.tools.testing import cases_for
from rulerun.interpreter.formats.cases import read_case

MEASURE = "measures/kmo-portefeuille.yaml"


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """A fresh cache folder that remembers schema passes only; counts the schema walks."""
    monkeypatch.setenv("RULERUN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "keep_measure", lambda *args: None)
    walks = []
    original = schema._problems

    def problems(document):
        walks.append(document.source.name)
        return original(document)
    monkeypatch.setattr(schema, "_problems", problems)
    return walks


def test_a_valid_text_is_walked_once(counted, root):
    load_measure(root / MEASURE)
    first = len(counted)
    load_measure(root / MEASURE)
    assert first == 3  # the measure and the two definition files it uses
    assert len(counted) == first


def test_an_edited_text_is_walked_again(counted, write, root):
    text = (root / "tests/invalid/proef.yaml").read_text(encoding="utf-8")
    path = write("proef.yaml", text)
    load_measure(path)
    write("proef.yaml", text.replace("VLAIO", "Agentschap Innoveren en Ondernemen"))
    load_measure(path)
    assert counted == ["proef.yaml", "proef.yaml"]


def test_an_invalid_text_is_never_stamped(counted, write, root):
    text = (root / "tests/invalid/proef.yaml").read_text(encoding="utf-8").replace("authority:", "autority:")
    path = write("proef.yaml", text)
    for _ in range(2):
        with pytest.raises(MeasureError, match="autority"):
            load_measure(path)
    assert counted == ["proef.yaml", "proef.yaml"]


def test_an_empty_folder_setting_keeps_no_stamps(counted, monkeypatch, root):
    monkeypatch.setenv("RULERUN_CACHE_DIR", "")
    load_measure(root / MEASURE)
    load_measure(root / MEASURE)
    assert len(counted) == 6


def test_a_folder_that_cannot_be_written_only_costs_time(counted, monkeypatch, tmp_path, root):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("RULERUN_CACHE_DIR", str(blocker / "cache"))
    load_measure(root / MEASURE)
    load_measure(root / MEASURE)
    assert len(counted) == 6


def test_explaining_a_loaded_measure_again_imports_neither_jsonschema_nor_lark(root, tmp_path):
    script = ("import sys\nfrom rulerun.interpreter.cli import main\ntry:\n    main(sys.argv[1:])\n"
              "except SystemExit as end:\n    assert end.code == 0, end.code\n"
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'jsonschema', 'lark'}))")
    command = [sys.executable, "-c", script, "explain", MEASURE, "measures/cases/kmo-portefeuille/r3-klein-opleiding.yaml"]
    env = {"RULERUN_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    first = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env, check=True)
    second = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env, check=True)
    # A measure that meets its schema needs jsonschema not even the first time: it only words problems; and one
    # whose expressions the quick parser reads needs no Lark either: Lark only parses what it cannot vouch for.
    assert first.stdout.splitlines()[-1] == "[]"
    assert second.stdout.splitlines()[-1] == "[]"


@pytest.fixture
def loads(monkeypatch, tmp_path):
    """A fresh cache folder; counts the measures loaded from their files rather than recalled."""
    monkeypatch.setenv("RULERUN_CACHE_DIR", str(tmp_path / "cache"))
    done = []
    original = loader._load

    def load(path, display, stack, *rest):
        if not stack:
            done.append(path.name)
        return original(path, display, stack, *rest)
    monkeypatch.setattr(loader, "_load", load)
    return done


@pytest.mark.parametrize("name", ["kmo-portefeuille", "innovatieve-starterssteun", "rentetoelage-hinder-openbare-werken"])
def test_a_recalled_measure_decides_every_case_as_a_loaded_one(loads, root, name):
    path = root / "measures" / f"{name}.yaml"
    fresh = CompiledMeasure(check_measure(load_measure(path)))
    recalled = CompiledMeasure(check_measure(load_measure(path)))
    assert loads == [path.name]
    cases = cases_for(path)
    assert len(cases) > 30
    for case_path in cases:
        case = read_case(case_path)
        facts = fresh.read_facts(case.facts, case.document, ("facts",))
        explained = [to_json_text(m.evaluate(facts, case.on, trace=True)) for m in (fresh, recalled)]
        assert explained[0] == explained[1], case_path.name


def _copy_measures(root, tmp_path):
    target = tmp_path / "measures"
    shutil.copytree(root / "measures", target, ignore=shutil.ignore_patterns("cases"))
    return target


def test_an_edited_imported_file_is_loaded_again(loads, root, tmp_path):
    folder = _copy_measures(root, tmp_path)
    path = folder / "kmo-portefeuille.yaml"
    before = load_measure(path)
    imported = folder / "common" / "kmo-definitie.yaml"
    imported.write_text(imported.read_text(encoding="utf-8").replace("label: {nl: ", "label: {nl: Gewijzigd ", 1),
                        encoding="utf-8")
    after = load_measure(path)
    load_measure(path)
    assert loads == [path.name, path.name]
    labels = [next(iter(m.uses.values())).facts for m in (before, after)]
    assert [f.label.nl for f in labels[0].values()][0] == "Aanvragende onderneming"
    assert [f.label.nl for f in labels[1].values()][0] == "Gewijzigd Aanvragende onderneming"


def test_a_measure_with_errors_is_not_kept(loads, write, root):
    text = (root / "tests/invalid/proef.yaml").read_text(encoding="utf-8").replace("and not vzw", "and not")
    path = write("proef.yaml", text)
    assert text != (root / "tests/invalid/proef.yaml").read_text(encoding="utf-8")
    for _ in range(2):
        with pytest.raises(MeasureError):
            load_measure(path)
    assert loads == ["proef.yaml", "proef.yaml"]


def test_a_damaged_entry_is_not_used(loads, root, tmp_path):
    path = root / "measures" / "kmo-portefeuille.yaml"
    load_measure(path)
    entries = list((tmp_path / "cache" / "measures").iterdir())
    assert entries
    for entry in entries:
        entry.write_bytes(b"not a pickle")
    assert load_measure(path).id == "kmo-portefeuille"
    assert loads == [path.name, path.name]


def test_other_code_does_not_recall_what_this_code_kept(loads, monkeypatch, root):
    path = root / "measures" / "kmo-portefeuille.yaml"
    load_measure(path)
    monkeypatch.setattr(cache, "_code", lambda: "another version of rulerun")
    load_measure(path)
    assert loads == [path.name, path.name]


def test_the_same_file_under_another_name_is_loaded_again(loads, root, monkeypatch):
    monkeypatch.chdir(root)
    load_measure(root / "measures" / "kmo-portefeuille.yaml")
    load_measure("measures/kmo-portefeuille.yaml")
    assert loads == ["kmo-portefeuille.yaml", "kmo-portefeuille.yaml"]
