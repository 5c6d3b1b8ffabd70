"""Source texts and spans: where every piece of a measure came from."""
from __future__ import annotations

import functools

from .records import record


@record(frozen=True, eq=False)
class Source:
    """A named text (a file, or `<expr>` for a bare expression)."""

    name: str
    text: str

    @functools.cached_property
    def lines(self) -> list[str]:
        """The text's lines, without their newlines."""
        return self.text.splitlines()

    def line(self, number: int) -> str:
        """Return line `number` (1-based) without its newline, or '' past the end."""
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""


@record(frozen=True, slots=True)
class Span:
    """A 1-based line/column range in a Source; end is exclusive."""

    source: Source
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def location(self) -> str:
        """`file:line:col` as users see it."""
        return f"{self.source.name}:{self.line}:{self.column}"

    @property
    def text(self) -> str:
        """The spanned text (first line only when it spans several)."""
        line = self.source.line(self.line)
        end = self.end_column if self.end_line == self.line else len(line) + 1
        return line[self.column - 1:end - 1]


@record(frozen=True, slots=True)
class Placement:
    """Where an embedded expression's text starts inside its file.

    Lark reports positions inside the expression text; a placement maps them to
    the YAML file by adding `line_offset` and `column_offset` to lark's 1-based
    positions. A plain or quoted scalar offsets the columns of its first line only;
    a `|` block offsets every line by the block's indentation.
    """

    source: Source
    line_offset: int = 0
    column_offset: int = 0
    first_line_only_offset: bool = True

    def span(self, line: int, column: int, end_line: int, end_column: int) -> Span:
        """Map an expression-relative range to a file span."""
        return Span(self.source, line + self.line_offset, self._col(line, column),
                    end_line + self.line_offset, self._col(end_line, end_column))

    def _col(self, line: int, column: int) -> int:
        if line == 1 or not self.first_line_only_offset:
            return column + self.column_offset
        return column


def standalone(text: str, name: str = "<expr>") -> Placement:
    """A placement for an expression that is its own source."""
    return Placement(Source(name, text))
