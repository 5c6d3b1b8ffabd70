"""`rulerun lsp` end to end on case files: checked against their measure from the editor's text."""
from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_editor import MEASURES, Editor, span_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

KMO = MEASURES / "kmo-portefeuille.yaml"
CASE = MEASURES / "cases" / "kmo-portefeuille" / "aanvraag-dag-14.yaml"


async def test_a_valid_case_has_no_diagnostics(client: LanguageClient):
    case = await Editor(client, CASE).open()
    assert case.diagnostics() == []
    await case.close()


async def test_an_unknown_fact_is_marked_at_its_key(client: LanguageClient):
    case = await Editor(client, CASE).open()
    original = case.text
    await case.change(original.replace("    thema: geen\n", "    tema: geen\n"))
    messages = [d.message for d in case.diagnostics()]
    [unknown] = [d for d in case.diagnostics() if "tema" in d.message]
    assert unknown.range == span_of(case, "tema:", length=4)
    assert unknown.severity == types.DiagnosticSeverity.Error
    assert "did you mean `thema`?" in unknown.message, messages
    await case.change(original)
    assert case.diagnostics() == []
    await case.close()


async def test_a_fact_of_the_wrong_type_is_marked_at_its_value(client: LanguageClient):
    case = await Editor(client, CASE).open()
    await case.change(case.text.replace("    bedrag: 1000\n", "    bedrag: veel\n"))
    [wrong] = case.diagnostics()
    assert wrong.range == span_of(case, "veel")
    assert "dienst.bedrag" in wrong.message
    await case.close()


async def test_a_failing_expect_is_marked_with_what_the_measure_decides(client: LanguageClient):
    case = await Editor(client, CASE).open()
    await case.change(case.text.replace("amount: '337.50'", "amount: '300.00'"))
    [failing] = case.diagnostics()
    assert failing.range == span_of(case, "'300.00'")
    assert failing.message.startswith("`expect.amount` is €300.00, but the measure decides €337.50\n")
    await case.close()


async def test_a_case_of_a_measure_with_errors_says_so(client: LanguageClient):
    measure = await Editor(client, KMO).open()
    case = await Editor(client, CASE).open()
    original = measure.text
    await measure.change(original.replace(">= minimum_advies", ">= minimum_adviez"))
    [note] = case.diagnostics()
    assert note.severity == types.DiagnosticSeverity.Information
    assert note.message.startswith("the case cannot be checked: its measure kmo-portefeuille.yaml has errors")
    await measure.change(original)
    assert case.diagnostics() == []
    await case.close()
    await measure.close()


async def test_a_fact_in_a_case_hovers_and_goes_to_its_declaration(client: LanguageClient):
    measure = Editor(client, KMO)
    case = await Editor(client, CASE).open()
    hover = await client.text_document_hover_async(types.HoverParams(**case.at("    soort: opleiding", 4)))
    assert hover.contents.value.startswith("**fact** `dienst.soort`: enum")
    assert hover.range == span_of(case, "soort")
    [location] = await client.text_document_definition_async(types.DefinitionParams(
        **case.at("    soort: opleiding", 4)))
    assert location.uri == KMO.as_uri()
    assert location.range == span_of(measure, "\n      soort:\n", offset=7, length=len("soort"))
    await case.close()


async def test_references_of_a_fact_reach_the_cases_facts_and_expected_missing_facts(client: LanguageClient):
    measure = await Editor(client, KMO).open()
    missing = Editor(client, MEASURES / "cases" / "kmo-portefeuille" / "onbepaald-ontbrekende-gegevens.yaml")
    found = await client.text_document_references_async(types.ReferenceParams(
        context=types.ReferenceContext(include_declaration=False),
        **measure.at("expr: dienst.doel_aanvaard", len("expr: dienst."))))
    in_missing = [r.range for r in found if r.uri == missing.uri]
    assert in_missing == [span_of(missing, "- dienst.doel_aanvaard", offset=len("- dienst."), length=len("doel_aanvaard"))]
    given = Editor(client, CASE)
    in_facts = [r.range for r in found if r.uri == given.uri]
    assert in_facts == [span_of(given, "    doel_aanvaard:", offset=4, length=len("doel_aanvaard"))]
    await measure.close()
