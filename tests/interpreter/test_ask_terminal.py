"""`rulerun ask` in a real pseudo-terminal: typed answers, line editing, Ctrl-C."""
from __future__ import annotations

import datetime
import sys
from pathlib import Path

import pexpect
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-c", "from rulerun.interpreter.cli import main; main()"]


def _spawn(*args: str) -> pexpect.spawn:
    child = pexpect.spawn(COMMAND[0], COMMAND[1:] + ["ask", *args], cwd=str(ROOT), encoding="utf-8",
                          timeout=30, dimensions=(40, 200), env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    return child


def test_a_session_at_the_terminal_reaches_a_decision(tmp_path):
    saved = tmp_path / "case.yaml"
    child = _spawn("kmo-portefeuille", "--on", "2026-11-01", "--save", str(saved))
    child.expect_exact("[1] Date of the support application")
    child.expect_exact("? if you do not know) > ")
    child.sendline("2024-05-01")
    child.expect_exact("[2] Legal form")
    child.expect_exact(") > ")
    child.sendline("vzx")  # a typo is refused with the case-file message and a suggestion
    child.expect_exact("`vzx` is not one of")
    child.expect_exact("did you mean `vzw`?")
    child.expect_exact(") > ")
    child.sendline("vzw")
    child.expect_exact("Settled after 2 answer(s).")
    child.expect_exact("Failed conditions: Legal form is eligible (not a non-profit)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert yaml.safe_load(saved.read_text())["facts"]["onderneming_info"] == {"rechtsvorm": "vzw"}


def test_ctrl_c_stops_with_a_message_and_keeps_the_answers(tmp_path):
    saved = tmp_path / "partial.yaml"
    child = _spawn("rentetoelage-hinder-openbare-werken", "--save", str(saved))
    child.expect_exact(") > ")
    child.sendline("2021-03-01")
    child.expect_exact("[2] ")
    child.expect_exact(") > ")
    child.sendintr()
    child.expect_exact("interrupted: the intake stopped after 1 answer(s)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert yaml.safe_load(saved.read_text())["facts"] == {"aanvraag": {"datum": datetime.date(2021, 3, 1)}}
