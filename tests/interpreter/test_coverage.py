"""`rulerun test --coverage`: what a measure's cases exercise, and the gaps, per source section."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main
from rulerun.interpreter.tools.coverage import Tracker
from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.tools.testing import run_measure

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ["innovatieve-starterssteun", "kmo-portefeuille", "rentetoelage-hinder-openbare-werken"]

SMALL = """\
measure: klein
title: {nl: Klein, en: Small}
summary: {nl: Proef., en: Trial.}
authority: VLAIO
sources:
  W01: {title: Bron een, url: "https://www.vlaio.be/nl/een"}
  W02: {title: Bron twee, url: "https://www.vlaio.be/nl/twee"}
reference_date: datum
window: {from: 2016-01-01}
facts:
  datum: {type: date, label: {nl: Datum, en: Date}, question: {nl: "Datum?", en: "Date?"}}
  soort: {type: enum, values: [opleiding, advies], label: {nl: Soort, en: Kind}, question: {nl: "Soort?", en: "Kind?"}}
  kost: {type: money, label: {nl: Kost, en: Cost}, question: {nl: "Kost?", en: "Cost?"}}
parameters:
  tarief:
    label: {nl: Tarief, en: Rate}
    source: {ref: W01, section: Tarief}
    versions:
      - {from: 2016-01-01, value: 40%}
      - {from: 2020-01-01, value: 30%}
  minimum:
    label: {nl: Minimum, en: Minimum}
    source: {ref: W02}
    value: € 500
rules:
  genoeg:
    label: {nl: "Minimaal € 500 voor advies", en: "At least EUR 500 for advice"}
    source: {ref: W02, section: Advies}
    table:
      - {label: opleiding, when: 'soort = "opleiding"', then: 'true'}
      - {otherwise: kost >= minimum}
decision:
  eligible: [genoeg]
  amount: kost * tarief
"""
CASE = "name: {name}\non: 2024-01-01\nfacts: {{datum: {datum}, soort: {soort}, kost: {kost}}}\nexpect: {{eligible: {eligible}}}\n"


@pytest.fixture
def small(tmp_path):
    (tmp_path / "klein.yaml").write_text(SMALL)
    cases = tmp_path / "cases" / "klein"
    cases.mkdir(parents=True)
    # Two cases, both on advice in 2021 and both eligible: the training row, the false outcome
    # and the 2016 rate are never exercised.
    for i, kost in enumerate((600, 900)):
        (cases / f"c{i}.yaml").write_text(CASE.format(name=f"advies {kost}", datum="2021-05-01", soort="advies",
                                                      kost=kost, eligible="yes"))
    return tmp_path / "klein.yaml"


def test_coverage_of_a_small_measure_lists_exactly_its_gaps(small):
    result = CliRunner().invoke(main, ["test", str(small), "--coverage", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["passed"] == 2 and data["failed"] == 0
    (report,) = data["coverage"]
    assert report["measure"] == "klein" and report["cases"] == 2
    assert report["totals"] == {"rules": {"covered": 1, "total": 1}, "conditions": {"covered": 0, "total": 1},
                                "rows": {"covered": 1, "total": 2}, "versions": {"covered": 2, "total": 3},
                                "sources": {"covered": 2, "total": 2}}
    assert [(g["source"], g["key"]) for g in report["gaps"]] == [
        ("W01 Tarief", "`tarief` from 2016-01-01 never used"),
        ("W02 Advies", "`genoeg` never false"),
        ("W02 Advies", "`genoeg` row `1 (opleiding)` never matched"),
    ]
    messages = [g["message"] for g in report["gaps"]]
    assert "no case exercises the condition 'At least EUR 500 for advice' (genoeg) with a false outcome" in messages


def test_coverage_text_groups_gaps_by_source_section_and_closes_them(small):
    text = CliRunner().invoke(main, ["test", str(small), "--coverage", "--lang", "nl"]).output
    assert "klein: coverage over 2 case(s)" in text
    assert "    0/1   conditions seen true and false" in text
    assert ("    W02 Advies:\n      - no case exercises the condition 'Minimaal € 500 voor advies' (genoeg) "
            "with a false outcome\n      - no case matches row 1 (opleiding)") in text
    cases = small.parent / "cases" / "klein"
    (cases / "c2.yaml").write_text(CASE.format(name="opleiding 2019", datum="2019-05-01", soort="opleiding",
                                               kost=100, eligible="yes"))
    (cases / "c3.yaml").write_text(CASE.format(name="te klein advies", datum="2021-05-01", soort="advies",
                                               kost=499, eligible="no"))
    text = CliRunner().invoke(main, ["test", str(small), "--coverage"]).output
    assert "every item is exercised" in text and "4 passed, 0 failed" in text


def test_a_failing_case_still_counts_for_coverage_and_fails_the_run(small):
    cases = small.parent / "cases" / "klein"
    (cases / "c3.yaml").write_text(CASE.format(name="te klein advies", datum="2021-05-01", soort="advies",
                                               kost=499, eligible="yes"))
    result = CliRunner().invoke(main, ["test", str(small), "--coverage", "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["failed"] == 1 and data["failures"][0]["differences"] == [
        {"key": "eligible", "line": 4, "column": 10, "expected": "yes", "actual": "no"}]
    assert "`genoeg` never false" not in [g["key"] for g in data["coverage"][0]["gaps"]]


def _documented_gaps(measure_id: str) -> set[str]:
    page = (ROOT / "docs" / "measures" / f"{measure_id}.md").read_text(encoding="utf-8")
    section = page.split("## Coverage gaps", 1)[1].split("\n## ", 1)[0]
    return {m.group(1).strip() for m in re.finditer(r"^- (.+?) — ", section, re.M)}


@pytest.mark.parametrize("measure_id", BUNDLED)
def test_every_gap_of_a_bundled_measure_is_documented_with_its_reason(measure_id):
    path = ROOT / "measures" / f"{measure_id}.yaml"
    compiled = load(path)
    tracker = Tracker(compiled)
    for outcome in run_measure(path, compiled=compiled):
        assert outcome.passed
        tracker.add(outcome.decision)
    gaps = {g.key for g in tracker.report().gaps}
    assert gaps == _documented_gaps(measure_id), "docs/measures/<id>.md 'Coverage gaps' must list exactly the gaps"


def test_the_runner_prints_a_readable_difference_and_filters_by_name(small):
    cases = small.parent / "cases" / "klein"
    (cases / "c3.yaml").write_text(CASE.format(name="te klein advies", datum="2021-05-01", soort="advies",
                                               kost=499, eligible="yes"))
    result = CliRunner().invoke(main, ["test", str(small)])
    assert result.exit_code == 1
    # On standard output with the summary; at the line and column of `expect` and of its entry; values localised.
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        f"{cases / 'c3.yaml'}:4:1: case 'te klein advies' failed",
        f"  {cases / 'c3.yaml'}:4:10: eligible: expected yes, got no",
        f"  trace: eligible = no  [{small}] genoeg",
        f"  trace: genoeg = no  [{small}:26] when soort = \"opleiding\" then true  (kost=€499.00, soort=advies)",
        "2 passed, 1 failed",
    ]
    only = CliRunner().invoke(main, ["test", str(small), "-k", "advies 6"])
    assert only.exit_code == 0 and only.output.strip() == "1 passed, 0 failed"
