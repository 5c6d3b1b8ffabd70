"""Run the YAML cases beside a measure and compare the decisions with what they expect."""
from __future__ import annotations

import datetime
import traceback
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rulerun.dsl.errors import RulerunError, render_all
from rulerun.dsl.printable import printable

from ..formats.cases import Case, read_case
from ..formats.expectations import read_expected
from ..engine.evaluator import CompiledMeasure, load
from .tally import INTERNAL, debugging, internal_error
from ..engine.trace import Decision, walk
from ..engine.values import Unknown, format_value, to_json


@dataclass
class Outcome:
    """The result of one case: the differences found (empty when it passed)."""

    case: Case
    decision: Decision | None
    differences: list[tuple[str, str, str]] = field(default_factory=list)  # (key, expected, actual) as shown
    error: str | None = None
    exit_code: int = 0  # when the case could not be run: the exit code of its error

    @property
    def passed(self) -> bool:
        """Whether the case passed."""
        return not self.differences and self.error is None


def _normal(value):
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return None if value is None else str(value)


def _shown(value, tag: str) -> str:
    """A value as a case file writes it, for a difference: never a Python repr."""
    if value is None or type(value) is Unknown:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return format_value(value, tag)


def _same_value(expected, actual, tag: str) -> bool:
    if expected is None or actual is None or type(actual) is Unknown:
        return expected is None and (actual is None or type(actual) is Unknown)
    if isinstance(expected, str) and tag in TYPED:  # not read by type (the language server's quick look)
        return expected.strip() in (to_json(actual, tag), format_value(actual, tag).replace(" ", ""))
    if isinstance(expected, str):
        return expected == to_json(actual, tag)
    return expected == actual and isinstance(expected, bool) == isinstance(actual, bool)


#: The types whose expected values are read by a fact's reader (expectations.read_expected).
TYPED = frozenset({"money", "percent", "number", "date", "bool", "days", "months"})


def compare(decision: Decision, expect: dict) -> list[tuple[str, str, str]]:
    """The differences between a decision and a case's `expect` (any subset of keys), as texts to show."""
    out: list[tuple[str, str, str]] = []
    if "eligible" in expect and _normal(expect["eligible"]) != decision.eligible:
        out.append(("eligible", _normal(expect["eligible"]), decision.eligible))
    if "amount" in expect:
        actual = to_json(decision.amount, "money") if decision.amount is not None else None
        want = expect["amount"]
        if (want is None) != (actual is None) or (want is not None and to_json(Decimal(str(want)), "money") != actual):
            out.append(("amount", _shown(want, ""), _shown(actual, "")))
    for key in ("failed", "missing"):
        if key in expect:
            want = sorted(str(item) for item in expect[key] or [])
            got = sorted(getattr(decision, key))
            if want != got:
                out.append((key, _shown(want, ""), _shown(got, "")))
    for name, want in (expect.get("deadlines") or {}).items():
        if name not in decision.deadlines:
            out.append((f"deadlines.{name}", _shown(want, "date"), "no such deadline"))
        elif _normal(want) != _normal(decision.deadlines[name]):
            out.append((f"deadlines.{name}", _shown(want, "date"), _shown(decision.deadlines[name], "date")))
    for name, want in (expect.get("values") or {}).items():
        if name not in decision.outcome:
            out.append((f"values.{name}", _shown(want, ""), "no such value"))
            continue
        value, tag = decision.outcome[name]
        if not _same_value(want, value, tag):
            out.append((f"values.{name}", _shown(want, tag), _shown(value, tag)))
    for text in expect.get("notes") or []:
        if not any(text in (n["nl"], n["en"]) for n in decision.notes):
            out.append(("notes", text, _shown([n["en"] for n in decision.notes], "")))
    return out


def run_case(compiled: CompiledMeasure, case: Case) -> Outcome:
    """Evaluate one case and compare it with its expectations."""
    try:
        facts = compiled.read_facts(case.facts, case.document, ("facts",))
        decision = compiled.evaluate(facts, case.on or datetime.date.today())
        expect = read_expected(case.expect or {}, decision.outcome, case.document, (), case.path)
        return Outcome(case, decision, compare(decision, expect))
    except RulerunError as error:
        return Outcome(case, None, error=render_all(error.diagnostics), exit_code=error.exit_code)
    except Exception:  # noqa: BLE001 - a bug met by one case must not lose the results of the others
        return _internal(case)


def _internal(case: Case) -> Outcome:
    message = internal_error(f"{case.path}:{case.line}")
    if debugging():
        message = traceback.format_exc() + message
    return Outcome(case, None, error=message, exit_code=INTERNAL)


def _unreadable(case_path: Path, error: RulerunError) -> Outcome:
    """A case file that cannot be read as a case: it fails with its error, positioned in the file."""
    case = Case(str(case_path), None, None, None, None)
    return Outcome(case, None, error=render_all(error.diagnostics), exit_code=error.exit_code)


def cases_for(measure_path: Path) -> list[Path]:
    """The case files of a measure: `cases/<measure id>/*.yaml` beside it."""
    folder = measure_path.parent / "cases" / measure_path.stem
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def explain_difference(outcome: Outcome) -> list[str]:
    """Lines for a failing case, printable whatever the case holds (control characters escaped)."""
    return [printable(line) for line in _difference_lines(outcome)]


def _difference_lines(outcome: Outcome) -> list[str]:
    """Expected against actual, and the trace nodes that explain it; or the error that stopped the case."""
    lines = [f"{outcome.case.path}:{outcome.case.line}: case '{outcome.case.name or outcome.case.path}' failed"]
    if outcome.case.document is None:
        lines = [f"{outcome.case.path}: the case file cannot be read"]
    if outcome.error:
        return lines + [f"  {line}" if line else "" for line in outcome.error.splitlines()]
    for key, want, got in outcome.differences:
        lines.append(f"  {key}: expected {want}, got {got}")
    decision = outcome.decision
    assert decision is not None  # a case is decided unless it stopped with an error
    interesting = set(decision.failed) | {k.split(".")[-1] for k, _, _ in outcome.differences}
    for node in walk(decision.trace):
        if node.id in interesting:
            value = format_value(node.value, node.tag) if type(node.value) is not Unknown else "unknown"
            facts = ", ".join(f"{k}={format_value(v, t)}" for k, (v, t) in node.facts)
            lines.append(f"  trace: {node.id} = {value}  [{node.location}] {node.expression.splitlines()[0] if node.expression else ''}"
                         + (f"  ({facts})" if facts else ""))
    return lines


def run_measure(path: Path, name_filter: str | None = None, compiled: CompiledMeasure | None = None) -> list[Outcome]:
    """Run every case of the measure at `path` whose name or file contains `name_filter`."""
    # A case file that cannot be read is an outcome with its error whatever the filter: its name is unknown.
    compiled = compiled or load(path)
    outcomes = []
    for case_path in cases_for(path):
        try:
            case = read_case(case_path)
        except RulerunError as error:
            outcomes.append(_unreadable(case_path, error))
            continue
        if name_filter and name_filter not in (case.name or "") and name_filter not in case_path.name:
            continue
        outcomes.append(run_case(compiled, case))
    return outcomes
