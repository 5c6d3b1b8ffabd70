"""The language server: the editor's requests wired to rulerun's analyses of the texts being edited."""
from __future__ import annotations

import functools
import logging
import os
import re
import sys
import traceback
from importlib import metadata
from pathlib import Path

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from rulerun.dsl.yamlsource import Document, YamlProblem, parse_yaml

from . import completion, fixes, hover, lenses, navigation, outline
from .casefiles import check_case
from .diagnostics import by_file
from .model import Model, Occurrence, measure_files
from .positions import column_at, path_of, to_range, uri_of
from .workspace import Analysis, Workspace, is_case_file, measure_of_case

#: The last keys of the YAML values that hold expressions.
_EXPRESSION_KEYS = {"expr", "when", "then", "otherwise", "value", "eligible", "amount", "reference_date",
                    "minimum", "maximum"}

_EMPTY_VALUE = re.compile(r"\s*(?:-\s+)?(\w+):\s*")


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

    def models(self, path: Path) -> list[tuple[Model, Analysis]]:
        """The name models of every measure the file takes part in."""
        out = []
        for root in self.files.roots(path):
            analysis = self.files.analyse(root)
            model = analysis.model(self.files.case_texts(root))
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
        for model, analysis in models:
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
                found.setdefault(file, []).extend(diagnostics)
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


SERVER = RulerunServer()


def _safe(handler):
    """A failure inside rulerun is logged for the editor as a bug; it never stops the server."""
    @functools.wraps(handler)
    def wrapper(server: RulerunServer, params):
        try:
            return handler(server, params)
        except JsonRpcException:
            raise
        except Exception:  # noqa: BLE001 - one request's bug must not end the editing session
            server.window_log_message(types.LogMessageParams(
                types.MessageType.Error,
                "internal error: this is a bug in rulerun, not in your files; please report it with the "
                "file being edited.\n" + traceback.format_exc()))
            return None
    return wrapper


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
@_safe
def did_open(server: RulerunServer, params: types.DidOpenTextDocumentParams) -> None:
    path = path_of(params.text_document.uri)
    if path is not None:
        server.files.edit(path, params.text_document.text)
        server.refresh(path)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@_safe
def did_change(server: RulerunServer, params: types.DidChangeTextDocumentParams) -> None:
    path = path_of(params.text_document.uri)
    if path is not None:
        server.files.edit(path, server.workspace.get_text_document(params.text_document.uri).source)
        server.refresh(path)


@SERVER.feature(types.TEXT_DOCUMENT_DID_SAVE)
@_safe
def did_save(server: RulerunServer, params: types.DidSaveTextDocumentParams) -> None:
    path = path_of(params.text_document.uri)
    if path is not None:
        server.refresh(path)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@_safe
def did_close(server: RulerunServer, params: types.DidCloseTextDocumentParams) -> None:
    path = path_of(params.text_document.uri)
    if path is not None:
        server.files.edit(path, None)
        server.refresh(path)


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
@_safe
def on_hover(server: RulerunServer, params: types.HoverParams) -> types.Hover | None:
    found, models = server.occurrence(params.text_document.uri, params.position)
    if found is None:
        return None
    for model, analysis in models:
        text = hover.describe(model, found.target, analysis.checked)
        if text is not None:
            return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text),
                               to_range(found.span, server.units))
    return None


@SERVER.feature(types.TEXT_DOCUMENT_COMPLETION,
                types.CompletionOptions(trigger_characters=[".", "[", '"', " "]))
@_safe
def on_completion(server: RulerunServer, params: types.CompletionParams) -> types.CompletionList | None:
    path = path_of(params.text_document.uri)
    line = server.line(path, params.position.line) if path else None
    if path is None or line is None:
        return None
    column = column_at(line, params.position.character, server.units)
    expression = _expression(server.files.text(path) or "", path, params.position.line + 1, column)
    before = line[:column - 1]
    if expression is None and "ref:" not in before:
        return None
    for model, _ in server.models(path):
        measure = model.files.get(str(path))
        if measure is not None:
            items = completion.complete(model, measure, before, expression or line)
            return types.CompletionList(is_incomplete=False, items=items)
    return None


