"""`rulerun ask` answers are read like case values: odd answers are asked again, never an internal error."""
from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.tools.intake import Intake

ROOT = Path(__file__).resolve().parents[2]
PROEF = ROOT / "tests" / "invalid" / "proef.yaml"


def _case_without(tmp_path: Path, fact: str) -> Path:
    """The valid trial case with one fact (and its list items) left out."""
    data = yaml.safe_load((PROEF.parent / "valid-case.yaml").read_text())
    del data["facts"][fact]
    path = tmp_path / "start.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_bare_percentage_is_asked_again_with_both_readings(run, tmp_path):
    start, saved = _case_without(tmp_path, "aandeelhouders"), tmp_path / "saved.yaml"
    answers = ["yes", "Sofie", "0.3", "30", "30%", "no"]
    result = run("ask", str(PROEF), str(start), "--on", "2022-02-01", "--save", str(saved),
                 input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert ("✗ fact `aandeelhouders[0].aandeel`: `0.3` is not a percentage\n"
            "      hint: write 30% or 0.3%, with the percent sign") in result.output
    assert ("✗ fact `aandeelhouders[0].aandeel`: `30` is not a percentage\n"
            "      hint: write it with a percent sign, e.g. '30%'") in result.output
    assert yaml.safe_load(saved.read_text())["facts"]["aandeelhouders"] == [{"naam": "Sofie", "aandeel": "30%"}]


@pytest.mark.parametrize("odd", ["²", "٣", "0", "4", "99999", "1" * 5000, "-1", "1.0", " ", "\x00", "klein\x1b[2J"])
def test_an_odd_enum_answer_is_asked_again(run, tmp_path, odd):
    start, saved = _case_without(tmp_path, "grootte"), tmp_path / "saved.yaml"
    result = run("ask", str(PROEF), str(start), "--on", "2022-02-01", "--save", str(saved), input=f"{odd}\n1\n")
    assert result.exit_code == 0, result.output
    assert "is not one of klein, middelgroot, groot" in result.output or "an answer is needed" in result.output
    assert "Settled after 1 answer(s)." in result.output
    assert yaml.safe_load(saved.read_text())["facts"]["grootte"] == "klein"


@pytest.mark.parametrize("odd", ["2022-W05-2", "20220110", "2022-1-5", "2022-01-10T00:00", "9" * 5000,
                                 "٢٠٢٢-٠١-١٠"])
def test_a_date_answer_is_only_yyyy_mm_dd(run, odd):
    result = run("ask", "kmo-portefeuille", "--on", "2026-11-01", input=f"{odd}\n2008-12-31\n")
    assert result.exit_code == 0, result.output
    assert "✗ fact `aanvraag.datum`: `" in result.output and "is not a calendar date" in result.output
    assert "Settled after 1 answer(s)." in result.output


def test_an_answer_the_measure_cannot_compute_with_is_refused_and_asked_again(run):
    result = run("ask", "kmo-portefeuille", "--on", "2026-11-01", input="9999-12-31\n2008-12-31\n")
    assert result.exit_code == 0, result.output
    assert ("✗ fact `aanvraag.datum`: with this answer the decision cannot be made: the resulting date is out of "
            "range (years 1 to 9999) (measures/kmo-portefeuille.yaml:") in result.output
    assert result.output.count("[1] Date of the support application") == 2
    assert "Settled after 1 answer(s)." in result.output


def test_api_an_answer_that_breaks_evaluation_leaves_the_intake_as_it_was():
    intake = Intake(load(ROOT / "measures" / "kmo-portefeuille.yaml"), datetime.date(2026, 11, 1))
    question = intake.next_question()
    before = intake.decision
    problems = intake.answer(question, "9999-12-31")
    assert [p.message.split(":")[0] for p in problems] == ["fact `aanvraag.datum`"]
    assert intake.facts == {} and intake.asked == 0 and intake.decision is before
    assert intake.answer(question, "2008-12-31") == [] and intake.asked == 1


@pytest.mark.parametrize("stdin_errors", ["strict", "surrogateescape"])
def test_answers_that_are_not_utf8_are_asked_again(tmp_path, stdin_errors):
    start = _case_without(tmp_path, "grootte")
    result = subprocess.run(
        [sys.executable, "-c", "from rulerun.interpreter.cli import main; main()",
         "ask", str(PROEF), str(start), "--on", "2022-02-01", "--no-trace"],
        input=b"\xff\xfe\n1\n", capture_output=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": f"utf-8:{stdin_errors}"})
    out = result.stdout.decode("utf-8")
    assert result.returncode == 0, out + result.stderr.decode("utf-8", "replace")
    assert "✗ the answer is not UTF-8 text; type it again" in out
    assert "Settled after 1 answer(s)." in out


def test_an_amount_with_a_thousands_separator_is_asked_again(run, tmp_path):
    start, saved = _case_without(tmp_path, "kost"), tmp_path / "saved.yaml"
    result = run("ask", str(PROEF), str(start), "--on", "2022-02-01", "--save", str(saved),
                 input="2.500\n1.250.000\n2500\n")
    assert result.exit_code == 0, result.output
    assert "✗ fact `kost`: 2.500 has more than two decimals; did you mean 2500?" in result.output
    assert "✗ fact `kost`: `1.250.000` is not an amount; did you mean 1250000?" in result.output
    assert yaml.safe_load(saved.read_text())["facts"]["kost"] == 2500
