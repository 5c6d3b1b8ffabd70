"""The workbench in a real browser: the Debian Chromium, headless, driven by Playwright, against a real
`rulerun serve --edit` process on a copy of the measures folder. Screenshots go to the test's folder, and
also to $RULERUN_SCREENSHOTS when set (that is how docs/images/workbench-*.png are made)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from conftest import ROOT, Server

KMO = "kmo-portefeuille"
WAIT = 60_000  # ms: a shared machine can be slow; every wait is for a state of the page, never a fixed time
FUSE = "expr: aanvraag.datum >= dienst.overeenkomst"


@pytest.fixture
def served(tmp_path):
    shutil.copytree(ROOT / "measures", tmp_path / "measures")
    server = Server(tmp_path, "--edit")
    yield server, tmp_path / "measures"
    server.stop()


def _shot(page, tmp_path: Path, name: str, panel: str | None = None) -> None:
    """The visible page, or only `panel` (scrolled into view first: a panel below the fold is not in a page shot)."""
    path = tmp_path / f"workbench-{name}.png"
    if panel is None:
        page.screenshot(path=str(path))
    else:
        shown = page.locator(panel)
        shown.scroll_into_view_if_needed()
        expect(shown).to_be_in_viewport()
        shown.screenshot(path=str(path))
    assert path.stat().st_size > 0
    target = os.environ.get("RULERUN_SCREENSHOTS")
    if target:
        shutil.copy(path, Path(target) / path.name)


#: An eligible case (the bundled r3-klein-opleiding), as an analyst types it into the form.
CHOICES = {
    "onderneming_info.rechtsvorm": "bv", "onderneming_info.vestiging_vlaanderen": "yes",
    "onderneming_info.hoofdactiviteit_aanvaard": "yes", "onderneming_info.kbo_ingeschreven": "yes",
    "onderneming_info.in_orde": "yes", "dienst.soort": "opleiding", "dienst.thema": "geen",
    "dienst.binnen_thema": "yes", "dienst.doel_aanvaard": "yes", "dienst.dienstverlener_geregistreerd": "yes",
    "dienst.dienstverlener_verwant": "no",
}
TYPED = {
    "dienst.erkenningsnummer": "DV.O225337", "dienst.bedrag": "1000", "dienst.catering": "150",
    "dienst.persoonsdagen": "5", "dienst.btw": "241.50", "dienst.overeenkomst": "2022-03-01",
    "dienst.start": "2022-03-10", "aanvraag.datum": "2022-03-15", "aanvraag.reeds_ontvangen": "0",
    "onderneming.overheidsdeelname": "0%",
}
YEAR = {"jaar": "2021", "personeel": "12", "omzet": "1500000", "balanstotaal": "900000"}


def test_the_workbench_in_the_browser(browser, served, tmp_path):
    server, folder = served
    measure_file = folder / f"{KMO}.yaml"
    saved = measure_file.read_text(encoding="utf-8")
    fuse_line = saved.splitlines().index(next(line for line in saved.splitlines() if FUSE in line)) + 1
    cases = len(list((folder / "cases" / KMO).glob("*.yaml")))
    labels = {f["name"]: f for f in httpx.get(f"{server.url}/measures/{KMO}", timeout=30).json()["facts"]}
    dutch = next(f for f in labels["aanvraag"]["fields"] if f["name"] == "datum")["label"]["nl"]

    page = browser.new_page(viewport={"width": 1400, "height": 1200})  # tall enough to show the decision
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.get_by_role("button", name="SME wallet (KMO-portefeuille)").click()
    expect(page.locator("#diagnostics li.ok")).to_have_text("No problems.", timeout=WAIT)
    expect(page.locator("#outcome")).to_have_text("Undetermined", timeout=WAIT)

    # An eligible case, filled in through the form.
    page.fill("#case-on", "2026-11-01")
    for path, value in CHOICES.items():
        page.select_option(f"[data-path='{path}']", value)
    for path, value in TYPED.items():
        page.fill(f"[data-path='{path}']", value)
    for name in ("vastgelegde_grootte", "stortingen_eigen_bijdrage", "betrokken_ondernemingen", "de_minimis_steun"):
        page.click(f"button[data-action='empty'][data-list='{name}']")
    page.click("button[data-action='add'][data-list='boekjaren']")
    for name, value in YEAR.items():
        page.fill(f"[data-path='boekjaren[0].{name}']", value)
    expect(page.locator("#outcome")).to_have_text("Eligible — € 337.50", timeout=WAIT)
    expect(page.frame_locator("#explain-applicant").locator("p.outcome")).to_contain_text("€", timeout=WAIT)
    assert not page.locator("#facts .needed").count()
    _shot(page, tmp_path, "eligible")

    # One fact blanked: undetermined, and the fact named as still needed.
    page.fill("[data-path='aanvraag.datum']", "")
    expect(page.locator("#outcome")).to_have_text("Undetermined", timeout=WAIT)
    expect(page.locator("#still-needed li[data-needed='aanvraag.datum']")).to_have_text(
        "Date of the support application (aanvraag.datum)")
    expect(page.locator(".field.needed[data-for='aanvraag.datum']")).to_be_visible()
    _shot(page, tmp_path, "still-needed")
    page.fill("[data-path='aanvraag.datum']", "2022-03-15")
    expect(page.locator("#outcome")).to_have_text("Eligible — € 337.50", timeout=WAIT)

    # A typo in the YAML: its diagnostic at its line, with the hint; gone when it is fixed.
    _replace(page, FUSE, "expr: aanvraag.datum >= dienst.overenkomst")
    diagnostic = page.locator(f"#diagnostics li.error[data-line='{fuse_line}']")
    expect(diagnostic).to_contain_text(f"line {fuse_line}, column", timeout=WAIT)
    expect(diagnostic).to_contain_text("`dienst` has no field `overenkomst`")
    expect(diagnostic.locator(".hint")).to_have_text("did you mean `overeenkomst`?")
    expect(page.locator(".cm-lintRange-error").first).to_be_visible()
    expect(page.locator("#decided-with")).to_have_text("The edit has errors: decided with the saved version.")
    page.keyboard.press("Escape")  # the completion the typo opened would hide the marked line
    expect(page.locator(".cm-tooltip-autocomplete")).to_have_count(0)
    _shot(page, tmp_path, "diagnostic")
    page.keyboard.press("Control+z")
    expect(page.locator("#diagnostics li.ok")).to_have_text("No problems.", timeout=WAIT)
    expect(page.locator("#diagnostics li.error")).to_have_count(0)

    # Completion offers the measure's rules (with their labels) and the built-in functions.
    _replace(page, FUSE, FUSE + " and hervo")
    page.keyboard.press("Control+Space")
    option = page.locator(".cm-tooltip-autocomplete li", has_text="hervormd")
    expect(option).to_contain_text("Application under the rules from April 2016", timeout=WAIT)
    option.click()  # not Enter: the editor takes a key as a choice only after a short delay (against slips)
    expect(page.locator(".cm-content")).to_contain_text(FUSE + " and hervormd")
    page.keyboard.type(" and round_cen")
    page.keyboard.press("Control+Space")
    expect(page.locator(".cm-tooltip-autocomplete li", has_text="round_cents")).to_be_visible(timeout=WAIT)
    page.keyboard.press("Escape")
    _replace(page, FUSE + " and hervormd and round_cen", FUSE)
    expect(page.locator("#diagnostics li.ok")).to_have_text("No problems.", timeout=WAIT)
    assert measure_file.read_text(encoding="utf-8") == saved

    # The measure's cases: all pass; coverage by source, a rule jumps to its line.
    page.click("#run-cases")
    expect(page.locator("#cases-summary")).to_have_text(f"{cases} passed, 0 failed", timeout=WAIT)
    expect(page.locator("#case-results tr.fail")).to_have_count(0)
    source = page.locator("#coverage details[data-source]").first
    source.locator("summary").click()
    expect(source.locator("a[href^='http']")).to_be_visible()
    expect(source.locator("button[data-rule]").first).to_be_visible()
    _shot(page, tmp_path, "cases", "#cases-section")

    # An unsaved edit: its impact over the cases, then saved to the copy of the measures folder.
    _replace(page, "klein: 30%, middelgroot: 20%", "klein: 40%, middelgroot: 20%")
    expect(page.locator("#impact .impact-summary")).to_contain_text("decisions changed", timeout=WAIT)
    assert not page.locator("#impact .impact-summary").inner_text().startswith("0 ")
    expect(page.locator("#outcome")).to_have_text("Eligible — € 450.00", timeout=WAIT)
    _shot(page, tmp_path, "impact", "#impact-section")
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("Saved.", timeout=WAIT)
    assert "klein: 40%, middelgroot: 20%" in measure_file.read_text(encoding="utf-8")
    expect(page.locator("#impact")).to_contain_text("No unsaved edit", timeout=WAIT)

    # Saving a text with errors: the page asks first; saved, it says the server did not reload it.
    clean = measure_file.read_text(encoding="utf-8")
    _replace(page, FUSE, "expr: aanvraag.datum >= dienst.overenkomst")
    expect(page.locator(f"#diagnostics li.error[data-line='{fuse_line}']")).to_have_count(1, timeout=WAIT)
    with page.expect_event("dialog") as shown:
        page.click("#save")
    assert shown.value.type == "confirm" and shown.value.message.startswith("The measure has 1 error. Save it anyway?")
    shown.value.dismiss()  # the page's save returns as the confirm does: nothing is sent
    assert measure_file.read_text(encoding="utf-8") == clean
    expect(page.locator("#save-state")).to_have_text("Unsaved changes.")
    with page.expect_event("dialog") as shown:
        page.click("#save")
    shown.value.accept()
    expect(page.locator("#save-state")).to_have_text(
        "Saved, but not reloaded: the file has 1 error, so the server keeps answering with the version before it.",
        timeout=WAIT)
    assert "dienst.overenkomst" in measure_file.read_text(encoding="utf-8")
    assert httpx.get(f"{server.url}/measures/{KMO}", timeout=30).json()["status"] == "stale"
    _replace(page, "dienst.overenkomst", "dienst.overeenkomst")
    expect(page.locator("#diagnostics li.ok")).to_have_text("No problems.", timeout=WAIT)
    page.click("#save")  # no errors: no question (an unexpected one would be dismissed, and nothing saved)
    expect(page.locator("#save-state")).to_have_text("Saved.", timeout=WAIT)
    assert measure_file.read_text(encoding="utf-8") == clean

    # In Dutch: the page's words and the measure's labels.
    page.select_option("#lang", "nl")
    assert page.evaluate("document.documentElement.lang") == "nl"
    expect(page.locator(".field[data-for='aanvraag.datum'] > label")).to_have_text(dutch, timeout=WAIT)
    expect(page.locator("#outcome")).to_have_text("Komt in aanmerking — € 450.00", timeout=WAIT)
    expect(page.locator("#run-cases")).to_have_text("Casussen uitvoeren")
    expect(page.locator("#diagnostics li.ok")).to_have_text("Geen problemen.")
    page.locator(".cm-scroller").evaluate("scroller => { scroller.scrollLeft = 0; }")  # the lines' start, not their end
    _shot(page, tmp_path, "dutch")
    assert errors == []


def _replace(page, old: str, new: str) -> None:
    """Select `old` in the editor with its search (Ctrl+F, Enter) and type `new` over it, as an analyst would."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+f")
    search = page.locator(".cm-search input[name='search']")
    search.press_sequentially(old)  # typed: the search panel takes its query on each key
    search.press("Enter")
    page.keyboard.press("Escape")
    expect(page.locator(".cm-search")).to_have_count(0)
    page.keyboard.type(new)


