"""`ask` bounds an answer: a line over the limit is refused, never echoed whole, and asked again."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from rulerun.interpreter.cli import main
from rulerun.interpreter.tools.ask import MAX_ANSWER

PROEF = str(Path(__file__).resolve().parents[2] / "tests" / "invalid" / "proef.yaml")


def test_an_answer_over_the_limit_is_refused_and_asked_again():
    answers = "k" * (MAX_ANSWER * 100) + "\nklein\n"
    result = CliRunner().invoke(main, ["ask", PROEF, "--on", "2022-02-01", "--no-trace"], input=answers)
    assert f"the answer is longer than {MAX_ANSWER} characters; type a shorter one" in result.output
    assert "k" * (MAX_ANSWER + 1) not in result.output  # the long line is not echoed back
    assert "> klein" in result.output  # the next line is the next answer to the same question


def test_an_answer_of_exactly_the_limit_is_read():
    answers = "k" * MAX_ANSWER + "\n"
    result = CliRunner().invoke(main, ["ask", PROEF, "--on", "2022-02-01", "--no-trace"], input=answers)
    assert "longer than" not in result.output
    assert "is not one of klein, middelgroot, groot" in result.output
