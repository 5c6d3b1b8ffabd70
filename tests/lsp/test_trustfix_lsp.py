"""`rulerun lsp` reads a case's expected values as `rulerun test` does: by the type of the value named."""
from __future__ import annotations

import pytest
from pytest_lsp import LanguageClient

from lsp_editor import MEASURES, Editor, span_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

CASE = MEASURES / "cases" / "kmo-portefeuille" / "drie-jaren-klein-via-balanstotaal.yaml"


async def test_a_bare_number_for_an_expected_percentage_is_marked_at_its_value(client: LanguageClient):
    case = await Editor(client, CASE).open()
    assert case.diagnostics() == []
    await case.change(case.text.replace("steunpercentage: 30%", "steunpercentage: 0.3"))
    [wrong] = case.diagnostics()
    assert wrong.range == span_of(case, "0.3")
    assert wrong.message.startswith("`expect.values.steunpercentage`: `0.3` is not a percentage")
    await case.close()