TOKEN = "s3cret-token-of-enough-length"


def test_the_workbench_asks_for_the_token_of_a_guarded_server(browser, tmp_path):
    shutil.copytree(ROOT / "measures", tmp_path / "measures")
    (tmp_path / "token").write_text(TOKEN + "\n", encoding="utf-8")
    server = Server(tmp_path, "--token-file", "token")
    try:
        # Without the token: the page and its scripts load; no JSON endpoint answers.
        assert httpx.get(server.url + "/", timeout=30).status_code == 200
        for refused in (httpx.get(f"{server.url}/workbench/measures", timeout=30),
                        httpx.post(f"{server.url}/workbench/measures/{KMO}/try", json={"case": {"facts": {}}},
                                   timeout=30)):
            assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["type"] == "urn:rulerun:problem:unauthorized"

        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server.url + "/")
        dialog = page.locator("#token-dialog")
        expect(dialog).to_be_visible(timeout=WAIT)
        expect(page.locator("#token-refused")).to_be_hidden()
        page.fill("#token-input", "not-the-token-of-this-server")
        page.click("#token-dialog button[value='ok']")
        expect(page.locator("#token-refused")).to_have_text("The server refused that token; enter it again.",
                                                            timeout=WAIT)
        page.fill("#token-input", TOKEN)
        _shot(page, tmp_path, "token", "#token-dialog")
        page.click("#token-dialog button[value='ok']")
        expect(dialog).to_be_hidden(timeout=WAIT)
        page.get_by_role("button", name="SME wallet (KMO-portefeuille)").click()
        page.select_option("#bundled", "r3-klein-opleiding")
        expect(page.locator("#outcome")).to_have_text("Eligible — € 337.50", timeout=WAIT)
        assert page.evaluate("sessionStorage.getItem('rulerun-workbench-token')") == TOKEN

        # Kept for the tab: a reload asks no more.
        page.reload()
        expect(page.get_by_role("button", name="SME wallet (KMO-portefeuille)")).to_be_visible(timeout=WAIT)
        expect(dialog).to_be_hidden()
        assert errors == []
    finally:
        server.stop()
