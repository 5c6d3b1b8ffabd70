"""Deep measures: a chain of 10,000 rules and one of 1,000 imports through every command, without RecursionError."""
from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.dsl import deep
from rulerun.dsl.errors import EvaluationError, MeasureError
from rulerun.interpreter.formats import render
from rulerun.interpreter.cli import main
from rulerun.interpreter.engine.evaluator import evaluate, load
from rulerun.interpreter.tools.testing import cases_for

ROOT = Path(__file__).resolve().parents[2]
RULES = 10_000
IMPORTS = 1_000
HEAD = """\
{kind}: {id}
title: {{nl: Keten, en: Chain}}
summary: {{nl: Een lange keten., en: A long chain.}}
authority: VLAIO
sources:
  W01: {{title: Voorwaarden, url: "https://www.vlaio.be/nl/voorbeeld"}}
"""
START = """\
facts:
  start:
    type: number
    label: {nl: Start, en: Start}
    question: {nl: "Waarmee begint de keten?", en: "Where does the chain start?"}
"""


def _rule(name: str, expr: str) -> str:
    return f"  {name}:\n    label: {{nl: Stap, en: Step}}\n    source: W01\n    expr: {expr}\n"


def write_rule_chain(folder: Path, rules: int) -> Path:
    """keten.yaml: r0 = start, r(i) = r(i-1) + 1; declared last rule first, so that checking follows the chain."""
    body = "".join(_rule(f"r{i}", "start" if i == 0 else f"r{i - 1} + 1") for i in reversed(range(rules)))
    last = f"r{rules - 1}"
    path = folder / "keten.yaml"
    path.write_text(HEAD.format(kind="measure", id="keten") + START + "rules:\n" + body
                    + f"decision:\n  eligible: {last} > 0\n  values:\n    laatste: {last}\n")
    (folder / "cases" / "keten").mkdir(parents=True)
    (folder / "cases" / "keten" / "een.yaml").write_text(
        f"name: een\non: 2024-01-01\nfacts:\n  start: 1\nexpect:\n  eligible: yes\n  values:\n    laatste: {rules}\n")
    (folder / "case.yaml").write_text("on: 2024-01-01\nfacts:\n  start: 1\n")
    (folder / "cases.jsonl").write_text('{"id": "een", "on": "2024-01-01", "facts": {"start": 1}}\n')
    return path


def write_import_chain(folder: Path, files: int) -> Path:
    """keten.yaml uses d0.yaml, which uses d1.yaml, …; rule `v` of each file is one more than the next file's."""
    for i in range(files):
        text = HEAD.format(kind="definitions", id=f"d{i}")
        if i < files - 1:
            text += f"uses:\n  n: d{i + 1}.yaml\nrules:\n" + _rule("v", "n.v + 1")
        else:
            text += START + "rules:\n" + _rule("v", "start")
        (folder / f"d{i}.yaml").write_text(text)
    path = folder / "keten.yaml"
    path.write_text(HEAD.format(kind="measure", id="keten") + "uses:\n  n: d0.yaml\n"
                    "decision:\n  eligible: n.v > 0\n  values:\n    laatste: n.v\n")
    (folder / "case.yaml").write_text("on: 2024-01-01\nfacts:\n  start: 1\n")
    return path


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> str:
    """One cache folder for the module: a chain is read from its YAML once, then recalled."""
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def rule_chain(tmp_path_factory) -> Path:
    return write_rule_chain(tmp_path_factory.mktemp("rules"), RULES)


@pytest.fixture(scope="module")
def import_chain(tmp_path_factory) -> Path:
    return write_import_chain(tmp_path_factory.mktemp("imports"), IMPORTS)


def run(args: list, folder: Path, cache: str, monkeypatch) -> tuple[int, str]:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, args, env={"RULERUN_CACHE_DIR": cache})
    output = result.output
    assert "Traceback" not in output and "internal error" not in output and "RecursionError" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, output


def test_a_rule_chain_checks(rule_chain, cache, monkeypatch):
    code, out = run(["check", "keten.yaml"], rule_chain.parent, cache, monkeypatch)
    assert (code, out) == (0, "keten.yaml: ok\n")


def test_a_rule_chain_explains_with_its_whole_trace(rule_chain, cache, monkeypatch):
    code, out = run(["explain", "keten.yaml", "case.yaml"], rule_chain.parent, cache, monkeypatch)
    assert code == 0
    assert "  Values:\n    laatste: 10000\n" in out  # the summary labels the group once
    assert "r0: Step = 1" in out and "r9999: Step = 10000" in out
    assert f"[{RULES}] " in out  # the deepest node, r0, shows its level
    # Deep levels keep one indentation: the text grows with the trace, not with its depth squared.
    assert max(len(line) for line in out.splitlines()) < 2 * render.MAX_INDENT + 100


