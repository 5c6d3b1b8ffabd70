"""Values from every channel judged as written, by one reader per type."""
from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from rulerun.interpreter.formats.records import decode_json
from rulerun.interpreter.formats.scalars import (
    Refused, Written, read_duration, read_money, read_number, read_percent, read_yes_no,
)


@pytest.mark.parametrize("text", ["1e3", "25e-1", "1E+3", "1.0e2"])
def test_a_json_number_with_an_exponent_is_no_amount(text):
    with pytest.raises(Refused, match=re.escape(f"`{text}` is not an amount")):
        read_money(decode_json(text))


@pytest.mark.parametrize("text", ["1e-100", "1e3"])
def test_a_json_number_with_an_exponent_is_no_number(text):
    with pytest.raises(Refused, match=f"`{text}` is not a number"):
        read_number(decode_json(text))


def test_a_json_duration_with_an_exponent_is_refused():
    with pytest.raises(Refused, match="`1e1` is not a duration"):
        read_duration(decode_json("1e1"), "days")


def test_a_json_number_as_written_is_read():
    assert read_money(decode_json("1250.50")) == read_money("1250.50")
    assert read_number(decode_json("12.5")) == read_number("12.5")


def test_the_written_text_reaches_worker_processes():
    number = pickle.loads(pickle.dumps(decode_json("25e-1")))
    assert isinstance(number, Written) and number.written == "25e-1"


@pytest.mark.parametrize("word, meant", [("yes", True), ("Ja", True), ("y", True), ("TRUE", True), ("j", True),
                                         ("no", False), ("nee", False), ("N", False), ("false", False),
                                         (True, True), (False, False)])
def test_one_yes_no_vocabulary(word, meant):
    assert read_yes_no(word) is meant


@pytest.mark.parametrize("word", ["1", "0", "on", "off", "waar", "onwaar", "", 1, 0])
def test_numbers_and_switches_are_no_yes_no_value(word):
    with pytest.raises(Refused, match="must be yes or no"):
        read_yes_no(word)


def test_an_answer_1_to_a_yes_no_question_is_asked_again(tmp_path):
    from click.testing import CliRunner

    from rulerun.interpreter.cli import main

    proef = Path(__file__).resolve().parents[2] / "tests" / "invalid" / "proef.yaml"
    answers = "klein\n1000\n2022-01-10\n1\nnee\n"
    result = CliRunner().invoke(main, ["ask", str(proef), "--on", "2022-02-01", "--no-trace"], input=answers)
    assert "must be yes or no (true/false), not `1`" in result.output


@pytest.mark.parametrize("text", ["-0", "-0.00", "€ -0"])
def test_negative_zero_is_zero(text):
    amount = read_money(text)
    assert amount == 0 and not amount.is_signed()


@pytest.mark.parametrize("text, reader", [("1_000", read_money), ("10_", read_money), ("1__0", read_money),
                                          ("1_000", read_number), ("1_0%", read_percent)])
def test_digits_grouped_with_underscores_are_refused_everywhere(text, reader):
    with pytest.raises(Refused, match="digits are not grouped with `_`"):
        reader(text)
