"""Errors never echo a huge line or value: lines are shown as a window around the caret, values cut."""
from __future__ import annotations

from rulerun.dsl.errors import SHOWN_LINE, SHOWN_MESSAGE, SHOWN_VALUE, Diagnostic, clip, quoted, render
from rulerun.dsl.source import Source, Span


def _render(text: str, column: int, width: int = 1, **extra) -> list[str]:
    span = Span(Source("a.yaml", text), 1, column, 1, column + width)
    return render(Diagnostic("wrong", span, **extra)).splitlines()


def test_short_lines_are_shown_whole():
    assert _render("kost: abc", 7, 3)[2:] == ["1 | kost: abc", "  |       ^^^"]


def test_a_long_line_is_cut_after_the_caret():
    lines = _render("kost: " + "x" * 10_000, 7, 10_000)
    assert lines[2] == "1 | kost: " + "x" * (SHOWN_LINE - 6) + "…"
    assert lines[3] == "  |       " + "^" * (SHOWN_LINE - 6)


def test_a_caret_far_into_a_long_line_is_kept_in_view():
    text = "a" * 5000 + "!" + "b" * 5000
    lines = _render(text, 5001)
    shown, caret = lines[2][len("1 | "):], lines[3][len("  | "):]
    assert len(shown) <= SHOWN_LINE + 2 and shown.startswith("…") and shown.endswith("…")
    assert shown[len(caret) - 1] == "!" and caret.endswith("^") and caret.count("^") == 1


def test_a_caret_near_the_end_of_a_long_line():
    text = "a" * 5000 + "!"
    lines = _render(text, 5001)
    shown, caret = lines[2][len("1 | "):], lines[3][len("  | "):]
    assert shown.endswith("!") and not shown.endswith("…") and shown[len(caret) - 1] == "!"


def test_no_excerpt_when_the_file_is_not_known_to_be_a_measure():
    assert _render("password: hunter2", 1, excerpt=False) == ["a.yaml:1:1: error: wrong"]


def test_values_and_messages_are_cut():
    assert quoted("abc") == "`abc`"
    long = "0123456789" * 1000
    assert len(clip(long)) == SHOWN_VALUE and clip(long).startswith("0123") and clip(long).endswith("789")
    assert "…" in quoted(long) and len(quoted(long)) == SHOWN_VALUE + 2
    d = Diagnostic("x" * 100_000, hint="y" * 100_000)
    assert len(d.message) == SHOWN_MESSAGE and len(d.hint) == SHOWN_MESSAGE
