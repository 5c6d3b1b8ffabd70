"""Between rulerun's character columns and the editor's units (UTF-16 by default, UTF-8 when agreed)."""
from __future__ import annotations

from pygls.workspace.position_codec import PositionCodec

from rulerun.dsl.source import Source, Span
from rulerun.interpreter.lsp.positions import column_at, to_range, utf16

LINE = "    expr: € 0 + 😀 + catering_subsidiabel"
SPAN = Span(Source("x.yaml", LINE + "\n"), 1, LINE.index("catering") + 1, 1, len(LINE) + 1)
UTF8 = PositionCodec("utf-8").client_num_units


def test_utf16_counts_a_character_beyond_the_basic_plane_twice():
    where = to_range(SPAN, utf16)
    assert (where.start.line, where.start.character) == (0, LINE.index("catering") + 1)
    assert where.end.character - where.start.character == len("catering_subsidiabel")
    assert column_at(LINE, where.start.character, utf16) == SPAN.column


def test_utf8_counts_bytes():
    where = to_range(SPAN, UTF8)
    assert where.start.character == len(LINE[:LINE.index("catering")].encode("utf-8"))
    assert column_at(LINE, where.start.character, UTF8) == SPAN.column
    assert column_at(LINE, 10_000, UTF8) == len(LINE) + 1
