"""The tidied analyst trace: the title without doubled brackets, the summary labelled once, wrapping with --width."""
import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "measures" / "cases" / "kmo-portefeuille" / "advies-499-99.yaml"
MARKS = ("✓", "✗", "?", "•")


def _explain(*args: str) -> str:
    result = CliRunner().invoke(main, ["explain", "--measures", str(ROOT / "measures"), "kmo-portefeuille", str(CASE),
                                       *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_title_does_not_double_its_brackets():
    first = _explain().splitlines()[0]
    assert first.startswith("SME wallet (KMO-portefeuille) — kmo-portefeuille, evaluated on 1 November 2026")
    assert ") (" not in first


def test_the_summary_labels_each_group_once():
    summary = _explain("--lang", "nl").split("\nVerklaring\n", 1)[0].splitlines()
    assert summary.count("  Termijnen:") == 1 and summary.count("  Waarden:") == 1
    assert "    Laatste dag om aan te vragen: 24 maart 2022" in summary
    assert not any(line.startswith("  Termijnen: ") for line in summary)


@pytest.mark.parametrize("width", [60, 80, 100])
def test_width_wraps_with_a_hanging_indent_and_keeps_expressions_whole(width):
    wrapped = _explain("--width", str(width)).splitlines()
    plain = _explain().splitlines()
    long_plain = [line for line in plain if len(line) > width and line.lstrip(" ")[:1] in MARKS]
    assert long_plain, "the case has long trace lines to wrap"
    summary = wrapped[:wrapped.index("Explanation")]
    for line in summary + [line for line in wrapped if line.lstrip(" ")[:1] in MARKS]:
        assert len(line) <= width or " " not in line.strip(), line
    expressions = [line for line in plain if "and any(each v in vastgelegde_grootte" in line]
    assert expressions and all(line in wrapped for line in expressions)
    # Every word of the report is still there, in order.
    assert " ".join(" ".join(wrapped).split()) == " ".join(" ".join(plain).split())


def test_a_width_too_small_is_a_usage_error():
    result = CliRunner().invoke(main, ["explain", "--measures", str(ROOT / "measures"), "kmo-portefeuille",
                                       str(CASE), "--width", "5"])
    assert result.exit_code == 64
    assert "--width" in result.output


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_tidied_trace_snapshot(lang, snapshot):
    assert _explain("--lang", lang, "--width", "80") == snapshot


KOSTEN = """\
measure: kosten
title: {nl: Kosten, en: Costs}
summary: {nl: Telt kosten., en: Counts costs.}
authority: VLAIO
sources:
  W01: {title: Voorwaarden, url: "https://www.vlaio.be/nl/voorbeeld"}
facts:
  kosten:
    type: list
    label: {nl: Kosten, en: Costs}
    question: {nl: "Welke kosten?", en: "Which costs?"}
    fields:
      omschrijving: {type: text, optional: true, label: {nl: Omschrijving, en: Description}}
      bedrag: {type: money, label: {nl: Bedrag, en: Amount}}
  betalingen:
    type: list
    label: {nl: Betalingen, en: Payments}
    question: {nl: "Wanneer betaald?", en: "When paid?"}
    items: {type: date, label: {nl: Datum, en: Date}}
parameters:
  minimum:
    label: {nl: Kleinste kost, en: Smallest cost}
    source: W01
    value: € 100
  uiterlijk:
    label: {nl: Uiterlijk, en: At the latest}
    source: W01
    value: 2024-03-01
rules:
  totaal:
    label: {nl: Aanvaarde kosten, en: Accepted costs}
    source: W01
    expr: |
      sum(k.bedrag for each k in kosten
          where k.bedrag >= minimum)
  op_tijd:
    label: {nl: Alles op tijd betaald, en: Everything paid on time}
    source: W01
    expr: all(d <= uiterlijk for each d in betalingen)
  genoeg:
    label: {nl: Er zijn aanvaarde kosten, en: There are accepted costs}
    source: W01
    expr: totaal > € 0
decision:
  eligible: [genoeg]
  amount: totaal
  values:
    betaald: {label: {nl: Op tijd betaald, en: Paid on time}, expr: op_tijd}
"""
KOSTEN_CASE = """\
on: 2024-06-01
facts:
  kosten:
  - {omschrijving: Advies, bedrag: 500}
  - {omschrijving: Koffie, bedrag: 20}
  - {bedrag: 300}
  betalingen: [2024-02-01, 2024-04-01, 2024-05-01]
"""


@pytest.fixture
def kosten(write):
    write("kosten.yaml", KOSTEN)
    write("case.yaml", KOSTEN_CASE)

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["explain", "kosten.yaml", "case.yaml", *args])
        assert result.exit_code == 0, result.output
        return result.output
    return run


def test_an_aggregate_shows_which_items_counted_and_why(kosten):
    text = kosten("--width", "200")
    assert "sum over kosten (k), line 34: 2 of 3 counted" in text
    assert "  ✓ Advies: bedrag = €500.00 → €500.00" in text
    assert "  ✗ Koffie: bedrag = €20.00 (not selected)" in text
    assert "  ✓ #3: bedrag = €300.00 → €300.00" in text  # no identifying field: its place in the list
    # The parameter the filter reads for every item is listed once.
    assert text.count("minimum = €100.00") == 1
    # `all` stops at the first payment that is late: the rest is not needed.
    assert "all over betalingen (d), line 39: 1 of 3 counted" in text
    assert "  ✓ #1: d = 1 February 2024 → yes" in text and "  ✗ #2: d = 1 April 2024 → no" in text
    assert "  … 1 more not needed" in text


def test_an_aggregate_in_dutch_markdown_html_and_json(kosten):
    text = kosten("--lang", "nl", "--width", "200")
    assert "sum over kosten (k), regel 34: 2 van 3 geteld" in text
    assert "✗ Koffie: bedrag = € 20,00 (niet geselecteerd)" in text and "nog 1 niet nodig" in text
    markdown = kosten("--format", "markdown")
    assert "  - sum over kosten (k), line 34: 2 of 3 counted" in markdown
    assert "    - ✗ Koffie: bedrag = €20.00 (not selected)" in markdown
    page = kosten("--format", "html")
    assert "<li class='yes'>✓ Advies: bedrag = €500.00 → €500.00</li>" in page
    assert "<li class='no'>✗ Koffie: bedrag = €20.00 (not selected)</li>" in page
    data = json.loads(kosten("--format", "json"))
    nodes, pending = [], list(data["trace"])
    while pending:
        nodes.append(pending.pop())
        pending += nodes[-1].get("children", [])
    node = next(n for n in nodes if n["id"] == "totaal" and "aggregates" in n)
    assert [p["name"] for p in node["parameters"]] == ["minimum"]
    (summed,) = node["aggregates"]
    assert (summed["function"], summed["over"], summed["variable"], summed["not_needed"]) == ("sum", "kosten", "k", 0)
    assert [(i["name"], i["counted"], i["value"], i["fields"]) for i in summed["items"]] == [
        ("Advies", True, "500.00", {"bedrag": "500.00"}), ("Koffie", False, None, {"bedrag": "20.00"}),
        (None, True, "300.00", {"bedrag": "300.00"})]
    (paid,) = [a for n in nodes for a in n.get("aggregates", []) if a["function"] == "all"]
    assert [(i["counted"], i["fields"]) for i in paid["items"]] == [(True, {"d": "2024-02-01"}),
                                                                    (False, {"d": "2024-04-01"})]
    assert paid["not_needed"] == 1


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_aggregate_trace_snapshot(kosten, fmt, snapshot):
    assert kosten("--format", fmt, "--width", "80") == snapshot


def test_markdown_and_html_label_each_summary_group_once():
    markdown = _explain("--lang", "nl", "--format", "markdown")
    table = markdown.split("\n## ", 1)[0]
    assert table.count("| **Termijnen** | |") == 1 and table.count("| **Waarden** | |") == 1
    assert "| Laatste dag om aan te vragen | 24 maart 2022 |" in table and "Termijnen:" not in table
    page = _explain("--lang", "nl", "--format", "html")
    summary = page.split("<table>", 1)[1].split("</table>", 1)[0]
    assert summary.count("<th colspan='2' scope='rowgroup'>Termijnen</th>") == 1
    assert "<tr class='in-group'><td>Laatste dag om aan te vragen</td><td>24 maart 2022</td></tr>" in summary
    assert "Termijnen:" not in summary


def test_markdown_and_html_show_a_multi_line_expression_whole(kosten):
    markdown = kosten("--format", "markdown")
    assert ("      - ```\n        sum(k.bedrag for each k in kosten\n            where k.bedrag >= minimum)\n"
            "        ```\n") in markdown
    page = kosten("--format", "html")
    assert "<pre>sum(k.bedrag for each k in kosten\n    where k.bedrag &gt;= minimum)</pre>" in page


def test_no_format_doubles_the_brackets_of_the_title():
    from rulerun.interpreter.engine.evaluator import load
    from rulerun.interpreter.formats import render
    compiled = load(ROOT / "measures" / "kmo-portefeuille.yaml")
    decision = compiled.evaluate(compiled.read_facts({}), datetime.date(2026, 11, 1), trace=True)
    title = compiled.measure.title.get("en")
    for text in (render.to_text(decision, title), render.to_markdown(decision, title), render.to_html(decision, title),
                 _explain("--format", "markdown"), _explain("--format", "html")):
        assert "SME wallet (KMO-portefeuille) — kmo-portefeuille" in text and ") (" not in text.split("\n")[0]
