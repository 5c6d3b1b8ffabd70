"""The applicant's report (`explain --audience applicant`): pinned in nl and en, text, Markdown and HTML."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

ROOT = Path(__file__).resolve().parents[2]
CASES = {
    "kmo-portefeuille": ["r3-klein-opleiding", "aanvraag-dag-15", "onbepaald-ontbrekende-gegevens"],
    "innovatieve-starterssteun": ["basis-geschikt", "inspanning-te-klein", "vte-4", "onbepaald-criteria-ontbreken"],
    "rentetoelage-hinder-openbare-werken": ["overbrugging-basis", "werken-korter-dan-een-maand", "onbepaald"],
}
PINNED = [(m, c, lang, fmt) for m, cases in CASES.items() for c in cases for lang in ("nl", "en")
          for fmt in ("text", "markdown", "html")]


def _applicant(measure: str, case: str, *args: str) -> str:
    path = ROOT / "measures" / "cases" / measure / f"{case}.yaml"
    result = CliRunner().invoke(main, ["explain", "--measures", str(ROOT / "measures"), measure, str(path),
                                       "--audience", "applicant", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("measure, case, lang, fmt", PINNED,
                         ids=[f"{m}/{c}-{lang}-{fmt}" for m, c, lang, fmt in PINNED])
def test_applicant_report(measure, case, lang, fmt, snapshot):
    assert _applicant(measure, case, "--lang", lang, "--format", fmt) == snapshot


ENGINE_WORDS = re.compile(r"\b(true|false|trace|expr|undetermined|onbepaald|unknown)\b|[a-z]+_[a-z_]+|\.yaml|=|>|<")


@pytest.mark.parametrize("measure, case", [(m, c) for m, cases in CASES.items() for c in cases])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_identifiers_expressions_paths_or_engine_words(measure, case, lang):
    text = _applicant(measure, case, "--lang", lang)
    body = text.split("\nBronnen\n" if lang == "nl" else "\nSources\n", 1)[0]
    body = "\n".join(line for line in body.splitlines() if set(line) not in ({"="}, {"-"}))  # heading underlines
    assert not ENGINE_WORDS.search(body), ENGINE_WORDS.search(body)


def test_text_fits_in_80_columns():
    for measure, cases in CASES.items():
        for case in cases:
            text = _applicant(measure, case, "--lang", "nl")
            assert max(len(line) for line in text.splitlines() if not line.startswith("  http")) <= 80


def test_not_eligible_says_which_condition_failed_with_its_values():
    text = _applicant("kmo-portefeuille", "aanvraag-dag-15", "--lang", "en")
    assert text.splitlines()[3].startswith("You are not eligible for SME wallet (KMO-portefeuille).")
    why = text.split("\nWhy not\n", 1)[1].split("\n\n", 1)[0]
    assert why.startswith("-------\n- Applied between the agreement and 14 days after the start: not met.")
    assert "Date of the support application: 25 March 2022" in " ".join(why.split())
    assert "Last day to apply: 24 March 2022" in " ".join(why.split())


def test_eligible_gives_the_amount_and_deadlines_in_date_order():
    text = _applicant("kmo-portefeuille", "r3-klein-opleiding", "--lang", "nl")
    assert "U komt in aanmerking voor KMO-portefeuille. De steun bedraagt € " in text.replace("\n", " ")
    todo = text.split("\nWat moet u doen, en tegen wanneer\n", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    assert len(todo) >= 2
    assert "Eigen bijdrage in de portefeuille: € " in text


def test_undetermined_asks_the_open_questions():
    text = _applicant("kmo-portefeuille", "onbepaald-ontbrekende-gegevens", "--lang", "en")
    questions = text.split("\nStill to answer\n", 1)[1].split("\n\n", 1)[0]
    assert "Is the enterprise compliant with Flemish regulations" in questions


class _Page(HTMLParser):
    """The tags, landmarks and links of a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a":
            self.links.append(attrs.get("href"))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_html_is_accessible_and_prints_on_a4(lang):
    page = _applicant("kmo-portefeuille", "aanvraag-dag-15", "--lang", lang, "--format", "html")
    parsed = _Page()
    parsed.feed(page)
    assert parsed.lang == lang
    for landmark in ("header", "main", "footer", "h1", "h2"):
        assert landmark in parsed.tags
    assert parsed.tags.count("h1") == 1
    assert parsed.links and all(link.startswith("http") for link in parsed.links)
    assert "@page{size:A4" in page and "@media print" in page

