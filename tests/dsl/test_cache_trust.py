"""The cache folder is trusted only when this user alone could have written it, and is never stale."""
from __future__ import annotations

import os
import pickle
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.dsl import analysis, cache, cachestore, lalr, loader
from rulerun.dsl.loader import load_measure
from rulerun.dsl.measure import Measure
from rulerun.dsl.source import standalone
from rulerun.interpreter.cli import main
from rulerun.interpreter.engine import kept

INVALID = Path(__file__).parent.parent / "invalid"
NOBODY = 65534
OLD_RULE = 'grootte in ["klein", "middelgroot"] and not vzw'
NEW_RULE = 'grootte in ["middelgroot"] and not vzw'


class Planted:
    """A pickle that creates `marker` when it is loaded, as a planted entry would run code."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return Path.touch, (self.marker,)


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A folder holding the trial measure and a valid case, as working directory, with its own cache folder."""
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(INVALID / "proef.yaml", folder / "proef.yaml")
    shutil.copy(INVALID / "valid-case.yaml", folder / "case.yaml")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("RULERUN_CACHE_DIR", str(tmp_path / "cache"))
    return folder


def explain():
    result = CliRunner().invoke(main, ["explain", "proef.yaml", "case.yaml", "--on", "2022-02-01"])
    assert "Traceback" not in result.output
    return result


def entries(kind: str = kept.KIND) -> list[Path]:  # what `explain` recalls first: the compiled measure
    return sorted(p for p in (cachestore.folder() / kind).iterdir() if not p.name.endswith(".partial"))


def plant(tmp_path) -> tuple[Path, Path]:
    """Keep the measure once, then sign a pickle that runs code under its entry's name: (entry, marker)."""
    assert explain().exit_code == 0
    [entry] = entries()
    marker = tmp_path / "pwned"
    cachestore.write(kept.KIND, entry.name, pickle.dumps(Planted(marker)))
    return entry, marker


