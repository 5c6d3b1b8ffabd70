"""Quick fixes: the edits that the checker's "did you mean" hints suggest."""
from __future__ import annotations

import re

from lsprotocol import types

from rulerun.dsl.errors import Diagnostic
from rulerun.dsl.source import Span

from .positions import Units, to_range, utf16

_SUGGESTION = re.compile(r"`([^`]+)`")
_QUOTED = re.compile(r"`([^`]+)`|\"([^\"]+)\"")


def fixes_for(diagnostic: Diagnostic, units: Units = utf16) -> list[dict]:
    """For a "did you mean" hint: one edit per suggestion, replacing the misspelt word in the range."""
    hint = diagnostic.hint or ""
    span = diagnostic.span
    if not hint.startswith("did you mean") or span is None or span.line != span.end_line:
        return []
    text = span.text
    words = [a or b for a, b in _QUOTED.findall(diagnostic.message)]
    # The misspelt word is the last one quoted in the message that is written in the range:
    # "`dienst` has no field `sort`" marks `dienst.sort`, and `sort` is what to replace.
    for word in reversed(words):
        found = [m.start() for m in re.finditer(rf"(?<![\w.]){re.escape(word)}(?!\w)", text)]
        if not found:
            found = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text)]
        if found:
            start = span.column + found[-1]
            target = Span(span.source, span.line, start, span.line, start + len(word))
            where = to_range(target, units)
            return [{"title": f"Replace `{word}` with `{new}`", "range": _plain(where), "newText": new}
                    for new in _SUGGESTION.findall(hint)]
    return []


def _plain(where: types.Range) -> dict:
    return {"start": {"line": where.start.line, "character": where.start.character},
            "end": {"line": where.end.line, "character": where.end.character}}


def actions(uri: str, diagnostics: list[types.Diagnostic]) -> list[types.CodeAction]:
    """The quick fixes for the diagnostics the editor sends back (they carry their edits)."""
    out: list[types.CodeAction] = []
    for diagnostic in diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        for fix in data.get("fixes") or []:
            try:
                start, end = fix["range"]["start"], fix["range"]["end"]
                where = types.Range(types.Position(int(start["line"]), int(start["character"])),
                                    types.Position(int(end["line"]), int(end["character"])))
                edit = types.TextEdit(where, str(fix["newText"]))
                title = str(fix["title"])
            except (KeyError, TypeError, ValueError):
                continue  # not an edit this server made: a client may send back anything
            out.append(types.CodeAction(title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                                        edit=types.WorkspaceEdit(changes={uri: [edit]}), is_preferred=len(out) == 0))
    return out
