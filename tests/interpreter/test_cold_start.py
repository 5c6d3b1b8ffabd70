"""What a start of the command line imports and computes: a measure from the cache is decided without the checker."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from rulerun.dsl import analysis, builtins
from rulerun.dsl.builtins import Function
from rulerun.interpreter.engine import evaluator, kept
from rulerun.interpreter.formats.render import to_json_text
from rulerun.interpreter.formats.cases import read_case
from rulerun.interpreter.tools.testing import cases_for

MEASURE = "measures/kmo-portefeuille.yaml"
CASE = "measures/cases/kmo-portefeuille/r3-klein-opleiding.yaml"
#: Not needed to decide and explain a case of a measure recalled from the cache.
HEAVY = ("babel", "lark", "jsonschema", "rulerun.dsl.checker", "rulerun.dsl.analysis", "rulerun.dsl.lint",
         "rulerun.dsl.loader", "rulerun.dsl.parser", "rulerun.dsl.lalr", "rulerun.dsl.descent", "rulerun.dsl.schema",
         "rulerun.interpreter.engine.lower", "rulerun.interpreter.tools.intake")
SCRIPT = """\
import json, sys
from rulerun.interpreter.cli import main
try:
    main(sys.argv[1:])
except SystemExit as end:
    assert not end.code, end.code
heavy = {heavy!r}
print(json.dumps(sorted({{m for m in sys.modules for h in heavy if m == h or m.startswith(h + ".")}})))
"""


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """A cache folder of the test's own: what other tests kept is not recalled here."""
    monkeypatch.setenv("RULERUN_CACHE_DIR", str(tmp_path / "cache"))


