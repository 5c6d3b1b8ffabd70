"""Between rulerun's spans (1-based lines and columns in characters) and the editor's positions."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from lsprotocol import types
from pygls import uris

from rulerun.dsl.source import Span

#: Counts a text's length in the editor's units (UTF-16 code units unless agreed otherwise).
Units = Callable[[str], int]


def utf16(text: str) -> int:
    """The length of `text` in UTF-16 code units, the protocol's default."""
    return len(text.encode("utf-16-le")) // 2


def to_range(span: Span, units: Units = utf16) -> types.Range:
    """The editor's range of a span."""
    return types.Range(_position(span.source.line(span.line), span.line, span.column, units),
                       _position(span.source.line(span.end_line), span.end_line, span.end_column, units))


def _position(text: str, line: int, column: int, units: Units) -> types.Position:
    return types.Position(max(line - 1, 0), units(text[:max(column - 1, 0)]))


def column_at(text: str, character: int, units: Units = utf16) -> int:
    """The 1-based character column of the editor's `character` offset in the line `text`."""
    count = 0
    for index, char in enumerate(text):
        if count >= character:
            return index + 1
        count += units(char)
    return len(text) + 1


def path_of(uri: str) -> Path | None:
    """The file a `file:` URI names, resolved; None for any other scheme."""
    path = uris.to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path).resolve() if path else None


def uri_of(path: Path | str) -> str:
    """The `file:` URI of a path."""
    return uris.from_fs_path(str(path)) or Path(path).as_uri()


def contains(span: Span, line: int, column: int) -> bool:
    """Whether the 1-based position lies in the span, its end included (the cursor just after a name)."""
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)
