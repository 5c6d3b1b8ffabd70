"""The language server: the editor's requests wired to rulerun's analyses of the texts being edited."""
from __future__ import annotations

import functools
import logging
import os
import sys
import traceback
from importlib import metadata
from pathlib import Path

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from .casefiles import check_case
from .diagnostics import by_file
from .model import Model, Occurrence, measure_files
from .positions import column_at, path_of, uri_of
from .workspace import Analysis, Workspace, is_case_file, measure_of_case


class RulerunServer(LanguageServer):
    """A language server over one workspace of measures and cases."""

    def __init__(self) -> None:
        try:
            version = metadata.version("rulerun")
        except metadata.PackageNotFoundError:
            version = "0"
        super().__init__("rulerun", version)
        self.files = Workspace()
        self.shown: dict[Path, set[Path]] = {}  # root -> the files whose diagnostics it published

    def units(self, text: str) -> int:
        """The length of `text` in the position units agreed with the editor."""
        return self.workspace.position_codec.client_num_units(text)

    # -- analyses --------------------------------------------------------------------------------------

    def models(self, path: Path, current: bool = True) -> list[tuple[Model, Analysis]]:
        """The name models of the measures the file takes part in; `current`: none kept from an earlier text."""
        # A text that does not load keeps its last model for completion; its places and values may be past.
        out = []
        for root in self.files.roots(path):
            analysis = self.files.analyse(root)
            model = analysis.model(self.files.case_texts(root)) if not (current and analysis.stale) else None
            if model is not None:
                out.append((model, analysis))
        return out

    def occurrence(self, uri: str, position: types.Position) -> tuple[Occurrence | None, list]:
        """The name at the editor's position, and the models it was looked up in."""
        path = path_of(uri)
        line = self.line(path, position.line) if path else None
        if path is None or line is None:
            return None, []
        column = column_at(line, position.character, self.units)
        models = self.models(path)
        for model, _ in models:
            found = model.at(str(path), position.line + 1, column)
            if found is not None:
                return found, models
        return None, models

    def line(self, path: Path, number: int) -> str | None:
        """Line `number` (0-based) of the file's current text."""
        text = self.files.text(path)
        lines = text.splitlines() if text is not None else []
        return lines[number] if 0 <= number < len(lines) else ("" if number == len(lines) else None)

    def refresh(self, path: Path) -> None:
        """Check every measure the file takes part in, and the open cases of those measures; publish."""
        found: dict[Path, list[types.Diagnostic]] = {path: []}  # a file no longer a measure is cleared
        roots = self.files.roots(path)
        for root in roots:
            analysis = self.files.analyse(root)
            shown = {root} | ({Path(f) for f in measure_files(analysis.measure)} if analysis.measure else set())
            for file, diagnostics in by_file(analysis.diagnostics, root, self.units).items():
                known = found.setdefault(file, [])
                known += [d for d in diagnostics if d not in known]  # an imported file's, once for all importers
                shown.add(file)
            for case in [p for p in self.files.texts if is_case_file(p) and measure_of_case(p).resolve() == root]:
                result = check_case(case, self.files.texts[case], analysis)
                found[case] = by_file(result.diagnostics, case, self.units).get(case, [])
                shown.add(case)
            for file in self.shown.get(root, set()) | shown:
                found.setdefault(file, [])
            self.shown[root] = shown
        for file, diagnostics in found.items():
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri_of(file), diagnostics))


def safe(handler):
    """A failure inside rulerun is logged for the editor as a bug; it never stops the server."""
    @functools.wraps(handler)
    def wrapper(ls: RulerunServer, params):
        try:
            return handler(ls, params)
        except JsonRpcException:
            raise
        except Exception:  # noqa: BLE001 - one request's bug must not end the editing session
            ls.window_log_message(types.LogMessageParams(
                types.MessageType.Error,
                "internal error: this is a bug in rulerun, not in your files; please report it with the "
                "file being edited.\n" + traceback.format_exc()))
            return None
    return wrapper


class _OneLine(logging.Formatter):
    """The protocol library's complaints (e.g. a message that is not JSON) as one line each, no traceback."""

    def formatException(self, ei) -> str:
        return f"  ({ei[0].__name__}: {ei[1]})" if ei and ei[0] else ""

    def format(self, record: logging.LogRecord) -> str:
        text = f"rulerun lsp: {record.getMessage()}"
        if record.exc_info:
            text += self.formatException(record.exc_info)
        return text


def serve() -> None:
    """Serve the editor over the process's standard input and output until it says `exit`."""
    from .features import register
    server = RulerunServer()
    register(server)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    library = logging.getLogger("pygls")
    library.addHandler(handler)
    library.propagate = False
    # Copies of the descriptors: the server closes its streams when it stops, and the command
    # line still flushes its own standard output after that. Descriptors 0 and 1: the process's own.
    with open(os.dup(0), "rb") as reader, open(os.dup(1), "wb") as writer:
        server.start_io(reader, writer)
