"""A field one list item leaves out is named with the item, `aandeelhouders[0].activiteit_sinds`, everywhere."""
from __future__ import annotations

import datetime
from pathlib import Path

import yaml

from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.formats.labels import Labels
from rulerun.interpreter.tools.intake import Intake

ROOT = Path(__file__).resolve().parents[2]
MEASURE = ROOT / "measures/innovatieve-starterssteun.yaml"
CASE = ROOT / "measures/cases/innovatieve-starterssteun/activiteit-sinds-ontbreekt.yaml"


def _facts() -> dict:
    return yaml.safe_load(CASE.read_text(encoding="utf-8"))["facts"]


def test_the_missing_fact_names_the_item_counted_from_zero():
    compiled = load(MEASURE)
    decision = compiled.evaluate(compiled.read_facts(_facts()), datetime.date(2022, 5, 1), trace=True)
    assert decision.eligible == "undetermined" and decision.missing == ("aandeelhouders[0].activiteit_sinds",)


def test_the_second_item_is_named_as_the_second():
    compiled = load(MEASURE)
    facts = _facts()
    first, second = facts["aandeelhouders"]
    second.update(heeft_activiteit=True)
    first.update(activiteit_sinds="2021-01-15")
    decision = compiled.evaluate(compiled.read_facts(facts), datetime.date(2022, 5, 1), trace=False)
    assert decision.missing == ("aandeelhouders[1].activiteit_sinds",)


def test_the_intake_asks_that_item_and_the_reports_label_it():
    compiled = load(MEASURE)
    intake = Intake(compiled, datetime.date(2022, 5, 1), _facts())
    (question,) = intake.questions()
    assert question.path == ("aandeelhouders", 0, "activiteit_sinds") and question.name == "aandeelhouders[0].activiteit_sinds"
    assert question.heading("en") == "Shareholders 1 (Sofie)"
    assert intake.answer(question, "2021-01-15") == []
    assert intake.settled and intake.facts["aandeelhouders"][0]["activiteit_sinds"] == datetime.date(2021, 1, 15)
    labels = Labels(compiled)
    assert labels.of("aandeelhouders[0].activiteit_sinds", "en") == \
        "Shareholders 1: Start of the oldest enterprise number or activity"
    assert labels.of("aandeelhouders[0].activiteit_sinds", "nl").startswith("Aandeelhouders 1: ")


def test_the_text_report_lists_it_by_its_labels(run):
    result = run("explain", str(MEASURE), str(CASE), "--no-trace")
    assert "Missing facts: Shareholders 1: Start of the oldest enterprise number or activity" in " ".join(
        result.output.split())
