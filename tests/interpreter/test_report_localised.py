"""Values localised with Babel and labels instead of identifiers wherever a person reads; JSON keeps machine forms."""
import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main
from rulerun.interpreter.engine.values import Unknown
from rulerun.interpreter.formats.localised import readable

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "measures" / "cases" / "kmo-portefeuille" / "advies-499-99.yaml"


@pytest.mark.parametrize("value, tag, nl, en", [
    (Decimal("3800"), "money", "€ 3.800,00", "€3,800.00"),
    (Decimal("0.125"), "money", "€ 0,125", "€0.125"),
    (datetime.date(2022, 3, 24), "date", "24 maart 2022", "24 March 2022"),
    (True, "bool", "ja", "yes"),
    (False, "bool", "nee", "no"),
    (90, "days", "90 dagen", "90 days"),
    (1, "months", "1 maand", "1 month"),
    (Decimal("0.305"), "percent", "30,5%", "30.5%"),
    (Decimal("2021"), "number", "2021", "2021"),
    (Decimal("1234.5"), "number", "1234,5", "1234.5"),
    (Unknown(), "money", "onbekend", "unknown"),
    ((1, 2), "list", "2 elementen", "2 items"),
])
def test_readable_values(value, tag, nl, en):
    assert readable(value, tag, "nl") == nl
    assert readable(value, tag, "en") == en


def _explain(*args: str) -> str:
    result = CliRunner().invoke(main, ["explain", "kmo-portefeuille", str(CASE), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_dutch_summary_reads_labels_and_dutch_values():
    summary = _explain("--lang", "nl").split("\nVerklaring\n", 1)[0]
    assert "beoordeeld op 1 november 2026, peildatum 15 maart 2022" in summary
    assert "  Termijnen:\n    Vroegste dag om aan te vragen: 1 maart 2022\n    Laatste dag om aan te vragen: 24 maart 2022\n" in summary
    assert "laatste_aanvraagdag" not in summary
    assert "€ 349,99" in summary
    assert "€ 200.000,00" in summary
    assert "  Niet voldaan: Minimaal projectbedrag (€ 100 opleiding, € 500 advies) (om te voldoen: " in summary
    assert "= ja" in _explain("--lang", "nl") and "= true" not in _explain("--lang", "nl")


def test_english_summary_reads_english_values():
    summary = _explain().split("\nExplanation\n", 1)[0]
    assert "evaluated on 1 November 2026, reference date 15 March 2022" in summary
    assert "€349.99" in summary and "24 March 2022" in summary
    assert "laatste_aanvraagdag" not in summary


def test_json_keeps_machine_forms():
    data = json.loads(_explain("--format", "json", "--lang", "nl"))
    assert data["deadlines"]["laatste_aanvraagdag"] == "2022-03-24"
    assert data["values"]["eigen_bijdrage"] == "349.99"
    assert data["failed"] == ["minimum_bedrag"]


def test_an_amount_of_more_than_28_digits_keeps_every_digit():
    amount = Decimal("10000000000000000000000000001.01")
    assert readable(amount, "money", "nl") == "€ 10.000.000.000.000.000.000.000.000.001,01"
    assert readable(amount, "money", "en") == "€10,000,000,000,000,000,000,000,000,001.01"
