"""Eligible with an amount that still needs a fact: every format says so, and the batch summary counts it."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MEASURE = "measures/kmo-portefeuille.yaml"
CASE = "measures/cases/kmo-portefeuille/catering-persoonsdagen-onbekend.yaml"


def test_text_says_the_amount_is_open_and_what_it_needs(run):
    english = run("explain", MEASURE, CASE, "--no-trace")
    assert english.exit_code == 0, english.output
    assert "  Eligible: yes\n  Amount: ? — needs Participants times training days\n" in english.output
    dutch = run("explain", MEASURE, CASE, "--no-trace", "--lang", "nl")
    assert "  Bedrag: ? — hangt af van Aantal deelnemers maal opleidingsdagen\n" in dutch.output


def test_markdown_and_html_say_it_too(run):
    markdown = run("explain", MEASURE, CASE, "--no-trace", "--format", "markdown").output
    assert "| Amount | ? — needs Participants times training days |" in markdown
    html = run("explain", MEASURE, CASE, "--no-trace", "--format", "html").output
    assert "<td>Amount</td><td>? — needs Participants times training days</td>" in html


def test_json_has_the_amount_unknown_with_the_facts_it_needs(run):
    result = run("explain", MEASURE, CASE, "--format", "json", "--no-trace")
    decision = json.loads(result.output)
    assert decision["eligible"] == "yes" and decision["amount"] is None
    assert decision["amount_missing"] == ["dienst.persoonsdagen"] == decision["missing"]


def test_a_known_amount_has_no_amount_missing(run):
    decision = json.loads(run("explain", MEASURE, "measures/cases/kmo-portefeuille/r3-klein-opleiding.yaml",
                              "--format", "json", "--no-trace").output)
    assert decision["amount"] == "337.50" and "amount_missing" not in decision


def test_the_applicants_report_says_the_amount_is_still_open(run):
    report = run("explain", MEASURE, CASE, "--audience", "applicant").output
    assert "You are eligible for SME wallet (KMO-portefeuille). The amount cannot be worked\nout yet" in report
    assert "it depends on Participants times training days." in " ".join(report.split())
    dutch = " ".join(run("explain", MEASURE, CASE, "--audience", "applicant", "--lang", "nl").output.split())
    assert "Het bedrag kan nog niet berekend worden: het hangt af van Aantal deelnemers maal opleidingsdagen." in dutch


def test_the_batch_summary_counts_them_apart_from_the_total(run, tmp_path):
    known = yaml.safe_load((ROOT / "measures/cases/kmo-portefeuille/r3-klein-opleiding.yaml").read_text("utf-8"))
    open_amount = yaml.safe_load((ROOT / CASE).read_text("utf-8"))
    lines = [json.dumps({"id": i, "on": "2026-11-01", "facts": case["facts"]}, default=str)
             for i, case in enumerate([known, open_amount, open_amount])]
    batch = tmp_path / "in.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("batch", MEASURE, str(batch))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("amount_missing") for r in records] == [None, ["dienst.persoonsdagen"], ["dienst.persoonsdagen"]]
    assert result.stderr.startswith("3 case(s): 3 eligible (2 of them with the amount still unknown, not in the "
                                    "total), 0 not eligible, 0 undetermined, 0 error(s); total amount € 337.50")
