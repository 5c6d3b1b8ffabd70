"""The HTML reports in a real browser: the system Chromium, headless, driven by Playwright, reading the rendered page."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from rulerun.interpreter.cli import main

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "measures" / "cases" / "kmo-portefeuille"


def _page(tmp_path: Path, name: str, case: str, *args: str) -> Path:
    result = CliRunner().invoke(main, ["explain", "--measures", str(ROOT / "measures"), "kmo-portefeuille",
                                       str(CASES / f"{case}.yaml"), "--format", "html", *args])
    assert result.exit_code == 0, result.output
    path = tmp_path / f"{name}.html"
    path.write_text(result.output, encoding="utf-8")
    return path


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 900, "height": 1200})
    page.goto(path.as_uri())
    return page


def test_applicant_report_in_the_browser(browser, tmp_path):
    page = _open(browser, _page(tmp_path, "eligible-nl", "r3-klein-opleiding", "--audience", "applicant",
                                "--lang", "nl"))
    outcome = page.locator("main p.outcome")
    assert outcome.is_visible()
    assert outcome.inner_text().startswith("U komt in aanmerking voor KMO-portefeuille. De steun bedraagt € ")
    todo = page.locator("section", has=page.locator("h2", has_text="Wat moet u doen, en tegen wanneer"))
    assert todo.is_visible() and "2022" in todo.inner_text()
    links = page.locator("footer a[href^='http']")
    assert links.count() > 0 and links.first.is_visible()
    assert page.evaluate("document.documentElement.lang") == "nl"
    page.screenshot(path=str(tmp_path / "eligible-nl.png"), full_page=True)
    assert (tmp_path / "eligible-nl.png").stat().st_size > 0
    pdf = page.pdf(format="A4")  # the print stylesheet, as it prints
    assert pdf.startswith(b"%PDF")


def test_not_eligible_report_shows_why_and_the_boundary(browser, tmp_path):
    page = _open(browser, _page(tmp_path, "late-en", "aanvraag-dag-15", "--audience", "applicant"))
    assert page.locator("p.outcome").inner_text() == "You are not eligible for SME wallet (KMO-portefeuille)."
    why = page.locator("section", has=page.locator("h2", has_text="Why not"))
    assert why.is_visible()
    assert "To meet it: Date of the support application on or before 24 March 2022." in why.inner_text()
    deadlines = page.locator("section", has=page.locator("h2", has_text="What to do by when")).inner_text()
    assert deadlines.index("1 March 2022") < deadlines.index("24 March 2022") < deadlines.index("24 April 2022")
    page.screenshot(path=str(tmp_path / "late-en.png"), full_page=True)
    assert (tmp_path / "late-en.png").stat().st_size > 0


def test_analyst_report_links_each_citation(browser, tmp_path):
    page = _open(browser, _page(tmp_path, "analyst-en", "advies-499-99"))
    assert page.locator("h1").inner_text().startswith("SME wallet (KMO-portefeuille) — kmo-portefeuille")
    assert page.get_by_text("€349.99").first.is_visible()
    cited = page.locator("span.where a[href^='http']")
    assert cited.count() > 10 and cited.first.is_visible()
    page.screenshot(path=str(tmp_path / "analyst-en.png"), full_page=True)
    assert (tmp_path / "analyst-en.png").stat().st_size > 0


def test_analyst_report_shows_the_items_of_an_aggregate_and_grouped_summary(browser, tmp_path):
    page = _open(browser, _page(tmp_path, "partner-en", "partner-maakt-middelgroot"))
    group = page.locator("th[scope='rowgroup']", has_text="Deadlines")
    assert group.count() == 1 and group.is_visible()
    counted = page.locator("div.items li.yes", has_text="Partner nv: personeel = 70")
    assert counted.count() > 0 and counted.first.is_visible()
    left_out = page.locator("div.items li.no", has_text="(not selected)")
    assert left_out.count() > 0 and left_out.first.is_visible()
    page.screenshot(path=str(tmp_path / "partner-en.png"), full_page=True)
    assert (tmp_path / "partner-en.png").stat().st_size > 0
