"""A measure's bundled cases for the workbench: run with pass/fail, coverage by legal source, impact of an edit."""
from __future__ import annotations

import datetime
import functools
from pathlib import Path
from typing import Any

from rulerun.dsl.analysis import reachable_rules
from rulerun.dsl.errors import RulerunError
from rulerun.dsl.measure import Citation

from ...engine.evaluator import CompiledMeasure
from ...formats.cases import read_case
from ...tools import impact
from ...tools.coverage import Coverage, Tracker
from ...tools.testing import Outcome, cases_for, run_measure, shown, where
from .plain import plain


def case_files(path: Path) -> list[dict]:
    """The bundled cases of a measure: file name, title and the case itself as JSON data."""
    out: list[dict[str, Any]] = []
    for case_path in cases_for(path):
        try:
            case = read_case(case_path)
        except RulerunError as error:
            out.append({"file": case_path.stem, "name": None, "error": error.diagnostics[0].message})
            continue
        out.append({"file": case_path.stem, "name": case.name,
                    "case": {"facts": plain(case.facts or {}), "on": case.on.isoformat() if case.on else None}})
    return out


def run(path: Path, compiled: CompiledMeasure, lang: str) -> dict:
    """Every bundled case under `compiled`, with the differences of each failure and the coverage by source."""
    outcomes = run_measure(path, None, compiled)
    tracker = Tracker(compiled)
    for outcome in outcomes:
        if outcome.decision is not None:
            tracker.add(outcome.decision)
    passed = sum(o.passed for o in outcomes)
    return {"passed": passed, "failed": len(outcomes) - passed, "cases": [_outcome(o, lang) for o in outcomes],
            "coverage": by_source(compiled, tracker, tracker.report(lang), lang)}


def _outcome(outcome: Outcome, lang: str) -> dict:
    decision = outcome.decision
    return {"file": Path(outcome.case.path).stem, "name": outcome.case.name, "line": outcome.case.line,
            "passed": outcome.passed, "error": outcome.error,
            "differences": [{"key": d.key, "expected": shown(d.expected, d.tag, lang), "actual": shown(d.actual, d.tag, lang),
                             "line": where(outcome, d.key)[0]} for d in outcome.differences],
            "eligible": decision.eligible if decision is not None else None,
            "failed": list(decision.failed) if decision is not None else []}


def by_source(compiled: CompiledMeasure, tracker: Tracker, coverage: Coverage, lang: str) -> dict:
    """The coverage report's totals, and each reachable rule and each gap under the legal source it cites."""
    checked = compiled.checked
    measure = compiled.measure
    main_file = measure.source.name if measure.source is not None else None
    groups: dict[str, dict] = {}

    def group(ref: str) -> dict:
        if ref not in groups:
            doc = measure.sources.get(ref) or next(
                (m.sources[ref] for m in measure.uses.values() if ref in m.sources), None)
            groups[ref] = {"ref": ref, "title": doc.title if doc else None, "url": doc.url if doc else None,
                           "rules": [], "gaps": []}
        return groups[ref]

    found = reachable_rules(checked.references, checked.references.get("<decision>", ()))
    for name in (n for n in checked.rules if n in found):
        rule = checked.rules[name][0]
        span = rule.span
        here = span is not None and span.source.name == main_file
        group(_ref(rule.source))["rules"].append({
            "name": name, "label": rule.label.get(lang), "section": rule.source.section if rule.source else None,
            "evaluated": name in tracker.rules, "outcomes": sorted(str(v).lower() for v in tracker.outcomes.get(name, ())),
            "line": span.line if here and span is not None else None, "file": None if here or span is None else span.source.name})
    for gap in coverage.gaps:
        group(gap.source.split(" ", 1)[0] if gap.source != "(no source)" else "(no source)")["gaps"].append(
            {"kind": gap.kind, "item": gap.item, "message": gap.message, "section": gap.source})
    return {"cases": coverage.cases,
            "totals": {k: {"covered": c, "total": t} for k, (c, t) in coverage.totals.items()},
            "sources": sorted(groups.values(), key=lambda g: g["ref"])}


def _ref(citation: Citation | None) -> str:
    return citation.ref if citation is not None else "(no source)"


def compare(path: Path, saved: CompiledMeasure, edited: CompiledMeasure, on: datetime.date) -> dict:
    """The impact of the edit over the measure's bundled cases: `rulerun diff`'s report as JSON."""
    folder = path.parent / "cases" / path.stem
    items = impact.read_case_folder(folder) if folder.is_dir() else iter(())
    return impact.as_json(impact.compare(saved, edited, items, on))


@functools.lru_cache(maxsize=64)
def counts(path: Path, compiled: CompiledMeasure, version: str) -> dict:
    """How many bundled cases pass and fail under a served version (worked out once per version)."""
    outcomes = run_measure(path, None, compiled)
    passed = sum(o.passed for o in outcomes)
    return {"passed": passed, "failed": len(outcomes) - passed}
