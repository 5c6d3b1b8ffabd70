"""`rulerun ask` and the intake API: fewer questions than facts, re-asking, early stops, saved cases."""
from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
import yaml

from rulerun.interpreter.formats.cases import read_case
from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.tools.intake import Intake, next_questions

ROOT = Path(__file__).resolve().parents[2]

#: One eligible case per bundled measure, answered by an oracle that reads the case's facts.
FULL_CASES = {
    "kmo-portefeuille": "advies-500.yaml",
    "innovatieve-starterssteun": "basis-geschikt.yaml",
    "rentetoelage-hinder-openbare-werken": "overbrugging-basis.yaml",
}
#: An application date outside each measure's window: the first answer settles "not eligible".
OUTSIDE_WINDOW = {
    "kmo-portefeuille": "2008-12-31",
    "innovatieve-starterssteun": "2022-04-29",
    "rentetoelage-hinder-openbare-werken": "2022-08-01",
}


def _measure(measure_id: str):
    return load(ROOT / "measures" / f"{measure_id}.yaml")


def _case(measure_id: str, file: str):
    return read_case(ROOT / "measures" / "cases" / measure_id / file)


def _leaf_facts(facts) -> int:
    return sum(_leaf_facts(f.fields) if f.type.kind == "record" else 1 for f in facts.values())


