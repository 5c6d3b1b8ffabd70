"""An import that cannot be used is reported once: the names reached through it are not reported again."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main


@pytest.mark.parametrize("damage, message", [
    ("measure: [", "invalid YAML"),
    ("definitions: kmo-definitie\nrules: 5\n", "rules"),
])
def test_a_broken_import_is_the_only_error(damage, message, root, tmp_path, monkeypatch):
    shutil.copytree(root / "measures", tmp_path / "measures")
    (tmp_path / "measures" / "common" / "kmo-definitie.yaml").write_text(damage, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "measures/kmo-portefeuille.yaml"])
    assert result.exit_code == 2
    assert message in result.output
    assert "unknown name" not in result.output, result.output


def test_a_name_through_a_good_import_is_still_checked(root, tmp_path, monkeypatch):
    shutil.copytree(root / "measures", tmp_path / "measures")
    measure = tmp_path / "measures" / "kmo-portefeuille.yaml"
    text = measure.read_text(encoding="utf-8")
    assert "kmo.is_kmo" in text
    measure.write_text(text.replace("kmo.is_kmo", "kmo.is_kmoo", 1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "measures/kmo-portefeuille.yaml"])
    assert result.exit_code == 2
    assert "unknown name `kmo.is_kmoo`" in result.output
