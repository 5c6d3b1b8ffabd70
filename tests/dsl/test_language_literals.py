"""The expression language's semantics at parse time: text escapes and names."""
from __future__ import annotations

import pytest

from rulerun.dsl.errors import MeasureError
from rulerun.dsl.parser import ESCAPES, parse


@pytest.mark.parametrize("text, value", [
    (r'"C:\\new"', "C:\\new"),
    (r'"C:\\temp\\"', "C:\\temp\\"),
    (r'"say \"hi\""', 'say "hi"'),
    (r'"a\nb"', "a\nb"),
    (r'"a\tb"', "a\tb"),
    (r'"\\\\"', "\\\\"),
    (r'"\\n"', "\\n"),
    (r'"DV\\.O[0-9]{6}"', "DV\\.O[0-9]{6}"),
    ('""', ""),
])
def test_text_escapes_are_read_once_left_to_right(text, value):
    assert parse(text).value == value


def test_every_documented_escape_is_known():
    assert set(ESCAPES) == {'"', "\\", "n", "t"}


@pytest.mark.parametrize("text, column", [(r'"\d"', 2), (r'  "ab\x41"', 6), (r'"ok" = "\u00e9"', 9)])
def test_an_unknown_escape_is_a_positioned_error(text, column):
    with pytest.raises(MeasureError) as caught:
        parse(text)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.message.startswith("unknown escape `\\")
    assert (diagnostic.span.line, diagnostic.span.column, diagnostic.span.end_column) == (1, column, column + 2)
    assert "write a backslash itself as `\\\\`" in diagnostic.hint
