"""`rulerun lsp` end to end: completion, definition, references, rename, outline and code lenses."""
from __future__ import annotations

import re

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_editor import MEASURES, Editor, apply, span_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

KMO = MEASURES / "kmo-portefeuille.yaml"
DEFINITIE = MEASURES / "common" / "kmo-definitie.yaml"
CASES = sorted((MEASURES / "cases" / "kmo-portefeuille").glob("*.yaml"))
DIENST_FIELDS = ["soort", "thema", "binnen_thema", "doel_aanvaard", "erkenningsnummer", "dienstverlener_geregistreerd",
                 "dienstverlener_verwant", "bedrag", "catering", "persoonsdagen", "btw", "overeenkomst", "start"]


def labels(result) -> list[str]:
    items = result.items if isinstance(result, types.CompletionList) else result
    return [i.label for i in items]


async def complete(client: LanguageClient, editor: Editor, needle: str, offset: int):
    return await client.text_document_completion_async(types.CompletionParams(**editor.at(needle, offset)))


async def test_completion_after_a_fact_lists_its_fields(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    await editor.change(editor.text.replace("expr: dienst.doel_aanvaard", "expr: dienst."))
    result = await complete(client, editor, "expr: dienst.\n", len("expr: dienst."))
    assert labels(result) == DIENST_FIELDS
    await editor.close()


async def test_completion_of_names_imports_keys_enum_values_and_sources(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    await editor.change(editor.text.replace("expr: dienst.doel_aanvaard", "expr: kmo."))
    assert "is_kmo" in labels(await complete(client, editor, "expr: kmo.\n", len("expr: kmo.")))
    await editor.change(editor.text.replace("expr: kmo.\n", 'expr: dienst.soort = "adv\n'))
    values = labels(await complete(client, editor, 'expr: dienst.soort = "adv', len('expr: dienst.soort = "adv')))
    assert values == ["opleiding", "advies", "advies_internationaal_ondernemen", "technologieverkenning",
                      "strategisch_advies", "coaching"]
    await editor.change(editor.text.replace('expr: dienst.soort = "adv\n', "expr: tarief_thema[\n"))
    keys = labels(await complete(client, editor, "expr: tarief_thema[", len("expr: tarief_thema[")))
    assert keys == ['"klein"', '"middelgroot"', '"groot"']
    await editor.change(editor.text.replace("expr: tarief_thema[\n", "expr: \n"))
    names = labels(await complete(client, editor, "expr: \n", len("expr: ")))
    assert {"hervormd", "minimum_advies", "dienst", "kmo", "round_cents", "days_between", "sum", "if",
            "evaluation_date"} <= set(names)
    await editor.change(editor.text.replace("source: {ref: W10}", "source: {ref: W}", 1))
    sources = labels(await complete(client, editor, "{ref: W}", len("{ref: W")))
    assert {"S0", "W10", "W101"} <= set(sources)
    await editor.close()


async def test_no_completion_outside_expressions(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    result = await complete(client, editor, "authority: VLAIO", len("authority: VL"))
    assert result is None
    await editor.close()


async def test_definition_of_a_rule_used_in_another_rule(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    [location] = await client.text_document_definition_async(types.DefinitionParams(
        **editor.at("<= laatste_aanvraagdag", 4)))
    assert location.uri == editor.uri
    assert location.range == span_of(editor, "\n  laatste_aanvraagdag:\n", offset=3, length=len("laatste_aanvraagdag"))
    await editor.close()


async def test_definition_of_a_name_from_an_imported_file(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    definitions = Editor(client, DEFINITIE)
    [location] = await client.text_document_definition_async(types.DefinitionParams(
        **editor.at("or kmo.is_kmo", len("or kmo."))))
    assert location.uri == DEFINITIE.as_uri()
    assert location.range == span_of(definitions, "\n  is_kmo:\n", offset=3, length=len("is_kmo"))
    alias = await client.text_document_definition_async(types.DefinitionParams(
        **editor.at("or kmo.is_kmo", len("or "))))
    assert [a.uri for a in alias] == [DEFINITIE.as_uri(), editor.uri]
    fact = await client.text_document_definition_async(types.DefinitionParams(
        **editor.at("onderneming.overheidsdeelname <", len("onderneming."))))
    assert [f.uri for f in fact] == [DEFINITIE.as_uri()]
    await editor.close()


async def test_references_of_a_rule_span_the_measure_and_its_cases(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    found = await client.text_document_references_async(types.ReferenceParams(
        context=types.ReferenceContext(include_declaration=True), **editor.at("expr: if hervormd", len("expr: if "))))
    in_measure = [r for r in found if r.uri == editor.uri]
    assert len(in_measure) == len(re.findall(r"\bhervormd\b", editor.text))
    failed = [c for c in CASES if re.search(r"failed:.*\bminimum_bedrag\b", c.read_text(encoding="utf-8"), re.S)]
    found = await client.text_document_references_async(types.ReferenceParams(
        context=types.ReferenceContext(include_declaration=False), **editor.at("  - minimum_bedrag", 4)))
    assert failed and {r.uri for r in found} - {editor.uri} == {c.as_uri() for c in failed}
    await editor.close()


async def test_rename_of_a_rule_updates_every_use(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    original = editor.text
    prepared = await client.text_document_prepare_rename_async(types.PrepareRenameParams(
        **editor.at("expr: if hervormd", len("expr: if "))))
    assert prepared == span_of(editor, "expr: if hervormd", offset=len("expr: if "), length=len("hervormd"))
    edit = await client.text_document_rename_async(types.RenameParams(
        new_name="na_hervorming", **editor.at("expr: if hervormd", len("expr: if "))))
    assert set(edit.changes) == {editor.uri}
    renamed = apply(original, edit.changes[editor.uri])
    assert renamed == re.sub(r"\bhervormd\b", "na_hervorming", original)
    await editor.change(renamed)
    assert editor.diagnostics() == []
    await editor.change(original)
    await editor.close()


async def test_rename_across_files_and_refusals(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    edit = await client.text_document_rename_async(types.RenameParams(
        new_name="kmo_status", **editor.at("or kmo.is_kmo", len("or kmo."))))
    definitions = DEFINITIE.read_text(encoding="utf-8")
    assert apply(definitions, edit.changes[DEFINITIE.as_uri()]) == re.sub(r"(?<!\w)is_kmo\b(?=:)", "kmo_status",
                                                                             definitions)
    assert apply(editor.text, edit.changes[editor.uri]) == editor.text.replace("kmo.is_kmo", "kmo.kmo_status")
    with pytest.raises(Exception, match="already declared"):
        await client.text_document_rename_async(types.RenameParams(
            new_name="kbo", **editor.at("expr: if hervormd", len("expr: if "))))
    with pytest.raises(Exception, match="is not a name"):
        await client.text_document_rename_async(types.RenameParams(
            new_name="twee woorden", **editor.at("expr: if hervormd", len("expr: if "))))
    assert await client.text_document_prepare_rename_async(types.PrepareRenameParams(
        **editor.at("round_cents(", 2))) is None
    await editor.close()


async def test_outline_lists_facts_parameters_rules_and_decision(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        types.TextDocumentIdentifier(editor.uri)))
    assert [s.name for s in symbols] == ["facts", "parameters", "rules", "decision"]
    facts, _, rules, decision = symbols
    assert [c.name for c in facts.children] == ["onderneming_info", "dienst", "aanvraag", "vastgelegde_grootte",
                                               "stortingen_eigen_bijdrage"]
    assert [c.name for c in facts.children[1].children] == DIENST_FIELDS
    assert rules.children[0].name == "hervormd"
    assert rules.children[0].selection_range == span_of(editor, "hervormd")
    assert [c.name for c in decision.children] == ["eligible", "amount", "deadlines", "values", "notes"]
    await editor.close()


async def test_code_lenses_report_the_cases_and_each_rules_coverage(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    found = await client.text_document_code_lens_async(types.CodeLensParams(types.TextDocumentIdentifier(editor.uri)))
    first = found[0]
    assert first.command.title == f"run {len(CASES)} cases: {len(CASES)} passed, 0 failed"
    assert first.range == span_of(editor, "\nmeasure:", offset=1, length=len("measure"))
    by_line = {lens.range.start.line: lens.command.title for lens in found[1:]}
    assert re.fullmatch(rf"evaluated by \d+ of {len(CASES)} cases", by_line[editor.position("  hervormd:").line])
    assert len(by_line) == editor.text.split("\nrules:\n")[1].split("\ndecision:")[0].count("\n    label:")
    answer = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        first.command.command, first.command.arguments))
    assert answer == f"kmo-portefeuille.yaml: {first.command.title}"
    await editor.close()


async def test_a_failing_case_shows_in_the_lens(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    case = await Editor(client, CASES[0]).open()
    await case.change(case.text.replace("amount: '337.50'", "amount: '1.00'"))
    found = await client.text_document_code_lens_async(types.CodeLensParams(types.TextDocumentIdentifier(editor.uri)))
    assert found[0].command.title == f"run {len(CASES)} cases: {len(CASES) - 1} passed, 1 failed"
    await case.close()
    await editor.close()


async def test_rename_of_a_field_updates_the_measure_and_its_cases(client: LanguageClient):
    editor = await Editor(client, KMO).open()
    edit = await client.text_document_rename_async(types.RenameParams(
        new_name="doel_ok", **editor.at("expr: dienst.doel_aanvaard", len("expr: dienst."))))
    assert apply(editor.text, edit.changes[editor.uri]) == editor.text.replace("doel_aanvaard", "doel_ok")
    cases = [c for c in CASES if "doel_aanvaard" in c.read_text(encoding="utf-8")]
    assert len(cases) > 40 and set(edit.changes) == {editor.uri} | {c.as_uri() for c in cases}
    for case in cases:
        text = case.read_text(encoding="utf-8")
        assert apply(text, edit.changes[case.as_uri()]) == text.replace("doel_aanvaard", "doel_ok")
    await editor.close()
