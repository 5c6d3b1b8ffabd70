"""`rulerun lsp` end to end on the bundled measures: each feature as an editor uses it."""
from __future__ import annotations


import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_editor import MEASURES, Editor, apply, span_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

KMO = MEASURES / "kmo-portefeuille.yaml"
DEFINITIE = MEASURES / "common" / "kmo-definitie.yaml"
CASES = MEASURES / "cases" / "kmo-portefeuille"


def errors(diagnostics):
    return [d for d in diagnostics if d.severity == types.DiagnosticSeverity.Error]


async def test_an_unsaved_typo_is_marked_at_its_name_and_cleared_when_fixed(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    assert errors(editor.diagnostics()) == []
    original = editor.text
    await editor.change(original.replace(">= minimum_advies", ">= minimum_adviez"))
    [diagnostic] = errors(editor.diagnostics())
    assert diagnostic.range == span_of(editor, "minimum_adviez")
    assert diagnostic.message.startswith("unknown name `minimum_adviez`")
    assert diagnostic.message.endswith("\nhint: did you mean `minimum_advies` or `minimum_bedrag`?")
    await editor.change(original)
    assert editor.diagnostics() == []
    await editor.close()


async def test_a_quick_fix_applies_the_did_you_mean(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    original = editor.text
    await editor.change(original.replace("dienst.doel_aanvaard", "dienst.doel_aanvard"))
    [diagnostic] = errors(editor.diagnostics())
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(editor.uri), diagnostic.range, types.CodeActionContext([diagnostic])))
    assert [a.title for a in actions] == ["Replace `doel_aanvard` with `doel_aanvaard`"]
    [edit] = actions[0].edit.changes[editor.uri]
    assert edit.range == span_of(editor, "doel_aanvard")
    await editor.change(apply(editor.text, [edit]))
    assert editor.text == original
    assert editor.diagnostics() == []
    await editor.close()


async def test_an_edit_in_an_imported_file_checks_the_measures_that_use_it(client: LanguageClient):
    measure = await Editor(client, KMO).open()
    definitions = await Editor(client, DEFINITIE).open()
    original = definitions.text
    await definitions.change(original.replace("\n  is_kmo:\n", "\n  is_een_kmo:\n"))
    [diagnostic] = errors(measure.diagnostics())
    assert diagnostic.range == span_of(measure, "kmo.is_kmo")
    assert diagnostic.message.startswith("unknown name `kmo.is_kmo`")
    # A misspelt field in a block scalar of the imported file is marked there, at its name.
    await definitions.change(original.replace("      sum(b.personeel for each b in boekjaren where b.jaar = laatste_jaar)\n",
                                              "      sum(b.personel for each b in boekjaren where b.jaar = laatste_jaar)\n", 1))
    [own] = errors(definitions.diagnostics())
    assert own.range == span_of(definitions, "b.personel")
    assert own.message.startswith("`b` has no field `personel`")
    await definitions.change(original)
    assert errors(measure.diagnostics()) == []
    assert errors(definitions.diagnostics()) == []
    await definitions.close()
    await measure.close()