def test_a_rule_chain_explains_as_json(rule_chain, cache, monkeypatch):
    code, out = run(["explain", "keten.yaml", "case.yaml", "--format", "json"], rule_chain.parent, cache, monkeypatch)
    assert code == 0
    data = deep.run_deep(json.loads, out)  # valid JSON; Python's own reader recurses for each level
    node, depth = data["trace"][0], 0
    while node["children"]:
        node, depth = node["children"][0], depth + 1
    assert (data["values"], data["trace"][0]["children"][0]["result"]) == ({"laatste": "10000"}, "10000")
    assert (depth, node["id"], node["result"], node["facts"]) == (RULES, "r0", "1", {"start": "1"})
    assert max(len(line) for line in out.splitlines()) < 4 * render.MAX_INDENT + 100


@pytest.mark.parametrize("fmt,opening,closing", [("markdown", "- ", None), ("html", "<details", "</details>")])
def test_a_rule_chain_explains_as_markdown_and_html(fmt, opening, closing, rule_chain, cache, monkeypatch):
    code, out = run(["explain", "keten.yaml", "case.yaml", "--format", fmt], rule_chain.parent, cache, monkeypatch)
    assert code == 0
    assert "r9999" in out and "r0" in out and "10000" in out
    if closing:
        assert out.count(opening) == out.count(closing) == RULES + 2  # every rule, the eligibility and the value
    else:
        assert f"- [{RULES}] " in out


def test_a_rule_chain_explains_without_trace(rule_chain, cache, monkeypatch):
    code, out = run(["explain", "keten.yaml", "case.yaml", "--no-trace"], rule_chain.parent, cache, monkeypatch)
    assert code == 0
    assert "Eligible: yes" in out and "  Values:\n    laatste: 10000\n" in out and "r9999" not in out


def test_a_rule_chain_passes_its_case(rule_chain, cache, monkeypatch):
    code, out = run(["test", "keten.yaml"], rule_chain.parent, cache, monkeypatch)
    assert (code, out) == (0, "1 passed, 0 failed\n")


def test_a_rule_chain_decides_a_batch(rule_chain, cache, monkeypatch):
    code, out = run(["batch", "keten.yaml", "cases.jsonl"], rule_chain.parent, cache, monkeypatch)
    assert code == 0
    [record] = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert (record["id"], record["eligible"], record["values"]) == ("een", "yes", {"laatste": "10000"})


def test_the_api_decides_a_rule_chain_on_the_callers_thread(rule_chain, cache, monkeypatch):
    monkeypatch.setenv("RULERUN_CACHE_DIR", cache)
    measure = load(rule_chain)
    # Rules calling rules 10,000 deep are more frames than the generated code may nest: not generated,
    # so the closures decide every case, on purpose (not after a RecursionError).
    assert measure.generated is None
    on = datetime.date(2024, 1, 1)
    facts = measure.read_facts({"start": 1})
    for trace in (False, True):
        decision = evaluate(measure, {"start": 1}, on, trace=trace)
        assert decision.outcome["laatste"][0] == RULES
    node, depth = decision.trace[0], 0
    while node.children:
        node, depth = node.children[0], depth + 1
    assert (depth, node.id, node.value, node.facts) == (RULES, "r0", 1, (("start", (1, "number")),))
    assert "r0: Step = 1" in render.to_text(decision, "Keten")
    [batched] = measure.decide_many([(facts, on)])
    assert batched.outcome["laatste"][0] == RULES
    assert sys.getrecursionlimit() < deep.MAX_DEPTH  # raised only while a deep thread runs


def test_an_import_chain_checks_and_explains(import_chain, cache, monkeypatch):
    code, out = run(["check", "keten.yaml"], import_chain.parent, cache, monkeypatch)
    assert (code, out) == (0, "keten.yaml: ok\n")
    for _ in range(2):  # read from the files, then recalled from the cache
        code, out = run(["explain", "keten.yaml", "case.yaml"], import_chain.parent, cache, monkeypatch)
        assert code == 0 and "  Values:\n    laatste: 1000\n" in out
    code, out = run(["explain", "keten.yaml", "case.yaml", "--format", "json"], import_chain.parent, cache, monkeypatch)
    assert code == 0 and deep.run_deep(json.loads, out)["values"] == {"laatste": "1000"}


def test_a_cycle_too_long_even_for_the_deep_thread_is_an_invalid_measure(tmp_path, cache, monkeypatch):
    """A cycle is checked rule inside rule: past the deep thread's room (made small here) it is refused, with its file."""
    monkeypatch.setattr(deep, "MAX_DEPTH", 3_000)
    path = write_rule_chain(tmp_path, 1_000)
    path.write_text(path.read_text().replace("expr: start\n", "expr: r999 + 1\n"))
    code, out = run(["explain", "keten.yaml", "case.yaml"], tmp_path, cache, monkeypatch)
    assert code == 2
    assert out == ("keten.yaml: error: the measure nests too deeply to be handled: its rules, imports or expressions "
                   "form a chain of more than about 300 steps\n"
                   "  = hint: split the chain: let rules read facts or shorter chains of rules\n")


