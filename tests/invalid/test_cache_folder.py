"""A cache folder that must not be trusted is said once and not used; a planted stamp skips nothing."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.dsl import cachestore
from rulerun.interpreter.cli import main

HERE = Path(__file__).parent
NOBODY = 65534


def _world_writable(cache: Path) -> None:
    cache.mkdir()
    cache.chmod(0o777)


def _group_writable(cache: Path) -> None:
    cache.mkdir()
    cache.chmod(0o770)


def _of_another_user(cache: Path) -> None:
    cache.mkdir(mode=0o700)
    os.chown(cache, NOBODY, NOBODY)


def _symlinked(cache: Path) -> None:
    (cache.parent / "elsewhere").mkdir(mode=0o700)
    cache.symlink_to("elsewhere")


def _a_file(cache: Path) -> None:
    cache.write_text("not a folder")


def _subfolder_writable(cache: Path) -> None:
    (cache / "measures").mkdir(parents=True)
    (cache / "measures").chmod(0o777)


FOLDERS = {f.__name__.strip("_"): f for f in (_world_writable, _group_writable, _of_another_user, _symlinked,
                                              _a_file, _subfolder_writable)}


def run(args: list[str], folder: Path, monkeypatch) -> str:
    monkeypatch.chdir(folder)
    monkeypatch.setenv("RULERUN_CACHE_DIR", "cache")
    result = CliRunner().invoke(main, args)
    return f"exit {result.exit_code}\n{result.output}"


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_a_folder_that_must_not_be_trusted(name, tmp_path, snapshot, monkeypatch):
    shutil.copy(HERE / "proef.yaml", tmp_path / "proef.yaml")
    FOLDERS[name](tmp_path / "cache")
    out = run(["check", "proef.yaml", "proef.yaml"], tmp_path, monkeypatch)
    assert out.startswith("exit 0") and "Traceback" not in out
    assert out.count("warning: the cache folder is not used") == 1
    assert out == snapshot


def test_a_planted_stamp(tmp_path, snapshot, monkeypatch):
    shutil.copy(HERE / "cache" / "planted-stamp.yaml", tmp_path / "planted-stamp.yaml")
    looked_for = []
    read = cachestore.read
    monkeypatch.setattr(cachestore, "read", lambda kind, name: looked_for.append(name) or read(kind, name))
    first = run(["check", "planted-stamp.yaml"], tmp_path, monkeypatch)
    stamp = tmp_path / "cache" / "schema" / looked_for[0]
    stamp.write_bytes(b"")
    stamp.chmod(0o600)
    out = run(["check", "planted-stamp.yaml"], tmp_path, monkeypatch)
    assert out == first and out.startswith("exit 2")
    assert out == snapshot
