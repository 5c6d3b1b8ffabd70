"""Code lenses: the measure's cases run, and each rule's coverage by them."""
from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from rulerun.dsl.yamlsource import Document
from rulerun.interpreter.tools.coverage import Tracker
from rulerun.interpreter.engine.trace import walk

from .casefiles import CaseResult, check_case
from .positions import Units, to_range, utf16
from .workspace import Analysis

#: The command a lens runs: the cases again, with the summary shown.
RUN_CASES = "rulerun.runCases"


def run_cases(analysis: Analysis, cases: dict[Path, str]) -> list[CaseResult]:
    """Every case of the measure, run from the editor's texts."""
    return [check_case(path, text, analysis) for path, text in cases.items()]


def summary(results: list[CaseResult]) -> str:
    """`run 50 cases: 49 passed, 1 failed`."""
    passed = sum(r.passed for r in results)
    return f"run {len(results)} cases: {passed} passed, {len(results) - passed} failed"


def lenses(analysis: Analysis, document: Document, cases: dict[Path, str], uri: str,
           units: Units = utf16) -> list[types.CodeLens]:
    """On the measure, its cases' result; on each of its rules, how many cases evaluate it and what none does."""
    measure, compiled = analysis.measure, analysis.compiled()
    key = document.span(("measure",), key=True)
    if measure is None or compiled is None or measure.kind != "measure" or key is None:
        return []
    results = run_cases(analysis, cases)
    out = [types.CodeLens(to_range(key, units), types.Command(summary(results), RUN_CASES, arguments=[uri]))]
    tracker = Tracker(compiled)
    evaluated: dict[str, int] = {}
    for result in results:
        if result.decision is None:
            continue
        tracker.add(result.decision)
        for name in {node.id for node in walk(result.decision.trace)}:
            evaluated[name] = evaluated.get(name, 0) + 1
    gaps: dict[str, list[str]] = {}
    for gap in tracker.report().gaps:
        if gap.kind in ("true", "false"):
            gaps.setdefault(gap.item, []).append(f"never {gap.kind}")
        elif gap.kind == "row":
            name, _, row = gap.item.partition(" row ")
            gaps.setdefault(name.strip("`"), []).append(f"row {row.strip('`')} never matched")
    for name, rule in measure.rules.items():
        span = document.span(("rules", name), key=True)
        if span is None:
            continue
        title = f"evaluated by {evaluated.get(name, 0)} of {len(results)} cases"
        if name in gaps:
            title += "; " + ", ".join(gaps[name])
        out.append(types.CodeLens(to_range(span, units), types.Command(title, RUN_CASES, arguments=[uri])))
    return out
