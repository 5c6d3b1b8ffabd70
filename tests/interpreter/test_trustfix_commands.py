"""`list` escapes a title's control characters; `diff` over a folder reads its JSON case files too."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from rulerun.interpreter.cli import main

INVALID = Path(__file__).resolve().parents[2] / "tests" / "invalid"


def test_list_shows_control_characters_in_a_title_as_escapes(tmp_path):
    text = (INVALID / "proef.yaml").read_text().replace("en: Trial measure}", 'en: "Trial\\e[31m red"}')
    (tmp_path / "proef.yaml").write_text(text)
    result = CliRunner().invoke(main, ["list", "--measures", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Trial\\x1b[31m red" in result.output and "\x1b" not in result.output


def test_diff_over_a_folder_reads_json_case_files(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "a.yaml").write_text((INVALID / "valid-case.yaml").read_text())
    (folder / "b.json").write_text(json.dumps({"facts": {"grootte": "klein", "kost": 1000}}))
    (folder / "c.yml").write_text("facts: {grootte: klein}\n")
    (folder / "notes.txt").write_text("not a case")
    proef = str(INVALID / "proef.yaml")
    result = CliRunner().invoke(main, ["diff", proef, proef, str(folder), "--on", "2022-02-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cases"] == 3
