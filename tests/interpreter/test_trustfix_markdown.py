"""Markdown output escapes a measure's title and rule labels: they cannot format, link or inject markup."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from rulerun.interpreter.cli import main

INVALID = Path(__file__).resolve().parents[2] / "tests" / "invalid"
HOSTILE = "<script>alert(1)</script> | *x* [l](javascript:alert(1))"
ESCAPED = "\\<script\\>alert(1)\\</script\\> \\| \\*x\\* \\[l\\](javascript:alert(1))"


def test_a_hostile_title_and_label_are_shown_as_text(tmp_path):
    text = (INVALID / "proef.yaml").read_text()
    text = text.replace("en: Is an SME}", f'en: "{HOSTILE}"}}').replace("en: Trial measure}", f'en: "{HOSTILE}"}}')
    (tmp_path / "proef.yaml").write_text(text)
    result = CliRunner().invoke(main, ["explain", str(tmp_path / "proef.yaml"), str(INVALID / "valid-case.yaml"),
                                       "--on", "2022-02-01", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert HOSTILE not in result.output
    assert result.output.startswith(f"# {ESCAPED} — proef")
    assert f"**kmo**: {ESCAPED} = " in result.output
