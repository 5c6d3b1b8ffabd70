"""The editor's requests and notifications, each answered from the server's analyses."""
from __future__ import annotations

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from rulerun.dsl.yamlsource import Document, YamlProblem, parse_yaml

from . import completion

from . import fixes

from . import hover

from . import lenses

from . import navigation

from . import outline
from .positions import column_at, path_of, to_range
from .server import RulerunServer, safe
from .workspace import is_case_file


def register(server: RulerunServer) -> None:
    """Register every feature on the server; a failure inside one is a logged bug, never a stop."""
    for name, handler, options in [
        (types.TEXT_DOCUMENT_DID_OPEN, did_open, None),
        (types.TEXT_DOCUMENT_DID_CHANGE, did_change, None),
        (types.TEXT_DOCUMENT_DID_SAVE, did_save, None),
        (types.TEXT_DOCUMENT_DID_CLOSE, did_close, None),
        (types.TEXT_DOCUMENT_HOVER, on_hover, None),
        (types.TEXT_DOCUMENT_COMPLETION, on_completion, types.CompletionOptions(trigger_characters=[".", "[", '"', " "])),
        (types.TEXT_DOCUMENT_DEFINITION, on_definition, None),
        (types.TEXT_DOCUMENT_REFERENCES, on_references, None),
        (types.TEXT_DOCUMENT_PREPARE_RENAME, on_prepare_rename, None),
        (types.TEXT_DOCUMENT_RENAME, on_rename, None),
        (types.TEXT_DOCUMENT_DOCUMENT_SYMBOL, on_symbols, None),
        (types.TEXT_DOCUMENT_CODE_LENS, on_code_lens, None),
        (types.TEXT_DOCUMENT_CODE_ACTION, on_code_action,
         types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix])),
    ]:
        server.feature(name, options)(safe(handler))
    server.command(lenses.RUN_CASES)(run_cases)


def did_open(ls: RulerunServer, params: types.DidOpenTextDocumentParams) -> None:
    """An opened file: its text is the editor's from now on; check what it takes part in."""
    path = path_of(params.text_document.uri)
    if path is not None:
        ls.files.edit(path, params.text_document.text)
        ls.refresh(path)


def did_change(ls: RulerunServer, params: types.DidChangeTextDocumentParams) -> None:
    """An unsaved edit: check again from the new text."""
    path = path_of(params.text_document.uri)
    if path is not None:
        ls.files.edit(path, ls.workspace.get_text_document(params.text_document.uri).source)
        ls.refresh(path)


def did_save(ls: RulerunServer, params: types.DidSaveTextDocumentParams) -> None:
    """A saved file: check again (cases on disk may have changed with it)."""
    path = path_of(params.text_document.uri)
    if path is not None:
        ls.refresh(path)


def did_close(ls: RulerunServer, params: types.DidCloseTextDocumentParams) -> None:
    """A closed file: the file on disk counts again."""
    path = path_of(params.text_document.uri)
    if path is not None:
        ls.files.edit(path, None)
        ls.refresh(path)


def on_hover(ls: RulerunServer, params: types.HoverParams) -> types.Hover | None:
    """What the name under the cursor means."""
    found, models = ls.occurrence(params.text_document.uri, params.position)
    if found is None:
        return None
    for model, analysis in models:
        text = hover.describe(model, found.target, analysis.checked)
        if text is not None:
            return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text),
                               to_range(found.span, ls.units))
    return None


def on_completion(ls: RulerunServer, params: types.CompletionParams) -> types.CompletionList | None:
    """What can be written at the cursor, inside an expression or after `ref:`."""
    path = path_of(params.text_document.uri)
    line = ls.line(path, params.position.line) if path else None
    if path is None or line is None:
        return None
    column = column_at(line, params.position.character, ls.units)
    expression = completion.expression_at(ls.files.text(path) or "", path, params.position.line + 1, column)
    before = line[:column - 1]
    if expression is None and "ref:" not in before:
        return None
    for model, _ in ls.models(path, current=False):  # names to offer: the last ones loaded will do
        measure = model.files.get(str(path))
        if measure is not None:
            items = completion.complete(model, measure, before, expression or line)
            return types.CompletionList(is_incomplete=False, items=items)
    return None


def on_definition(ls: RulerunServer, params: types.DefinitionParams) -> list[types.Location] | None:
    """Where the name under the cursor is declared."""
    found, models = ls.occurrence(params.text_document.uri, params.position)
    if found is None:
        return None
    return navigation.definition([m for m, _ in models], found.target, ls.units) or None


def on_references(ls: RulerunServer, params: types.ReferenceParams) -> list[types.Location] | None:
    """Every place the name under the cursor is written."""
    found, models = ls.occurrence(params.text_document.uri, params.position)
    if found is None:
        return None
    return navigation.references([m for m, _ in models], found.target, params.context.include_declaration,
                                 ls.units)


def on_prepare_rename(ls: RulerunServer, params: types.PrepareRenameParams) -> types.Range | None:
    """The range of a name that can be renamed, or None."""
    found, _ = ls.occurrence(params.text_document.uri, params.position)
    if found is None or found.target.kind not in navigation.RENAMEABLE:
        return None
    return to_range(found.span, ls.units)


def on_rename(ls: RulerunServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    """The edits that rename the name under the cursor everywhere."""
    found, models = ls.occurrence(params.text_document.uri, params.position)
    if found is None:
        return None
    try:
        return navigation.rename([m for m, _ in models], found.target, params.new_name, ls.units)
    except ValueError as error:
        raise JsonRpcInvalidParams(str(error)) from None


def on_symbols(ls: RulerunServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    """The outline of the file."""
    document = _document(ls, params.text_document.uri)
    return outline.symbols(document, ls.units) if document is not None else []


def _document(ls: RulerunServer, uri: str) -> Document | None:
    path = path_of(uri)
    text = ls.files.text(path) if path else None
    if text is None:
        return None
    try:
        return parse_yaml(text, str(path), dates_as_text=True)
    except YamlProblem:
        return None


def on_code_lens(ls: RulerunServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    """The cases' result on the measure and each rule's coverage."""
    path = path_of(params.text_document.uri)
    document = _document(ls, params.text_document.uri)
    if path is None or document is None or is_case_file(path) or not ls.files.is_measure(path):
        return []
    analysis = ls.files.analyse(path)
    return lenses.lenses(analysis, document, ls.files.case_texts(path), params.text_document.uri, ls.units)


def run_cases(ls: RulerunServer, *arguments) -> str | None:
    """The code lens's command: run the measure's cases and show the result."""
    return safe(_run_cases)(ls, arguments)


def _run_cases(ls: RulerunServer, arguments: tuple) -> str:
    uri = arguments[0] if arguments and isinstance(arguments[0], str) else None
    path = path_of(uri) if uri else None
    if path is None:
        raise JsonRpcInvalidParams("give the URI of a measure file")
    results = lenses.run_cases(ls.files.analyse(path), ls.files.case_texts(path))
    text = f"{path.name}: {lenses.summary(results)}"
    ls.window_show_message(types.ShowMessageParams(types.MessageType.Info, text))
    return text


def on_code_action(ls: RulerunServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """The quick fixes for the diagnostics at the cursor."""
    return fixes.actions(params.text_document.uri, list(params.context.diagnostics))