def imported(root, cache, *arguments: str) -> list[str]:
    """The heavy modules a fresh `rulerun` process imported for `arguments` (the last line it prints)."""
    env = {"RULERUN_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(heavy=HEAVY), *arguments], cwd=root,
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_command_line_imports_none_of_the_heavy_modules(root, tmp_path):
    script = f"import sys, rulerun.interpreter.cli; print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))"
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_warm_explain_needs_neither_the_checker_nor_lark_nor_babel(root, tmp_path):
    first = imported(root, tmp_path, "explain", MEASURE, CASE)
    assert {"rulerun.dsl.parser", "rulerun.dsl.checker", "rulerun.interpreter.engine.lower"} <= set(first)
    assert "jsonschema" not in first  # the measure meets its schema: jsonschema would only word its problems
    assert "lark" not in first  # the quick parser reads every expression of it: Lark would only word mistakes
    assert imported(root, tmp_path, "explain", MEASURE, CASE) == []


def test_the_checked_measure_is_made_again_only_when_asked_for(root):
    """A decision with a failed condition asks for it, to say what would meet the condition; an eligible one not."""
    from rulerun.interpreter.formats.boundaries import failed_boundaries
    loaded = evaluator.load(root / MEASURE)
    recalled = evaluator.load(root / MEASURE)
    assert loaded._checked is not None and recalled._checked is None
    eligible = read_case(root / CASE)
    decision = recalled.evaluate(recalled.read_facts(eligible.facts), eligible.on)
    assert not decision.failed and failed_boundaries(recalled, decision) == {} and recalled._checked is None
    assert recalled.facts.keys() == loaded.facts.keys() and recalled.checked.warnings == loaded.checked.warnings
    assert recalled._checked is not None


@pytest.mark.parametrize("name", ["kmo-portefeuille", "innovatieve-starterssteun", "rentetoelage-hinder-openbare-werken"])
def test_a_recalled_compiled_measure_explains_every_case_as_a_fresh_one(root, name):
    """The lowered form from the cache decides, traces and explains every bundled case as one lowered now."""
    from rulerun.dsl.loader import load_measure
    from rulerun.interpreter.formats.boundaries import failed_boundaries
    path = root / "measures" / f"{name}.yaml"
    fresh = evaluator.CompiledMeasure(analysis.check_measure(load_measure(path)))
    evaluator.load(path)
    recalled = evaluator.load(path)
    assert recalled._checked is None
    for case_path in cases_for(path):
        case = read_case(case_path)
        facts = fresh.read_facts(case.facts, case.document, ("facts",))
        decisions = [m.evaluate(facts, case.on, trace=True) for m in (fresh, recalled)]
        assert to_json_text(decisions[0]) == to_json_text(decisions[1]), case_path.name
        assert [m.evaluate(facts, case.on, trace=False) for m in (fresh, recalled)][0] is not None
        assert failed_boundaries(fresh, decisions[0]) == failed_boundaries(recalled, decisions[1]), case_path.name


def test_a_changed_measure_is_compiled_again(root, tmp_path, monkeypatch):
    folder = tmp_path / "measures"
    shutil.copytree(root / "measures", folder, ignore=shutil.ignore_patterns("cases"))
    path = folder / "kmo-portefeuille.yaml"
    checks = []
    original = analysis.check_measure
    monkeypatch.setattr(analysis, "check_measure", lambda *a: checks.append(1) or original(*a))
    before = evaluator.load(path)
    evaluator.load(path)
    assert checks == [1]
    path.write_text(path.read_text(encoding="utf-8").replace("value: 30 days", "value: 31 days"), encoding="utf-8")
    after = evaluator.load(path)
    assert checks == [1, 1]
    term = [m.lowered.parameters["betaaltermijn"].versions[0].value.value for m in (before, after)]
    assert [str(t) for t in term] == ["30", "31"]


def test_an_edited_import_compiles_the_measure_again(root, tmp_path, monkeypatch):
    folder = tmp_path / "measures"
    shutil.copytree(root / "measures", folder, ignore=shutil.ignore_patterns("cases"))
    checks = []
    original = analysis.check_measure
    monkeypatch.setattr(analysis, "check_measure", lambda *a: checks.append(1) or original(*a))
    evaluator.load(folder / "kmo-portefeuille.yaml")
    imported_file = folder / "common" / "de-minimis.yaml"
    imported_file.write_text(imported_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    evaluator.load(folder / "kmo-portefeuille.yaml")
    assert checks == [1, 1]


def test_other_code_does_not_recall_what_this_code_compiled(root, monkeypatch):
    checks = []
    original = analysis.check_measure
    monkeypatch.setattr(analysis, "check_measure", lambda *a: checks.append(1) or original(*a))
    evaluator.load(root / MEASURE)
    monkeypatch.setattr(kept, "_code", lambda: "another version of rulerun")
    evaluator.load(root / MEASURE)
    assert checks == [1, 1]


def test_nothing_is_kept_or_recalled_while_a_function_is_added_at_run_time(root, monkeypatch):
    checks = []
    original = analysis.check_measure
    monkeypatch.setattr(analysis, "check_measure", lambda *a: checks.append(1) or original(*a))
    evaluator.load(root / MEASURE)  # kept
    builtins.add_function(Function("doubled_for_a_test", ("number",), "number", "twice", lambda n: n * 2))
    try:
        evaluator.load(root / MEASURE)
        evaluator.load(root / MEASURE)
    finally:
        builtins.remove_function("doubled_for_a_test")
    evaluator.load(root / MEASURE)  # the tables are the language's own again: recalled
    assert checks == [1, 1, 1]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_warm_batch_of_a_table_needs_no_checker(root, tmp_path, suffix):
    rows = [{"grootte": "klein", "pijler": "opleiding", "bedrag": "1200.00", "start": "2021-03-01",
             "aanvraag": "2021-03-05", "ontvangen": "0"}, {"grootte": "groot", "pijler": "advies", "bedrag": "900",
                                                              "start": "2021-03-01", "aanvraag": "2021-04-05",
                                                              "ontvangen": "100"}]
    table = tmp_path / f"cases{suffix}"
    if suffix == ".csv":
        table.write_text(",".join(rows[0]) + "\n" + "\n".join(",".join(r.values()) for r in rows) + "\n")
    else:
        pyarrow = pytest.importorskip("pyarrow")
        import pyarrow.parquet
        pyarrow.parquet.write_table(pyarrow.table({k: [r[k] for r in rows] for k in rows[0]}), table)
    arguments = ("batch", "tests/benchmarks/kmo-eenvoudig.yaml", str(table), "--on", "2024-01-01",
                 "-o", str(tmp_path / "out.jsonl"))
    imported(root, tmp_path / "cache", *arguments)  # compiles and keeps the measure
    # Reading a table's header and its facts takes the declared facts from the recalled measure, not a new check.
    assert imported(root, tmp_path / "cache", *arguments) == []
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2
