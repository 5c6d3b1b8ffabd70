"""One strict reader per kind of value: what each accepts and refuses, and that batch records and `--on` reach it."""
from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.dsl.yamlsource import YamlProblem, parse_yaml
from rulerun.interpreter.cli import main
from rulerun.interpreter.formats.scalars import (
    Refused, read_date, read_duration, read_money, read_number, read_percent,
)

PROEF = Path(__file__).resolve().parents[1] / "invalid" / "proef.yaml"


def _refusal(reader, value, *args) -> Refused:
    with pytest.raises(Refused) as caught:
        reader(value, *args)
    return caught.value


@pytest.mark.parametrize("value, amount", [
    ("1250.50", "1250.50"), ("€ 1250.50", "1250.50"), ("EUR 12", "12"), (" 7.5 ", "7.5"),
    (1250, "1250"), (Decimal("2.50"), "2.50"), (Decimal("1E+3"), "1000"), ("-5", "-5"), ("+5", "5"),
])
def test_amounts_read(value, amount):
    assert read_money(value) == Decimal(amount)


@pytest.mark.parametrize("value, message, hint", [
    ("2.500", "2.500 has more than two decimals; did you mean 2500?", "write 2500:"),
    (Decimal("2.500"), "2.500 has more than two decimals; did you mean 2500?", "write 2500:"),
    ("12.500", "did you mean 12500?", "write 12500:"),
    ("1.250.000", "`1.250.000` is not an amount; did you mean 1250000?", "write 1250000:"),
    ("2,500", "`2,500` is not an amount; did you mean 2500?", "write 2500:"),
    ("1.250,50", "did you mean 1250.50?", "write 1250.50:"),
    ("1,250.50", "did you mean 1250.50?", "write 1250.50:"),
    ("2.5001", "2.5001 has more than two decimals; amounts are in whole cents", "round it to the cent"),
    (Decimal("1000.005"), "1000.005 has more than two decimals", "round it to the cent"),
    ("12,50", "`12,50` uses a decimal comma", "write a decimal point"),
    ("1000000000000000000000000000", "is too large (the limit is 1,000,000,000,000,000)", None),
    pytest.param(10 ** 5000, "is too large", None, id="10**5000"),
    (Decimal("1E+999999999"), "1E+999999999 is too large", None),
    pytest.param("9" * 1_100_000, "is too large", None, id="1100000 digits"),
    ("1e3", "`1e3` is not an amount", "write an amount in euro"),
    ("٣", "`٣` is not an amount", "write an amount in euro"),
    (2.5, "must be an amount in euro; give it as text or a decimal", "write an amount in euro"),
    (True, "must be an amount in euro, not a yes/no value", "write an amount in euro"),
])
def test_amounts_refused(value, message, hint):
    refused = _refusal(read_money, value)
    assert message in refused.message
    assert (hint is None and refused.hint is None) or hint in refused.hint


def test_a_refused_value_is_shown_short():
    refused = _refusal(read_money, "x" * 5000)
    assert len(refused.message) < 100 and "5000 characters" in refused.message


@pytest.mark.parametrize("value, number", [("12", "12"), ("12.5", "12.5"), ("-3", "-3"), (Decimal("0.25"), "0.25")])
def test_numbers_read(value, number):
    assert read_number(value) == Decimal(number)


@pytest.mark.parametrize("value, message", [
    ("1e3", "`1e3` is not a number"), ("12,5", "`12,5` uses a decimal comma"), ("Infinity", "is not a number"),
    ("99999999999999999999", "is too large"), (Decimal("1E-999999999"), "1E-999999999 has more than 100 decimals"),
    (Decimal("NaN"), "`NaN` is not a number"),
])
def test_numbers_refused(value, message):
    assert message in _refusal(read_number, value).message


@pytest.mark.parametrize("value, fraction", [("30%", "0.3"), ("12.5 %", "0.125"), (" 100% ", "1"), ("0%", "0")])
def test_percentages_read(value, fraction):
    assert read_percent(value) == Decimal(fraction)


@pytest.mark.parametrize("value, hint", [
    (Decimal("0.3"), "write 30% or 0.3%, with the percent sign"),
    ("0.3", "write 30% or 0.3%, with the percent sign"),
    (1, "write 100% or 1%, with the percent sign"),
    ("30", "write it with a percent sign, e.g. '30%'"),
    (50, "write it with a percent sign, e.g. '50%'"),
    ("abc", "write it with a percent sign, e.g. '30%'"),
])
def test_a_bare_number_is_not_a_percentage(value, hint):
    refused = _refusal(read_percent, value)
    assert refused.message == f"`{value}` is not a percentage"
    assert refused.hint == hint