def _text(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _lines_for(question, value) -> list[str]:
    """What a person types to give `value` for `question`, prompt by prompt."""
    if question.kind != "list":
        return [_text(value)]
    lines = []
    for item in value:
        lines.append("yes")
        if question.fact.item is not None:
            lines.append(_text(item))
            continue
        for name, field in question.fact.fields.items():
            lines.append(_text(item[name]) if item.get(name) is not None else "")
    return lines + ["no"]


def _oracle_script(compiled, facts: dict, on: datetime.date) -> tuple[list[str], int]:
    """The answers the intake will ask for, looked up in a complete case; and how many questions."""
    intake = Intake(compiled, on)
    lines: list[str] = []
    while (question := intake.next_question()) is not None:
        value = facts
        for key in question.path:
            value = value[key]
        lines += _lines_for(question, value)
        assert intake.answer(question, value) == []
    return lines, intake.asked


@pytest.mark.parametrize("measure_id", sorted(FULL_CASES))
def test_intake_reaches_the_case_decision_with_fewer_questions(run, measure_id, tmp_path):
    compiled = _measure(measure_id)
    case = _case(measure_id, FULL_CASES[measure_id])
    lines, asked = _oracle_script(compiled, case.facts, case.on)
    assert asked < _leaf_facts(compiled.checked.facts), "the intake asked about every fact"
    saved = tmp_path / "saved.yaml"
    result = run("ask", measure_id, "--on", case.on.isoformat(), "--save", str(saved), input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert f"Settled after {asked} answer(s)." in result.output
    assert result.output.count("\n[") == asked  # one heading per question, none repeated
    assert "Eligible: yes" in result.output

    expected = json.loads(run("explain", measure_id, str(case.path), "--format", "json", "--no-trace").output)
    again = json.loads(run("explain", measure_id, str(saved), "--format", "json", "--no-trace").output)
    assert again["eligible"] == expected["eligible"] == "yes"
    assert again["amount"] == expected["amount"]
    assert again["missing"] == []
    # The saved case re-evaluates to the decision the intake printed, summary line for line.
    summary = run("explain", measure_id, str(saved), "--no-trace").output
    printed = result.output.split("answer(s).\n\n", 1)[1].split("\nExplanation\n", 1)[0]
    assert printed.strip() == summary.strip()


@pytest.mark.parametrize("measure_id", sorted(OUTSIDE_WINDOW))
def test_a_wrong_answer_is_asked_again_and_an_early_not_eligible_stops(run, measure_id, tmp_path):
    saved = tmp_path / "out.yaml"
    # A wrong first answer is refused with the case-file message and asked again.
    result = run("ask", measure_id, "--save", str(saved), input="31-12-2022\n" + OUTSIDE_WINDOW[measure_id] + "\n")
    assert result.exit_code == 0, result.output
    assert "✗ fact `" + ".".join(_reference_path(measure_id)) + "`: `31-12-2022` is not a calendar date" in result.output
    assert result.output.count("(a date, YYYY-MM-DD; ? if you do not know) >") == 2
    assert "Settled after 1 answer(s)." in result.output and "Eligible: no" in result.output
    assert "Failed conditions: Application window" in result.output
    data = yaml.safe_load(saved.read_text())
    assert list(data["facts"]) == [next(iter(_reference_path(measure_id)))]
    again = run("explain", measure_id, str(saved), "--no-trace")
    assert "Eligible: no" in again.output and "Failed conditions: Application window" in again.output


def _reference_path(measure_id: str) -> tuple:
    return _measure(measure_id).measure.reference_date.path


def test_a_failed_condition_stops_the_questioning_early(run):
    # A non-profit (vzw) never gets the SME wallet: the second answer settles it.
    result = run("ask", "kmo-portefeuille", input="2024-05-01\n10\n")
    assert result.exit_code == 0, result.output
    assert "Settled after 2 answer(s)." in result.output
    assert "Failed conditions: Legal form is eligible (not a non-profit)" in result.output
    assert "[3]" not in result.output


@pytest.mark.parametrize("bad, message", [
    ("2022-13-01", "`2022-13-01` is not a calendar date"),
    ("15/03/2022", "`15/03/2022` is not a calendar date"),
    ("", "an answer is needed"),
])
def test_a_wrong_answer_is_asked_again_with_the_case_file_message(run, bad, message):
    result = run("ask", "kmo-portefeuille", input=f"{bad}\n2008-12-31\n")
    assert result.exit_code == 0, result.output
    assert message in result.output
    assert result.output.count("(a date, YYYY-MM-DD; ? if you do not know) >") == 2
    assert "Settled after 1 answer(s)." in result.output


def test_wrong_answers_of_each_kind(run):
    answers = ["2022-03-15",      # aanvraag.datum
               "vzx", "4",        # rechtsvorm: unknown value (with a suggestion), then by number
               "maybe", "ja",     # a yes/no question takes Dutch and English words
               "yes", "yes", "yes",
               "2", "1", "yes",
               "DV.A225338", "yes", "no",
               "12,50", "-5", "500",  # money: a decimal comma, a negative amount, then right
               ]
    result = run("ask", "kmo-portefeuille", input="\n".join(answers) + "\n")
    assert "`vzx` is not one of eenmanszaak" in result.output
    assert "must be yes or no (true/false), not `maybe`" in result.output
    assert "`12,50` uses a decimal comma" in result.output
    assert "€ -5 is below the minimum € 0" in result.output
    assert result.exit_code == 1  # the input ended before the decision was settled
    assert "end of input: the intake stopped after 13 answer(s)" in result.output


def test_end_of_input_saves_the_answers_so_far(run, tmp_path):
    saved = tmp_path / "partial.yaml"
    result = run("ask", "kmo-portefeuille", "--save", str(saved), input="2024-05-01\nbv\n")
    assert result.exit_code == 1
    assert "end of input: the intake stopped after 2 answer(s)" in result.output
    facts = yaml.safe_load(saved.read_text())["facts"]
    assert facts == {"aanvraag": {"datum": datetime.date(2024, 5, 1)}, "onderneming_info": {"rechtsvorm": "bv"}}
    # Starting again from the saved case asks only what is still missing.
    resumed = run("ask", "kmo-portefeuille", str(saved), input="")
    assert "[1] Establishment in the Flemish Region" in resumed.output


def test_unknown_answers_are_not_asked_again(run):
    # `?` for the date: the window cannot be decided, but the other facts are still asked.
    result = run("ask", "kmo-portefeuille", input="?\n10\n")
    assert result.exit_code == 0, result.output
    assert "Failed conditions: Legal form is eligible (not a non-profit)" in result.output
    result = run("ask", "innovatieve-starterssteun", input="?\n" * 200)
    assert result.exit_code == 0, result.output
    assert "The decision stays undetermined without: " in result.output
    assert "Eligible: undetermined" in result.output


def test_a_list_is_entered_item_by_item_and_optional_fields_may_be_left_out(run, tmp_path):
    case = _case("innovatieve-starterssteun", "basis-geschikt.yaml")
    compiled = _measure("innovatieve-starterssteun")
    facts = dict(case.facts)
    facts.pop("aandeelhouders")
    start = tmp_path / "start.yaml"
    start.write_text(yaml.safe_dump({"on": case.on, "facts": _plain(facts)}))
    assert [q.name for q in next_questions(compiled, _plain(facts), case.on)] == ["aandeelhouders"]
    # Two shareholders of one group, one with an activity but no start date given; a bare `50` is asked again.
    answers = ["yes", "Sofie", "fam", "50", "50%", "yes", "", "yes", "Jan", "fam", "50%", "no", "", "no",
               "2021-01-15"]
    saved = tmp_path / "saved.yaml"
    result = run("ask", "innovatieve-starterssteun", str(start), "--save", str(saved), input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "✗ fact `aandeelhouders[0].aandeel`: `50` is not a percentage" in result.output
    # The optional date left out matters (the group holds 100 %): it is asked for that one shareholder.
    assert "[2] Shareholders 1 (Sofie): Start of the oldest enterprise number or activity" in result.output
    assert "Settled after 2 answer(s)." in result.output
    shareholders = yaml.safe_load(saved.read_text())["facts"]["aandeelhouders"]
    assert shareholders[0] == {"naam": "Sofie", "groep": "fam", "aandeel": "50%", "heeft_activiteit": True,
                               "activiteit_sinds": datetime.date(2021, 1, 15)}
    assert "activiteit_sinds" not in shareholders[1]


def test_dutch_questions(run):
    result = run("ask", "kmo-portefeuille", "--lang", "nl", input="2008-12-31\n")
    assert "[1] Datum van de steunaanvraag" in result.output
    assert "(een datum, JJJJ-MM-DD; ? als u het niet weet) >" in result.output
    assert "Beslist na 1 antwoord(en)." in result.output and "Komt in aanmerking: nee" in result.output


def test_a_bad_starting_case_is_a_positioned_case_error(run, tmp_path):
    start = tmp_path / "bad.yaml"
    start.write_text("facts:\n  aanvraag:\n    datum: gisteren\n")
    result = run("ask", "kmo-portefeuille", str(start), input="")
    assert result.exit_code == 3
    assert "bad.yaml:3:12: error: fact `aanvraag.datum`: `gisteren` is not a calendar date" in result.output


def test_api_orders_questions_reference_date_first_then_declaration_order():
    compiled = _measure("rentetoelage-hinder-openbare-werken")
    names = [q.name for q in next_questions(compiled, {}, datetime.date(2021, 1, 1))]
    assert names[0] == "aanvraag.datum"
    declared = ["zaak.rechtsvorm", "zaak.getroffen_zetel_vlaanderen", "zaak.toegankelijk", "zaak.sector_toegelaten"]
    assert names[1:5] == declared
    question = next_questions(compiled, {"aanvraag": {"datum": "2021-03-01"}}, datetime.date(2021, 1, 1))[0]
    assert question.name == "zaak.rechtsvorm" and question.kind == "enum" and "vzw" in question.choices
    assert question.text.en.endswith("?")
    # Once settled there is nothing left to ask.
    assert next_questions(compiled, {"aanvraag": {"datum": "2023-01-01"}}, datetime.date(2021, 1, 1)) == []


def test_api_answer_returns_the_case_file_problems_and_keeps_the_facts_unchanged():
    intake = Intake(_measure("kmo-portefeuille"), datetime.date(2024, 1, 1))
    question = intake.next_question()
    problems = intake.answer(question, "yesterday")
    assert [p.message for p in problems] == ["fact `aanvraag.datum`: `yesterday` is not a calendar date"]
    assert intake.facts == {} and intake.asked == 0
    assert intake.answer(question, "2008-06-01") == [] and intake.settled
    assert intake.decision.eligible == "no"


def _plain(data):
    from rulerun.interpreter.tools.intake import plain
    return plain(data)
