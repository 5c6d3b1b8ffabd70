"""What a test does as an editor would: open, change and close files, and ask at a place in the text."""
from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

ROOT = Path(__file__).resolve().parent.parent.parent
MEASURES = ROOT / "measures"


class Editor:
    """One file open in the client, with its current text."""

    def __init__(self, client: LanguageClient, path: Path):
        self.client = client
        self.path = path
        self.uri = path.as_uri()
        self.text = path.read_text(encoding="utf-8")
        self.version = 1

    async def open(self) -> "Editor":
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(self.uri, "yaml", self.version, self.text)))
        await self.settle()
        return self

    async def change(self, text: str) -> None:
        """Replace the whole text, as an editor sends an unsaved edit."""
        self.text = text
        self.version += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=self.version, uri=self.uri),
            [types.TextDocumentContentChangeWholeDocument(text)]))
        await self.settle()

    async def close(self) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(self.uri)))
        await self.settle()

    async def settle(self) -> None:
        """Wait until the server handled what was sent: it answers requests in order, after publishing."""
        await self.client.text_document_document_symbol_async(
            types.DocumentSymbolParams(types.TextDocumentIdentifier(self.uri)))

    def diagnostics(self, path: Path | None = None) -> list[types.Diagnostic]:
        return list(self.client.diagnostics.get((path or self.path).as_uri(), []))

    def position(self, needle: str, offset: int = 0, occurrence: int = 0) -> types.Position:
        """The position of the `occurrence`-th `needle` in the text, plus `offset` characters."""
        start = -1
        for _ in range(occurrence + 1):
            start = self.text.index(needle, start + 1)
        start += offset
        line = self.text.count("\n", 0, start)
        column = start - (self.text.rfind("\n", 0, start) + 1)
        return types.Position(line, column)

    def at(self, needle: str, offset: int = 0, occurrence: int = 0) -> dict:
        return {"text_document": types.TextDocumentIdentifier(self.uri),
                "position": self.position(needle, offset, occurrence)}


def span_of(editor: Editor, needle: str, occurrence: int = 0, offset: int = 0, length: int | None = None
            ) -> types.Range:
    """The range of `length` characters (all of `needle`) from `offset` in the `occurrence`-th `needle`."""
    start = editor.position(needle, offset, occurrence)
    return types.Range(start, types.Position(start.line, start.character + (len(needle) if length is None else length)))


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """The text after one-line edits, applied from the last to the first."""
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        assert edit.range.start.line == edit.range.end.line
        line = lines[edit.range.start.line]
        lines[edit.range.start.line] = (line[:edit.range.start.character] + edit.new_text
                                        + line[edit.range.end.character:])
    return "\n".join(lines)