def test_dates_read():
    assert read_date("2022-01-10") == read_date(" 2022-01-10 ") == datetime.date(2022, 1, 10)
    assert read_date(datetime.date(2022, 1, 10)) == datetime.date(2022, 1, 10)


@pytest.mark.parametrize("value, message", [
    ("2022-W05-2", "`2022-W05-2` is not a calendar date"),
    ("20220110", "`20220110` is not a calendar date"),
    (20220201, "`20220201` is not a calendar date"),
    ("2022-1-5", "`2022-1-5` is not a calendar date"),
    ("2022-01-10T00:00", "`2022-01-10T00:00` is not a calendar date"),
    ("٢٠٢٢-٠١-١٠", "is not a calendar date"),
    ("2022-02-30", "`2022-02-30` is not a calendar date: day is out of range for month"),
    ("0000-01-01", "`0000-01-01` is not a calendar date"),
    (datetime.datetime(2022, 1, 10, 10), "has a time of day; give a date only"),
])
def test_only_yyyy_mm_dd_is_a_date(value, message):
    assert message in _refusal(read_date, value).message


@pytest.mark.parametrize("value, unit, count", [
    (14, "days", 14), ("14 days", "days", 14), ("1 day", "days", 1), ("2 weeks", "days", 14), ("14", "days", 14),
    ("6 months", "months", 6), ("2 years", "months", 24), (Decimal("14"), "days", 14), (0, "days", 0),
    ("3652058 days", "days", 3652058),
])
def test_durations_read(value, unit, count):
    assert read_duration(value, unit) == count


def test_a_negative_duration_is_refused_alike_as_a_number_and_as_text():
    as_number, as_text = _refusal(read_duration, -400, "days"), _refusal(read_duration, "-400 days", "days")
    assert as_number.message == "`-400` is negative; a duration is zero or more"
    assert as_text.message == "`-400 days` is negative; a duration is zero or more"
    assert as_number.hint == as_text.hint == "write e.g. '14 days' (this fact counts days)"


@pytest.mark.parametrize("value, unit, message", [
    ("1 month", "days", "`1 month` is in months, but this fact counts days"),
    ("3652059 days", "days", "is longer than the calendar (at most 3652058 days)"),
    pytest.param("9" * 5000 + " days", "days", "is longer than the calendar", id="5000 digits"),
    (Decimal("1E+400"), "days", "is longer than the calendar"),
    pytest.param(10 ** 5000, "months", "is longer than the calendar (at most 119988 months)", id="10**5000"),
    (Decimal("14.5"), "days", "`14.5` is not a whole number of days"),
    ("14 dagen", "days", "`14 dagen` is not a duration"),
    (True, "days", "`true` is not a duration"),
])
def test_durations_refused(value, unit, message):
    assert message in _refusal(read_duration, value, unit).message


@pytest.mark.parametrize("text, message", [
    ("x: !!bool maybe", "`maybe` is not a yes/no value"),
    ("x: !!int abc", "`abc` is not a whole number"),
    ("x: !!timestamp garbage", "`garbage` is not a calendar date"),
    ("x: !!map abc", "YAML tag `!!map` is not allowed on a single value"),
    ("x: !!null 5", "`5` is tagged `!!null` but is not empty"),
    pytest.param("x: " + "9" * 5000, "is a number of 5000 digits", id="5000 digits"),
])
def test_yaml_values_that_cannot_be_read_are_positioned_problems(text, message):
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(text, "case.yaml", dates_as_text=False)
    assert message in caught.value.diagnostic.message
    assert caught.value.diagnostic.span.line == 1 and caught.value.diagnostic.span.column == 4


def _batch(tmp_path, name: str, text: str) -> tuple[int, list[dict]]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(PROEF), str(tmp_path / name), "--on", "2022-02-01"])
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()]


def test_json_lines_records_reach_the_same_readers(tmp_path):
    lines = ['{"id": "a", "facts": {"kost": 2.500}}',
             '{"id": "b", "on": 20220201, "facts": {}}',
             '{"id": "c", "on": "2022-W05-2", "facts": {}}',
             '{"id": "d", "facts": {"kost": ' + "9" * 5000 + "}}",
             '{"id": "e", "facts": {"termijn": -400}}',
             '{"id": "f", "facts": {"aandeelhouders": [{"naam": "x", "aandeel": 0.3}]}}',
             '{"id": "g", "facts": {"kost": 2.50}}']
    code, records = _batch(tmp_path, "in.jsonl", "\n".join(lines) + "\n")
    assert code == 1
    assert [(r["id"], r["line"], r.get("error")) for r in records] == [
        ("a", 1, "fact `kost`: 2.500 has more than two decimals; did you mean 2500?"),
        ("b", 2, "`on` must be a date written YYYY-MM-DD, not `20220201`"),
        ("c", 3, "`on` must be a date written YYYY-MM-DD, not `2022-W05-2`"),
        # The record decoder refuses a number this long before it reaches the fact reader.
        ("d", 4, "a number of 5000 characters is too long (the limit is 100)"),
        ("e", 5, "fact `termijn`: `-400` is negative; a duration is zero or more"),
        ("f", 6, "fact `aandeelhouders[0].aandeel`: `0.3` is not a percentage"),
        ("g", 7, None),
    ]


