"""Every format lists the sources a decision used, with title, section and URL, and links each citation."""
import json
import re
from pathlib import Path

from click.testing import CliRunner

from rulerun.interpreter.cli import main

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "measures" / "cases" / "kmo-portefeuille" / "advies-499-99.yaml"

SHARED = """definitions: gedeeld
title: {nl: Gedeeld, en: Shared}
sources:
  W01: {title: Gedeelde bron, url: "https://www.vlaio.be/nl/gedeeld"}
facts:
  kost:
    type: money
    label: {nl: Kost, en: Cost}
    question: {nl: Wat kost het, en: What does it cost}
rules:
  duur:
    label: {nl: Duur project, en: Costly project}
    source: {ref: W01, section: Art. 2}
    expr: kost >= € 500
"""

MAIN = """measure: proef
title: {nl: Proef, en: Trial}
summary: {nl: Een proef., en: A trial.}
authority: VLAIO
uses:
  g: gedeeld.yaml
sources:
  W01: {title: Eigen bron, url: "https://www.vlaio.be/nl/eigen?a=1&b=2"}
rules:
  groot_genoeg:
    label: {nl: Groot genoeg, en: Large enough}
    source: {ref: W01, section: Art. 1}
    expr: g.duur
decision:
  eligible: [groot_genoeg]
"""


def _explain(*args: str) -> str:
    result = CliRunner().invoke(main, ["explain", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _two_files(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "gedeeld.yaml").write_text(SHARED, encoding="utf-8")
    (tmp_path / "proef.yaml").write_text(MAIN, encoding="utf-8")
    (tmp_path / "case.yaml").write_text("on: 2024-01-01\nfacts:\n  kost: 400\n", encoding="utf-8")
    return str(tmp_path / "proef.yaml"), str(tmp_path / "case.yaml")


def test_json_has_a_sources_map_with_every_cited_source():
    data = json.loads(_explain("kmo-portefeuille", str(CASE), "--format", "json"))
    sources = data["sources"]
    assert sources["W72"]["title"].startswith("Verordening (EU) 651/2014")
    assert sources["W72"]["url"] == "https://legislation.gov.uk/eur/2014/651/annexes/2017-07-10/data.html"
    assert "Annex I, Art. 2" in sources["W72"]["sections"]
    cited = set()
    pending = list(data["trace"])
    while pending:
        node = pending.pop()
        pending += node.get("children", [])
        if node.get("source"):
            cited.add(node["source"].split(" ", 1)[0])
    assert cited and cited <= set(sources)


def test_text_lists_title_section_and_url():
    out = _explain("kmo-portefeuille", str(CASE), "--lang", "nl")
    listing = out.split("\nBronnen\n", 1)[1]
    assert "  W72: Verordening (EU) 651/2014 (AGVV), bijlage I (identieke kmo-definitie) — Annex I, Art. 2\n" in listing
    assert "    https://legislation.gov.uk/eur/2014/651/annexes/2017-07-10/data.html\n" in listing


def test_markdown_and_html_link_each_citation():
    markdown = _explain("kmo-portefeuille", str(CASE), "--format", "markdown")
    assert "[W72 Annex I, Art. 2](<https://legislation.gov.uk/eur/2014/651/annexes/2017-07-10/data.html>)" in markdown
    assert "## Sources" in markdown
    page = _explain("kmo-portefeuille", str(CASE), "--format", "html")
    assert ("<a href='https://legislation.gov.uk/eur/2014/651/annexes/2017-07-10/data.html'>W72 Annex I, Art. 2</a>"
            in page)
    trace_links = re.findall(r"<span class='where'><a href", page)
    assert len(trace_links) > 10


def test_a_ref_used_by_two_files_for_two_documents_is_told_apart(tmp_path):
    measure, case = _two_files(tmp_path)
    sources = json.loads(_explain(measure, case, "--format", "json"))["sources"]
    assert sources == {
        "W01": {"title": "Eigen bron", "url": "https://www.vlaio.be/nl/eigen?a=1&b=2", "note": None,
                "sections": ["Art. 1"]},
        "g.W01": {"title": "Gedeelde bron", "url": "https://www.vlaio.be/nl/gedeeld", "note": None,
                  "sections": ["Art. 2"]},
    }
    page = _explain(measure, case, "--format", "html")
    assert "<a href='https://www.vlaio.be/nl/eigen?a=1&amp;b=2'>W01 Art. 1</a>" in page
    assert "<a href='https://www.vlaio.be/nl/gedeeld'>g.W01 Art. 2</a>" in page


def test_without_a_trace_no_sources_are_claimed():
    data = json.loads(_explain("kmo-portefeuille", str(CASE), "--format", "json", "--no-trace"))
    assert data["sources"] == {}