def test_a_long_import_chain_is_loaded_without_nesting(tmp_path, monkeypatch):
    """Files are loaded with a list of files in progress: more imports than nested calls allowed."""
    from rulerun.dsl.loader import load_measure
    monkeypatch.setenv("RULERUN_CACHE_DIR", "")
    write_import_chain(tmp_path, 500)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        measure = load_measure(tmp_path / "keten.yaml")
    finally:
        sys.setrecursionlimit(limit)
    depth = 0
    while measure.uses:
        measure, depth = measure.uses["n"], depth + 1
    assert (depth, measure.id) == (500, "d499")


def test_a_chain_declared_last_rule_first_is_checked_without_nesting(tmp_path, monkeypatch):
    """Rules are checked after the rules they name: more rules in the chain than nested calls allowed."""
    from rulerun.dsl.analysis import check_measure
    from rulerun.dsl.loader import load_measure
    monkeypatch.setenv("RULERUN_CACHE_DIR", "")
    measure = load_measure(write_rule_chain(tmp_path, 1_500))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        checked = check_measure(measure)
    finally:
        sys.setrecursionlimit(limit)
    assert checked.rules["r1499"][1].tag == "number" and checked.references["r1499"] == ("r1498",)


def test_run_deep_hands_back_results_and_errors():
    def depth(n: int) -> int:
        return 0 if n == 0 else 1 + depth(n - 1)
    assert deep.run_deep(depth, 50_000) == 50_000
    assert deep.run_deep(deep.run_deep, depth, 10) == 10  # on a deep thread, no new one
    with pytest.raises(ZeroDivisionError):
        deep.run_deep(lambda: 1 / 0)
    with pytest.raises(SystemExit):
        deep.run_deep(sys.exit, 3)
    with pytest.raises(MeasureError, match="nests too deeply"):
        deep.run_deep(depth, 10 * deep.MAX_DEPTH)


def _bundled_cases():
    from rulerun.interpreter.formats.cases import read_case
    for path in sorted((ROOT / "measures").glob("*.yaml")):
        measure = load(path)
        for case_path in cases_for(path):
            case = read_case(case_path)
            yield measure, measure.read_facts(case.facts, case.document, ("facts",)), case.on or datetime.date(2024, 1, 1)


def test_rules_set_aside_give_the_same_decisions_and_traces(monkeypatch):
    """Evaluating every rule on its own first (the limit at 1) changes no value, trace or failed condition."""
    from rulerun.interpreter.engine import runtime
    from rulerun.interpreter.engine.evaluator import decide_closures
    cases = list(_bundled_cases())
    usual = [render.decision_json(decide_closures(m, facts, on, True)) for m, facts, on in cases]
    monkeypatch.setattr(runtime, "MAX_NESTED_RULES", 1)
    for (m, facts, on), expected in zip(cases, usual):
        for trace in (True, False):
            assert render.decision_json(decide_closures(m, facts, on, trace), trace) == (
                expected if trace else {k: v for k, v in expected.items() if k != "trace"})


def test_rules_set_aside_are_only_those_the_decision_needs(write, monkeypatch):
    """Short-circuits hold: a rule after a false `and` is not evaluated, so its division by zero is no error."""
    from rulerun.interpreter.engine import runtime
    head = HEAD.format(kind="measure", id="kort") + START
    write("kort.yaml", head + "rules:\n" + _rule("nul", "start - start") + _rule("deling", "start / nul > 1")
          + _rule("a", "start > 5") + _rule("b", "a and deling") + _rule("c", "b or start > 0")
          + "decision:\n  eligible: c\n")
    measure = load("kort.yaml")
    monkeypatch.setattr(runtime, "MAX_NESTED_RULES", 1)
    decision = evaluate(measure, {"start": 1}, datetime.date(2024, 1, 1))
    assert decision.eligible == "yes"
    b = decision.trace[0].children[0].children[0]
    assert (b.id, b.value, [c.id for c in b.children], b.not_needed) == ("b", False, ["a"], ("deling",))
    with pytest.raises(EvaluationError, match="division by zero"):
        evaluate(measure, {"start": 9}, datetime.date(2024, 1, 1))


def test_json_text_writes_what_json_dumps_writes():
    """The iterative JSON writer is byte for byte json.dumps for every bundled case's traced decision."""
    compared = 0
    for measure, facts, on in _bundled_cases():
        data = render.decision_json(measure.evaluate(facts, on))
        assert render.json_text(data) == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
        compared += 1
    assert compared > 20
    odd = {"é": ["", {}, [], None, True, False, 0, -3, 1.5, "\"\\\n\u2028"], "a": {"b": [[1], {"c": {}}]}}
    assert render.json_text(odd) == json.dumps(odd, indent=2, sort_keys=True, ensure_ascii=False)
