"""The tidied analyst trace: the title without doubled brackets, the summary labelled once, wrapping with --width."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "measures" / "cases" / "kmo-portefeuille" / "advies-499-99.yaml"
MARKS = ("✓", "✗", "?", "•")


def _explain(*args: str) -> str:
    result = CliRunner().invoke(main, ["explain", "--measures", str(ROOT / "measures"), "kmo-portefeuille", str(CASE),
                                       *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_title_does_not_double_its_brackets():
    first = _explain().splitlines()[0]
    assert first.startswith("SME wallet (KMO-portefeuille) — kmo-portefeuille, evaluated on 1 November 2026")
    assert ") (" not in first


def test_the_summary_labels_each_group_once():
    summary = _explain("--lang", "nl").split("\nVerklaring\n", 1)[0].splitlines()
    assert summary.count("  Termijnen:") == 1 and summary.count("  Waarden:") == 1
    assert "    Laatste dag om aan te vragen: 24 maart 2022" in summary
    assert not any(line.startswith("  Termijnen: ") for line in summary)


@pytest.mark.parametrize("width", [60, 80, 100])
def test_width_wraps_with_a_hanging_indent_and_keeps_expressions_whole(width):
    wrapped = _explain("--width", str(width)).splitlines()
    plain = _explain().splitlines()
    long_plain = [line for line in plain if len(line) > width and line.lstrip(" ")[:1] in MARKS]
    assert long_plain, "the case has long trace lines to wrap"
    summary = wrapped[:wrapped.index("Explanation")]
    for line in summary + [line for line in wrapped if line.lstrip(" ")[:1] in MARKS]:
        assert len(line) <= width or " " not in line.strip(), line
    expressions = [line for line in plain if "and any(each v in vastgelegde_grootte" in line]
    assert expressions and all(line in wrapped for line in expressions)
    # Every word of the report is still there, in order.
    assert " ".join(" ".join(wrapped).split()) == " ".join(" ".join(plain).split())


def test_a_width_too_small_is_a_usage_error():
    result = CliRunner().invoke(main, ["explain", "--measures", str(ROOT / "measures"), "kmo-portefeuille",
                                       str(CASE), "--width", "5"])
    assert result.exit_code == 64
    assert "--width" in result.output


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_tidied_trace_snapshot(lang, snapshot):
    assert _explain("--lang", lang, "--width", "80") == snapshot
