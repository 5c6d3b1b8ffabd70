"""The public API, `import rulerun`: what it exports, what it decides, and that it stays light to import."""
from __future__ import annotations

import datetime
import importlib.metadata
import json
import pydoc
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import rulerun
from rulerun.interpreter.cli import main
from rulerun.interpreter.engine.api import load as load_engine

ROOT = Path(__file__).resolve().parents[2]
KMO = ROOT / "measures" / "kmo-portefeuille.yaml"
SIMPLE = ROOT / "tests" / "benchmarks" / "kmo-eenvoudig.yaml"
ON = datetime.date(2024, 6, 1)
RAW = {"grootte": "klein", "pijler": "advies", "bedrag": "1000", "ontvangen": "0",
       "start": "2024-03-01", "aanvraag": "2024-03-05"}


@pytest.fixture(scope="module")
def simple() -> rulerun.Measure:
    return rulerun.load(SIMPLE)


def test_every_exported_name_exists_and_is_listed():
    for name in rulerun.__all__:
        assert getattr(rulerun, name) is not None, name
    assert set(rulerun.__all__) <= set(dir(rulerun))
    assert issubclass(rulerun.CaseError, rulerun.RulerunError) and rulerun.CaseError.exit_code == 3
    assert rulerun.__version__ == importlib.metadata.version("rulerun")
    with pytest.raises(AttributeError, match="no attribute 'evaluate'"):
        rulerun.evaluate  # noqa: B018 - the old name is not part of the API


def test_help_documents_the_api():
    text = pydoc.render_doc(rulerun, renderer=pydoc.plaintext)
    for part in ("load(path) -> Measure", "decide(facts, on=None, trace=False)", "decide_many(", "questions(",
                 "schema()", "MeasureError (2)", "class Measure", "class Decision"):
        assert part in text, part


def test_the_package_is_typed():
    assert (Path(rulerun.__file__).parent / "py.typed").is_file()


def test_importing_rulerun_leaves_the_engine_unloaded():
    code = ("import sys, rulerun; print(sorted(m for m in sys.modules if m.startswith('rulerun.interpreter')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert loaded.stdout.strip() == "[]"


def test_decide_takes_raw_facts_as_a_case_file_gives_them(simple):
    decision = simple.decide(RAW, on=ON)
    engine = load_engine(SIMPLE)
    assert decision == engine.evaluate(engine.read_facts(RAW), ON, trace=False)
    assert (decision.eligible, decision.amount, decision.trace) == ("yes", Decimal("300.00"), ())
    assert simple.decide(RAW, on=ON, trace=True).trace


def test_decide_defaults_to_today(simple):
    assert simple.decide(RAW).evaluated_on == datetime.date.today()


def test_invalid_facts_raise_a_case_error_naming_the_fact(simple):
    with pytest.raises(rulerun.CaseError) as raised:
        simple.decide(dict(RAW, bedrag="duizend"), on=ON)
    assert "fact `bedrag`" in raised.value.diagnostics[0].message


def test_decide_case_points_into_the_case_file(simple, tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text("on: 2024-06-01\nfacts:\n  grootte: reus\n", encoding="utf-8")
    with pytest.raises(rulerun.CaseError) as raised:
        simple.decide_case(rulerun.read_case(path))
    assert raised.value.diagnostics[0].where == f"{path}:3:12"
    path.write_text("on: 2024-06-01\nfacts:\n" + "".join(f"  {k}: '{v}'\n" for k, v in RAW.items()),
                    encoding="utf-8")
    case = rulerun.read_case(path)
    assert simple.decide_case(case) == simple.decide(RAW, on=ON)
    assert simple.decide_case(case, on=datetime.date(2024, 7, 1)).evaluated_on == datetime.date(2024, 7, 1)


def test_decide_many_keeps_order_and_puts_errors_in_place(simple, monkeypatch):
    from rulerun import measure as front
    monkeypatch.setattr(front, "CHUNK", 2)  # cases split over several chunks, errors at their edges
    other = datetime.date(2020, 1, 1)
    records = [RAW, dict(RAW, bedrag="x"), dict(RAW, grootte="groot"), (RAW, other), dict(RAW, start="gisteren"), RAW]
    results = list(simple.decide_many(records, on=ON))
    assert len(results) == 6
    assert [type(r).__name__ for r in results] == ["Decision", "CaseError", "Decision", "Decision", "CaseError",
                                                   "Decision"]
    assert results[0] == simple.decide(RAW, on=ON) == results[5]
    assert results[2].eligible == "no" and results[3] == simple.decide(RAW, on=other)


def test_decide_many_reports_an_evaluation_error_in_place(tmp_path):
    text = SIMPLE.read_text(encoding="utf-8").replace("measure: kmo-eenvoudig", "measure: deling")
    text = text.replace("round_cents(min(bedrag * tarief[grootte], ruimte))",
                        "round_cents(min(bedrag * tarief[grootte], ruimte) * (ontvangen / ontvangen))")
    (tmp_path / "deling.yaml").write_text(text, encoding="utf-8")
    measure = rulerun.load(tmp_path / "deling.yaml")
    results = list(measure.decide_many([dict(RAW, ontvangen="10"), RAW], on=ON))
    assert results[0].amount == Decimal("300.00") and isinstance(results[1], rulerun.EvaluationError)


def test_questions_and_the_intake(simple):
    assert [q.name for q in simple.questions({"grootte": "klein"}, on=ON)][:1] == ["aanvraag"]
    intake = simple.intake({"grootte": "groot"}, on=ON)
    assert intake.decision.eligible == "no" and intake.next_question() is None


def test_schema_is_the_one_the_command_line_prints(monkeypatch):
    monkeypatch.chdir(ROOT)
    printed = CliRunner().invoke(main, ["schema", "kmo-portefeuille"])
    assert printed.exit_code == 0 and json.loads(printed.output) == rulerun.load(KMO).schema()


def test_what_the_measure_file_says(simple):
    assert (simple.id, simple.title.get("nl"), simple.window) == (
        "kmo-eenvoudig", "Vereenvoudigde KMO-portefeuille (benchmark)", None)
    assert set(simple.facts) == set(RAW) and repr(simple) == "<rulerun.Measure kmo-eenvoudig>"
    assert [w.where + w.message for w in simple.warnings] == [w.where + w.message for w in rulerun.check(SIMPLE)]
    assert "before its first value" in simple.warnings[0].message


def test_load_and_check_raise_measure_errors(tmp_path):
    (tmp_path / "kapot.yaml").write_text("measure: [\n", encoding="utf-8")
    for call in (rulerun.load, rulerun.check):
        with pytest.raises(rulerun.MeasureError) as raised:
            call(tmp_path / "kapot.yaml")
        assert raised.value.exit_code == 2 and raised.value.diagnostics
    assert rulerun.check(KMO) == []


@pytest.mark.parametrize("facts", [["grootte"], "grootte: klein", {"grootte": "reus"}])
def test_the_intake_refuses_facts_it_cannot_read(simple, facts):
    with pytest.raises(rulerun.CaseError):
        simple.questions(facts, on=ON)
    with pytest.raises(rulerun.CaseError):
        simple.intake(facts, on=ON)