def test_the_folder_and_key_are_made_private(work):
    assert explain().exit_code == 0
    place = cachestore.folder()
    for path in (place, place / "measures", place / "schema"):
        assert stat.S_IMODE(path.lstat().st_mode) == 0o700
    key = place / cachestore.KEY_NAME
    assert stat.S_IMODE(key.lstat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    for entry in entries() + entries("schema"):
        assert stat.S_IMODE(entry.lstat().st_mode) == 0o600 and entry.lstat().st_uid == os.geteuid()


def test_control_a_signed_entry_in_a_trusted_folder_is_loaded(work, tmp_path):
    """The planted pickle does run when every check passes: what the tests below refuse is what stops it."""
    _, marker = plant(tmp_path)
    assert explain().exit_code == 0
    assert marker.exists()


def _group_writable(entry: Path) -> None:
    cachestore.folder().chmod(0o770)


def _world_writable(entry: Path) -> None:
    cachestore.folder().chmod(0o777)


def _others_folder(entry: Path) -> None:
    os.chown(cachestore.folder(), NOBODY, NOBODY)


def _world_writable_subfolder(entry: Path) -> None:
    entry.parent.chmod(0o777)


def _others_subfolder(entry: Path) -> None:
    os.chown(entry.parent, NOBODY, NOBODY)


def _others_entry(entry: Path) -> None:
    os.chown(entry, NOBODY, NOBODY)


def _writable_entry(entry: Path) -> None:
    entry.chmod(0o666)


def _another_key(entry: Path) -> None:
    (cachestore.folder() / cachestore.KEY_NAME).write_bytes(os.urandom(32))


def _copied_to_another_name(entry: Path) -> None:
    signed = entry.read_bytes()
    Path("proef.yaml").write_text(Path("proef.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert explain().exit_code == 0  # a genuine entry for the edited text, under another name
    [other] = [p for p in entries() if p != entry]
    other.write_bytes(signed)


def _symlinked_entry(entry: Path) -> None:
    elsewhere = entry.parent.parent.parent / "elsewhere"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere)


def _key_of_another_user(entry: Path) -> None:
    os.chown(cachestore.folder() / cachestore.KEY_NAME, NOBODY, NOBODY)


def _readable_key(entry: Path) -> None:
    (cachestore.folder() / cachestore.KEY_NAME).chmod(0o644)


@pytest.mark.parametrize("spoil", [_group_writable, _world_writable, _others_folder, _world_writable_subfolder,
                                   _others_subfolder, _others_entry, _writable_entry, _another_key,
                                   _copied_to_another_name, _symlinked_entry, _key_of_another_user, _readable_key],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_planted_entry_never_runs(work, tmp_path, spoil):
    entry, marker = plant(tmp_path)
    spoil(entry)
    result = explain()
    assert result.exit_code == 0 and "Eligible: yes" in result.output
    assert not marker.exists()


def test_a_symlinked_cache_folder_is_refused(work, tmp_path, monkeypatch):
    entry, marker = plant(tmp_path)
    link = tmp_path / "link"
    link.symlink_to(cachestore.folder())
    monkeypatch.setenv("RULERUN_CACHE_DIR", str(link))
    result = explain()
    assert result.exit_code == 0 and "Eligible: yes" in result.output
    assert f"{link}: warning: the cache folder is not used: it is a symbolic link" in result.output
    assert not marker.exists()


@pytest.mark.parametrize("spoil", [_others_entry, _writable_entry, _symlinked_entry],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_refused_entry_is_replaced(work, tmp_path, spoil):
    entry, _ = plant(tmp_path)
    spoil(entry)
    assert explain().exit_code == 0
    info = entry.lstat()
    assert stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) == 0o600
    assert isinstance(pickle.loads(cachestore.read(kept.KIND, entry.name))[1], Measure)


def test_a_refused_folder_is_said_once_and_only_costs_time(work, tmp_path, capsys):
    cachestore.folder().mkdir(mode=0o777)
    cachestore.folder().chmod(0o777)
    for _ in range(2):
        assert load_measure("proef.yaml").id == "proef"
    said = capsys.readouterr().err
    assert said.count("warning: the cache folder is not used") == 1
    assert "can be written by other users (mode 0777)" in said
    assert not (cachestore.folder() / "measures").exists()


def _genuine_truncated(payload: bytes) -> bytes:
    return payload[: len(payload) // 2]


@pytest.mark.parametrize("garbage", [
    lambda payload: b"not a pickle",
    _genuine_truncated,
    lambda payload: pickle.dumps(("wrong", "shape")),
    lambda payload: pickle.dumps(([], "not a measure")),
    lambda payload: pickle.dumps(([("proef.yaml", 42)], pickle.loads(payload)[1])),
    lambda payload: pickle.dumps(42),
], ids=["not-a-pickle", "truncated", "wrong-shape", "not-a-measure", "wrong-digests", "a-number"])
def test_a_signed_entry_of_the_wrong_shape_is_a_miss_and_replaced(work, garbage, monkeypatch):
    assert explain().exit_code == 0
    [entry] = entries()
    genuine = cachestore.read(kept.KIND, entry.name)
    cachestore.write(kept.KIND, entry.name, garbage(genuine))
    checks = []
    original = analysis.check_measure
    monkeypatch.setattr(analysis, "check_measure", lambda *args: checks.append(1) or original(*args))
    for _ in range(2):
        result = explain()
        assert result.exit_code == 0 and "Eligible: yes" in result.output
    assert checks == [1]  # checked and compiled once, then recalled from the replaced entry
    assert isinstance(pickle.loads(cachestore.read(kept.KIND, entry.name))[1], Measure)


@pytest.fixture
def stamp_names(monkeypatch):
    """The names of the schema stamps looked for."""
    names = []
    original = cachestore.read

    def read(kind, name):
        if kind == "schema":
            names.append(name)
        return original(kind, name)
    monkeypatch.setattr(cachestore, "read", read)
    return names


def _unsigned_stamp(place: Path, name: str) -> None:
    (place / "schema" / name).write_bytes(b"")
    (place / "schema" / name).chmod(0o600)


def _stamp_of_another_text(place: Path, name: str) -> None:
    [other] = [p for p in (place / "schema").iterdir() if p.name != name]
    shutil.copy(other, place / "schema" / name)


def _stamp_of_another_user(place: Path, name: str) -> None:
    cachestore.write("schema", name, b"")
    os.chown(place / "schema" / name, NOBODY, NOBODY)


@pytest.mark.parametrize("planted", [_unsigned_stamp, _stamp_of_another_text, _stamp_of_another_user],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_planted_schema_stamp_does_not_skip_the_schema(work, stamp_names, planted):
    assert explain().exit_code == 0  # a genuine stamp for the valid text
    Path("proef.yaml").write_text(Path("proef.yaml").read_text(encoding="utf-8").replace("authority: VLAIO\n", ""),
                                  encoding="utf-8")
    first = CliRunner().invoke(main, ["check", "proef.yaml"])
    assert first.exit_code == 2 and "missing key `authority`" in first.output
    planted(cachestore.folder(), stamp_names[-1])
    again = CliRunner().invoke(main, ["check", "proef.yaml"])
    assert (again.exit_code, again.output) == (first.exit_code, first.output)


def test_a_file_saved_while_it_was_loaded_is_never_served_stale(work, monkeypatch):
    original = loader.read_text
    saved = []

    def read_then_saved(path):
        text = original(path)
        if not saved:  # the user saves the file just after the loader has read it
            path.write_text(text.replace(OLD_RULE, NEW_RULE), encoding="utf-8")
            saved.append(path)
        return text
    monkeypatch.setattr(loader, "read_text", read_then_saved)
    first = explain()
    assert "Eligible: yes" in first.output
    assert saved and NEW_RULE in Path("proef.yaml").read_text(encoding="utf-8")
    second = explain()
    assert second.exit_code == 0 and "Eligible: no" in second.output
    assert load_measure("proef.yaml").rules["kmo"].text == NEW_RULE


def test_an_import_saved_while_it_was_loaded_is_never_served_stale(root, tmp_path, monkeypatch):
    monkeypatch.setenv("RULERUN_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "measures"
    shutil.copytree(root / "measures", folder, ignore=shutil.ignore_patterns("cases"))
    imported = folder / "common" / "kmo-definitie.yaml"
    original = loader.read_text

    def read_then_saved(path):
        text = original(path)
        if path.resolve() == imported.resolve() and "Gewijzigd" not in text:
            path.write_text(text.replace("label: {nl: ", "label: {nl: Gewijzigd ", 1), encoding="utf-8")
        return text
    monkeypatch.setattr(loader, "read_text", read_then_saved)
    first = load_measure(folder / "kmo-portefeuille.yaml")
    second = load_measure(folder / "kmo-portefeuille.yaml")
    labels = [next(iter(next(iter(m.uses.values())).facts.values())).label.nl for m in (first, second)]
    assert labels == ["Aanvragende onderneming", "Gewijzigd Aanvragende onderneming"]


def test_reading_a_fifo_for_the_key_does_not_block(work, tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert cache.recall_measure(fifo, "fifo.yaml") is None


def test_parser_tables_are_kept_in_the_cache_folder_never_in_the_shared_temporary_one(root, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    env = {"RULERUN_CACHE_DIR": str(tmp_path / "cache"), "TMPDIR": str(shared), "PATH": "/usr/bin:/bin"}
    # Without the shipped tables (as when the installed Lark cannot use them), so that the tables are built.
    script = ("import sys\nfrom rulerun.dsl import lalr\nlalr.TABLES = lalr.TABLES.with_name('absent')\n"
              "from rulerun.interpreter.cli import main\nmain(sys.argv[1:])")
    command = [sys.executable, "-c", script, "check", "measures/syntax-error.yaml",
               "measures/syntax-error-in-block.yaml"]
    runs = [subprocess.run(command, cwd=root / "tests" / "invalid", capture_output=True, text=True, env=env,
                           timeout=120) for _ in range(2)]
    assert [r.returncode for r in runs] == [2, 2]
    assert runs[0].stderr == runs[1].stderr and "unexpected `*`" in runs[0].stderr
    assert "cache" not in runs[0].stderr
    assert len(list((tmp_path / "cache" / "parser").iterdir())) == 1
    assert list(shared.iterdir()) == []


def test_parser_tables_that_do_not_load_are_built_again(monkeypatch, tmp_path):
    monkeypatch.setenv("RULERUN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(lalr, "TABLES", tmp_path / "absent")  # as when the installed Lark cannot use them
    monkeypatch.setattr(cache, "recall_parser", lambda grammar, maker: pickle.dumps("not tables"))
    kept = []
    monkeypatch.setattr(cache, "keep_parser", lambda grammar, maker, tables: kept.append(tables))
    lalr._lark.cache_clear()
    try:
        assert lalr.parse_lalr("1 + 2", standalone("1 + 2")) is not None
    finally:
        lalr._lark.cache_clear()
    assert len(kept) == 1
