"""Text quoted in a message stays on its line: every character that could forge or hide one is escaped."""
from __future__ import annotations

import pytest

from rulerun.dsl.printable import printable
from rulerun.interpreter.formats.scalars import shown


@pytest.mark.parametrize("char, escape", [("\n", "\\n"), ("\t", "\\t"), ("\r", "\\r"), ("\u2028", "\\u2028"),
                                          ("\u2029", "\\u2029"), ("\u200b", "\\u200b"), ("\ufeff", "\\ufeff"),
                                          ("\x1b", "\\x1b"), ("\x85", "\\x85"), ("\u202e", "\\u202e")])
def test_a_quoted_value_escapes_what_breaks_or_hides_a_line(char, escape):
    assert shown(f"DV.O225337{char}x") == f"DV.O225337{escape}x"


def test_newlines_are_kept_only_where_asked():
    assert printable("a\nb", newlines=True) == "a\nb"
    assert printable("a\nb\u2028c", newlines=True) == "a\nb\\u2028c"


def test_a_long_value_is_cut_before_its_escapes_are_counted():
    assert shown("\n" * 50).startswith("\\n" * 40) and shown("\n" * 50).endswith("… (50 characters)")
