"""Batch output written as text straight from the decisions is, byte for byte, json.dumps of the batch records."""
from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from json_values import as_json_values
from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.formats.cases import read_case
from rulerun.interpreter.formats.record_lines import RecordLines
from rulerun.interpreter.tools.batch import Item, Summary, decide_items, decide_lines, record_item
from rulerun.interpreter.tools.testing import cases_for

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ["innovatieve-starterssteun", "kmo-portefeuille", "rentetoelage-hinder-openbare-werken"]


def _items(measure_id: str) -> list[Item]:
    """Every bundled case; each again with one fact left out (undetermined, amounts unknown); and bad records."""
    records = []
    for path in cases_for(ROOT / "measures" / f"{measure_id}.yaml"):
        case = read_case(path)
        facts = as_json_values(case.facts or {})
        records.append({"id": Path(case.path).stem, "on": case.on.isoformat(), "facts": facts})
        for left_out in list(facts)[:3]:
            records.append({"id": f"zonder-{left_out}-é\u2028\"", "facts": {k: v for k, v in facts.items()
                                                                           if k != left_out}})
    records += [{"facts": {"onbekend": 1}}, {"id": 7, "on": "2024-02-30", "facts": {}}, ["geen", "object"],
                {"id": "ｘ", "facts": {"x": "\u0000\u00e9\U0001F600"}}]
    return [record_item(number, record) for number, record in enumerate(records, 1)]


@pytest.mark.parametrize("measure_id", BUNDLED)
def test_the_lines_are_json_dumps_of_the_records_and_count_the_same(measure_id):
    compiled = load(ROOT / "measures" / f"{measure_id}.yaml", f"measures/{measure_id}.yaml")
    items, on = _items(measure_id), datetime.date(2024, 6, 1)
    records = decide_items(compiled, items, on)
    counted = Summary()
    text = decide_lines(compiled, items, on, RecordLines(compiled.measure), counted)
    assert text == "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    expected = Summary()
    for record in records:
        expected.add(record)
    assert counted == expected and str(counted) == str(expected)
    states = {r.get("eligible") for r in records} | {"error" in r for r in records}
    assert {"yes", "no", "undetermined", True, False} <= states  # every kind of record was written
    assert any("amount_missing" in r for r in records) or measure_id != "kmo-portefeuille"


def test_summaries_of_parts_add_up():
    whole, first, second = Summary(), Summary(), Summary()
    for part, record in [(first, {"eligible": "yes", "amount": "10.50"}), (second, {"error": "bad"}),
                         (second, {"eligible": "yes", "amount": "1.25"}), (first, {"eligible": "undetermined"})]:
        part.add(record)
        whole.add(record)
    first.merge(second)
    assert first == whole and first.total == Decimal("11.75") and first.errors == 1 and first.cases == 4


def test_cases_the_row_function_decides_are_written_from_the_columns_without_a_decision(monkeypatch):
    import rulerun.interpreter.tools.batch as batch
    compiled = load(ROOT / "tests/benchmarks/kmo-eenvoudig.yaml", "kmo-eenvoudig.yaml")
    facts = {"grootte": "klein", "pijler": "advies", "bedrag": "1000", "start": "2024-03-01",
             "aanvraag": "2024-03-05", "ontvangen": "0"}
    items = [record_item(1, {"id": "a", "facts": facts}), record_item(2, {"id": "b", "facts": dict(facts, grootte="groot")})]
    on = datetime.date(2024, 6, 1)
    expected = decide_items(compiled, items, on)

    def no_decisions(*_args, **_kwargs):
        raise AssertionError("a Decision was built for a case the row function decided")
    monkeypatch.setattr(batch, "outcomes", no_decisions)
    text = decide_lines(compiled, items, on, RecordLines(compiled.measure), Summary())
    assert text == "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in expected)
    assert [json.loads(line)["eligible"] for line in text.splitlines()] == ["yes", "no"]