def _expression(text: str, path: Path, line: int, column: int) -> str | None:
    """The text of the expression at a position; the line when the YAML cannot be read; None outside one."""
    try:
        document = parse_yaml(text, str(path), dates_as_text=True)
    except YamlProblem:
        return text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    for key, info in document.nodes.items():
        inside = (info.line, info.column) <= (line, column) <= (info.end_line, info.end_column)
        if inside and info.raw is not None and key and _is_expression(key):
            return info.raw
    # A key with no value yet (`expr: ` and the cursor after it) has no node at the cursor.
    lines = text.splitlines()
    current = lines[line - 1][:column - 1] if 0 < line <= len(lines) else ""
    match = _EMPTY_VALUE.match(current)
    return current[match.end():] if match and match.group(1) in _EXPRESSION_KEYS else None


def _is_expression(key: tuple) -> bool:
    names = [k for k in key if isinstance(k, str)]
    if key[0] == "decision" and len(key) >= 2 and key[1] in ("deadlines", "values"):
        return True
    if key[0] == "parameters" and "values" in names:
        return True
    return names[-1] in _EXPRESSION_KEYS if names else False


@SERVER.feature(types.TEXT_DOCUMENT_DEFINITION)
@_safe
def on_definition(server: RulerunServer, params: types.DefinitionParams) -> list[types.Location] | None:
    found, models = server.occurrence(params.text_document.uri, params.position)
    if found is None:
        return None
    return navigation.definition([m for m, _ in models], found.target, server.units) or None


@SERVER.feature(types.TEXT_DOCUMENT_REFERENCES)
@_safe
def on_references(server: RulerunServer, params: types.ReferenceParams) -> list[types.Location] | None:
    found, models = server.occurrence(params.text_document.uri, params.position)
    if found is None:
        return None
    return navigation.references([m for m, _ in models], found.target, params.context.include_declaration,
                                 server.units)


@SERVER.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
@_safe
def on_prepare_rename(server: RulerunServer, params: types.PrepareRenameParams) -> types.Range | None:
    found, _ = server.occurrence(params.text_document.uri, params.position)
    if found is None or found.target.kind not in navigation.RENAMEABLE:
        return None
    return to_range(found.span, server.units)


@SERVER.feature(types.TEXT_DOCUMENT_RENAME)
@_safe
def on_rename(server: RulerunServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    found, models = server.occurrence(params.text_document.uri, params.position)
    if found is None:
        return None
    try:
        return navigation.rename([m for m, _ in models], found.target, params.new_name, server.units)
    except ValueError as error:
        raise JsonRpcInvalidParams(str(error)) from None


@SERVER.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@_safe
def on_symbols(server: RulerunServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    document = _document(server, params.text_document.uri)
    return outline.symbols(document, server.units) if document is not None else []


def _document(server: RulerunServer, uri: str) -> Document | None:
    path = path_of(uri)
    text = server.files.text(path) if path else None
    if text is None:
        return None
    try:
        return parse_yaml(text, str(path), dates_as_text=True)
    except YamlProblem:
        return None


@SERVER.feature(types.TEXT_DOCUMENT_CODE_LENS)
@_safe
def on_code_lens(server: RulerunServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    path = path_of(params.text_document.uri)
    document = _document(server, params.text_document.uri)
    if path is None or document is None or is_case_file(path):
        return []
    analysis = server.files.analyse(path)
    return lenses.lenses(analysis, document, server.files.case_texts(path), params.text_document.uri, server.units)


@SERVER.command(lenses.RUN_CASES)
def run_cases(ls: RulerunServer, *arguments) -> str | None:
    return _safe(_run_cases)(ls, arguments)


def _run_cases(server: RulerunServer, arguments: tuple) -> str:
    uri = arguments[0] if arguments and isinstance(arguments[0], str) else None
    path = path_of(uri) if uri else None
    if path is None:
        raise JsonRpcInvalidParams("give the URI of a measure file")
    results = lenses.run_cases(server.files.analyse(path), server.files.case_texts(path))
    text = f"{path.name}: {lenses.summary(results)}"
    server.window_show_message(types.ShowMessageParams(types.MessageType.Info, text))
    return text


@SERVER.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
@_safe
def on_code_action(server: RulerunServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    return fixes.actions(params.text_document.uri, list(params.context.diagnostics))


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
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    library = logging.getLogger("pygls")
    library.addHandler(handler)
    library.propagate = False
    # Copies of the descriptors: the server closes its streams when it stops, and the command
    # line still flushes its own standard output after that.
    with os.fdopen(os.dup(sys.__stdin__.fileno()), "rb") as reader, \
            os.fdopen(os.dup(sys.__stdout__.fileno()), "wb") as writer:
        SERVER.start_io(reader, writer)
