"""The boundary of a failed condition reaches every audience: the analyst summary, the applicant and the JSON."""
import json
from pathlib import Path

from click.testing import CliRunner

from rulerun.interpreter.cli import main

ROOT = Path(__file__).resolve().parents[2]
LATE = ROOT / "measures" / "cases" / "kmo-portefeuille" / "aanvraag-dag-15.yaml"
SMALL = ROOT / "measures" / "cases" / "kmo-portefeuille" / "advies-499-99.yaml"


def _explain(case: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["explain", "--measures", str(ROOT / "measures"), "kmo-portefeuille",
                                       str(case), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_has_the_boundary_on_the_failed_condition():
    data = json.loads(_explain(LATE, "--format", "json"))
    assert data["failed"] == ["tijdig_aangevraagd"]
    assert data["failed_conditions"] == [{
        "id": "tijdig_aangevraagd",
        "label": {"nl": "Aanvraag tussen de overeenkomst en 14 dagen na de start",
                  "en": "Applied between the agreement and 14 days after the start"},
        "boundary": {"subject": "aanvraag.datum", "kind": "fact", "value": "2022-03-25", "relation": "<=",
                     "limit": "2022-03-24"},
    }]


def test_analyst_summary_says_what_would_meet_it():
    summary = _explain(LATE, "--lang", "nl").split("\nVerklaring\n", 1)[0]
    assert "om te voldoen: Datum van de steunaanvraag uiterlijk 24 maart 2022" in summary
    summary = _explain(SMALL).split("\nExplanation\n", 1)[0]
    assert "to meet it: Eligible amount at least €500.00" in summary


def test_applicant_reads_what_would_meet_it():
    text = " ".join(_explain(LATE, "--audience", "applicant").split())
    assert "To meet it: Date of the support application on or before 24 March 2022." in text
    text = " ".join(_explain(SMALL, "--audience", "applicant", "--lang", "nl").split())
    assert "Om te voldoen: Subsidiabel bedrag ten minste € 500,00." in text


def test_a_closed_window_has_a_label_and_the_date_that_would_open_it():
    case = ROOT / "measures" / "cases" / "innovatieve-starterssteun" / "ingediend-na-deadline.yaml"

    def explain(*args: str) -> str:
        result = CliRunner().invoke(main, ["explain", "--measures", str(ROOT / "measures"),
                                           "innovatieve-starterssteun", str(case), *args])
        assert result.exit_code == 0, result.output
        return result.output
    data = json.loads(explain("--format", "json", "--no-trace"))
    assert data["failed_conditions"] == [{
        "id": "window", "label": {"nl": "Aanvraagperiode", "en": "Application window"},
        "boundary": {"subject": "aanvraag.indiening", "kind": "fact", "value": "2022-04-29", "relation": "<=",
                     "limit": "2022-04-28"}}]
    assert ("Failed conditions: Application window (to meet it: Submission date on or before 28 April 2022)"
            in explain("--no-trace"))
    applicant = " ".join(explain("--audience", "applicant", "--lang", "nl").split())
    assert "- Aanvraagperiode: niet voldaan. Om te voldoen: Datum van indiening uiterlijk 28 april 2022." in applicant
    assert "window" not in applicant