def test_csv_cells_reach_the_same_readers(tmp_path):
    text = ("id,on,kost,termijn,aanvraagdatum\n"
            "x,2022-02-01,2.500,14,2022-01-10\n"
            "y,20220201,1000,,\n"
            "z,,1.250.000,-400 days,2022-W05-2\n"
            "w,,1000.50,14,2022-01-10\n")
    code, records = _batch(tmp_path, "in.csv", text)
    assert code == 1
    assert [(r["id"], r["line"], r.get("error")) for r in records] == [
        ("x", 2, "fact `kost`: 2.500 has more than two decimals; did you mean 2500?"),
        ("y", 3, "`on` must be a date written YYYY-MM-DD, not `20220201`"),
        ("z", 4, "fact `kost`: `1.250.000` is not an amount; did you mean 1250000?; "
                 "fact `termijn`: `-400 days` is negative; a duration is zero or more; "
                 "fact `aanvraagdatum`: `2022-W05-2` is not a calendar date"),
        ("w", 5, None),
    ]


def test_parquet_values_reach_the_same_readers(tmp_path):
    import pyarrow
    import pyarrow.parquet
    table = pyarrow.table({
        "id": ["a", "b", "c"],
        "on": [datetime.datetime(2022, 2, 1, 10), None, None],
        "kost": pyarrow.array([Decimal("1000.000"), Decimal("2.500"), Decimal("2.500")], pyarrow.decimal128(10, 3)),
        "termijn": [14, 14, -400],
    })
    pyarrow.parquet.write_table(table, tmp_path / "in.parquet")
    result = CliRunner().invoke(main, ["batch", str(PROEF), str(tmp_path / "in.parquet"), "--on", "2022-02-01"])
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["line"], r.get("error")) for r in records] == [
        ("a", 1, "`on` must be a date written YYYY-MM-DD, not `2022-02-01 10:00:00`"),
        ("b", 2, "fact `kost`: 2.500 has more than two decimals; did you mean 2500?"),
        ("c", 3, "fact `kost`: 2.500 has more than two decimals; did you mean 2500?; "
                 "fact `termijn`: `-400` is negative; a duration is zero or more"),
    ]


@pytest.mark.parametrize("on", ["2022-W05-2", "20220201", "2022-02-01T00:00", "2022-02-30", "9999-99-99"])
def test_on_option_takes_only_yyyy_mm_dd(on):
    result = CliRunner().invoke(main, ["explain", str(PROEF), str(PROEF.parent / "valid-case.yaml"), "--on", on])
    assert result.exit_code == 64
    assert f"--on must be a date written YYYY-MM-DD, not `{on}`" in result.output
    assert "hint: e.g. --on 2022-04-28" in result.output


def test_a_case_date_far_in_the_future_is_an_evaluation_error(tmp_path):
    case = (PROEF.parent / "valid-case.yaml").read_text().replace("2022-01-10", "9999-12-31")
    (tmp_path / "case.yaml").write_text(case)
    result = CliRunner().invoke(main, ["explain", str(PROEF), str(tmp_path / "case.yaml"), "--on", "2022-02-01"])
    assert result.exit_code == 4
    assert "proef.yaml:65:14: error: the resulting date is out of range (years 1 to 9999)" in result.output


@pytest.mark.parametrize("amount, passes", [('"€ 300.00"', True), ("300", True), ("300.5", False), ("301", False)])
def test_an_expected_amount_is_read_as_an_amount(tmp_path, amount, passes):
    (tmp_path / "cases" / "proef").mkdir(parents=True)
    (tmp_path / "proef.yaml").write_text(PROEF.read_text())
    case = (PROEF.parent / "valid-case.yaml").read_text() + f"expect:\n  amount: {amount}\n"
    (tmp_path / "cases" / "proef" / "case.yaml").write_text(case)
    result = CliRunner().invoke(main, ["test", str(tmp_path / "proef.yaml")])
    assert result.exit_code == (0 if passes else 1), result.output
    assert ("1 passed, 0 failed" if passes else "0 passed, 1 failed") in result.output