async def test_hover_on_a_parameter_shows_its_value_and_its_source(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    hover = await client.text_document_hover_async(types.HoverParams(**editor.at(">= minimum_advies", 5)))
    assert hover.range == span_of(editor, "minimum_advies", occurrence=1)
    text = hover.contents.value
    assert "**parameter** `minimum_advies`" in text
    assert "`€ 500`" in text
    assert "https://www.dialogisch.be/organisaties-trajecten-op-maat/kmo-portefeuille/" in text
    await editor.close()


async def test_hover_on_a_rule_fact_and_function(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    rule = await client.text_document_hover_async(types.HoverParams(**editor.at("<= laatste_aanvraagdag", 4)))
    assert "**rule** `laatste_aanvraagdag`: date" in rule.contents.value
    assert "dienst.start + aanvraagtermijn" in rule.contents.value
    assert "Vlaanderen.be" not in rule.contents.value and "https://drivewell.be/kmo-aanvraag" in rule.contents.value
    fact = await client.text_document_hover_async(types.HoverParams(**editor.at("expr: dienst.doel_aanvaard", 14)))
    assert fact.contents.value.startswith("**fact** `dienst.doel_aanvaard`: bool")
    assert "Is the service aimed at core processes" in fact.contents.value
    function = await client.text_document_hover_async(types.HoverParams(**editor.at("round_cents(", 2)))
    assert "round_cents(money) → money" in function.contents.value
    alias = await client.text_document_hover_async(types.HoverParams(**editor.at("or kmo.is_kmo", 4)))
    assert "`common/kmo-definitie.yaml`" in alias.contents.value
    source = await client.text_document_hover_async(types.HoverParams(**editor.at("{ref: W101}", 7)))
    assert "wat-het-de-minimisplafond" in source.contents.value
    await editor.close()


async def test_hover_is_exact_inside_block_and_quoted_scalars(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    block = editor.at("* catering_per_persoonsdag", 2)
    hover = await client.text_document_hover_async(types.HoverParams(**block))
    assert hover.range == span_of(editor, "catering_per_persoonsdag", occurrence=1)
    assert "**parameter** `catering_per_persoonsdag`" in hover.contents.value
    await editor.change(editor.text.replace("expr: dienst.bedrag + catering_subsidiabel",
                                            "expr: \"dienst.bedrag + catering_subsidiabel\""))
    quoted = await client.text_document_hover_async(types.HoverParams(**editor.at("+ catering_subsidiabel\"", 2)))
    start = editor.position("+ catering_subsidiabel\"", 2)
    assert quoted.range == types.Range(start, types.Position(start.line, start.character + len("catering_subsidiabel")))
    await editor.close()


async def test_a_text_that_does_not_load_is_marked_and_never_answered_from_an_older_one(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    original = editor.text
    await editor.change(original.replace("    value: € 500\n", "    value: € 600\n  \tbroken: [\n"))
    [diagnostic] = editor.diagnostics()
    assert diagnostic.message.startswith("invalid YAML")
    hover = await client.text_document_hover_async(types.HoverParams(**editor.at(">= minimum_advies", 5)))
    assert hover is None  # the last model that loaded says € 500: not an answer for this text
    await editor.change(original.replace("expr: dienst.doel_aanvaard", "expr: dienst."))
    fields = await client.text_document_completion_async(types.CompletionParams(
        **editor.at("expr: dienst.\n", len("expr: dienst."))))
    assert "soort" in [i.label for i in fields.items]  # names to offer come from the last model that loaded
    await editor.change(original)
    assert editor.diagnostics() == []
    await editor.close()


async def test_every_error_of_a_measure_with_several_broken_expressions_is_marked(client: LanguageClient):
    """Expressions that do not parse leave the rest checked: each error, in either file, at its place."""
    measure = await Editor(client, KMO).open()
    definitions = await Editor(client, DEFINITIE).open()
    original, imported = measure.text, definitions.text
    await definitions.change(imported.replace('    expr: categorie != "groot"\n', '    expr: categorie != "groot\n', 1))
    await measure.change(original.replace("expr: dienst.start + aanvraagtermijn", "expr: dienst.start + * aanvraagtermijn")
                         .replace("values: {klein: 45%, middelgroot: 35%,", "values: {klein: 45%, middelgroot: 35 %%,")
                         .replace(">= minimum_advies", ">= minimum_adviez"))
    found = sorted(errors(measure.diagnostics()), key=lambda d: (d.range.start.line, d.range.start.character))
    assert [(d.range, d.message.split("\n")[0]) for d in found] == [
        (span_of(measure, "35 %%", offset=4, length=1), "unexpected `%`"),
        (span_of(measure, "minimum_adviez"), "unknown name `minimum_adviez`"),
        (span_of(measure, "+ * aanvraagtermijn", offset=2, length=1), "unexpected `*`")]
    [own] = errors(definitions.diagnostics())
    assert own.range == span_of(definitions, 'categorie != "groot\n', offset=len("categorie != "), length=1)
    assert own.message.startswith("unexpected character `\"`")
    hover = await client.text_document_hover_async(types.HoverParams(**measure.at("tarief_thema:", 2)))
    assert "- always: `klein: 45%, middelgroot: (does not parse), groot: 0%`" in hover.contents.value
    await definitions.change(imported)
    await measure.change(original)
    assert errors(measure.diagnostics()) == [] and errors(definitions.diagnostics()) == []
    await definitions.close()
    await measure.close()


async def test_a_parameter_read_at_a_date_is_hovered_completed_and_checked(client: LanguageClient):
    """`plafond at toekenningsdatum` in the de minimis definition: hover on both names, completion, errors."""
    measure = await Editor(client, KMO).open()  # a definitions file is read through a measure that uses it
    editor = await Editor(client, MEASURES / "common" / "de-minimis.yaml").open()
    assert errors(editor.diagnostics()) == []
    parameter = await client.text_document_hover_async(types.HoverParams(**editor.at("max(plafond at toekenningsdatum", 6)))
    assert "**parameter** `plafond`" in parameter.contents.value
    rule = await client.text_document_hover_async(types.HoverParams(**editor.at("at toekenningsdatum -", 5)))
    assert "**rule** `toekenningsdatum`" in rule.contents.value
    original = editor.text
    await editor.change(original.replace("max(plafond at toekenningsdatum", "max(plafond at "))
    names = await client.text_document_completion_async(types.CompletionParams(
        **editor.at("max(plafond at ", len("max(plafond at "))))
    assert names is not None and "toekenningsdatum" in [i.label for i in names.items]
    await editor.change(original.replace("max(plafond at toekenningsdatum", "max(rollend_vanaf at toekenningsdatum"))
    assert any("has one value for every date" in d.message for d in errors(editor.diagnostics()))
    await editor.change(original)
    assert errors(editor.diagnostics()) == [] and errors(measure.diagnostics()) == []
    await editor.close()
    await measure.close()
