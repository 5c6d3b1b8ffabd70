"""Run the YAML cases beside a measure and compare the decisions with what they expect."""
from __future__ import annotations

import datetime
import traceback
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rulerun.dsl.errors import CaseError, RulerunError, render_all
from rulerun.dsl.printable import printable

from ..formats.cases import Case, read_case
from ..formats.expected_names import ExpectNames, checked_expect, entry_span, expect_names
from ..formats.localised import readable
from ..engine.evaluator import CompiledMeasure, load
from .tally import INTERNAL, debugging, internal_error
from ..engine.trace import Decision, walk
from ..engine.values import Unknown, format_value, to_json


@dataclass(frozen=True)
class Difference:
    """One `expect` entry the decision does not match: typed values, shown by `shown` or `machine`."""

    key: str        # the entry, e.g. `amount`, `deadlines.betalen` (names in their normal form)
    expected: object
    actual: object
    tag: str        # a value's type tag; WORD for eligibility, NAMES for a list of names, TEXTS for notes


#: Tags of the differences that are not values of the measure's types.
WORD, NAMES, TEXTS = "word", "names", "texts"


@dataclass
class Outcome:
    """The result of one case: the differences found (empty when it passed)."""

    case: Case
    decision: Decision | None
    differences: list[Difference] = field(default_factory=list)
    error: str | None = None
    exit_code: int = 0  # when the case could not be run: the exit code of its error

    @property
    def passed(self) -> bool:
        """Whether the case passed."""
        return not self.differences and self.error is None


def _word(value) -> str | None:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return None if value is None else str(value)


def shown(value, tag: str, lang: str = "en") -> str:
    """A value of a difference as the reports show values: localised, `null` for none or unknown."""
    if value is None or type(value) is Unknown:
        return "null"
    if tag == WORD:
        return str(value)
    if tag == NAMES:
        return "[" + ", ".join(value) + "]"
    if tag == TEXTS:
        return "[" + ", ".join(f'"{text}"' for text in value) + "]"
    return readable(value, tag, lang)


def machine(value, tag: str):
    """A value of a difference in the JSON form of decisions: decimals and dates as strings, lists as lists."""
    if tag in (WORD, NAMES, TEXTS) or value is None:
        return list(value) if isinstance(value, (list, tuple)) else value
    return to_json(value, tag)


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


def compare(decision: Decision, expect: dict) -> list[Difference]:
    """The differences between a decision and a case's `expect` (any subset of keys, read by read_expected)."""
    out: list[Difference] = []
    if "eligible" in expect and _word(expect["eligible"]) != decision.eligible:
        out.append(Difference("eligible", _word(expect["eligible"]), decision.eligible, WORD))
    if "amount" in expect:
        want = None if expect["amount"] is None else Decimal(str(expect["amount"]))
        got = decision.amount
        if (want is None) != (got is None) or (want is not None and to_json(want, "money") != to_json(got, "money")):
            out.append(Difference("amount", want, got, "money"))
    for key in ("failed", "missing"):
        if key in expect:
            want_names = sorted(str(item) for item in expect[key] or [])
            got_names = sorted(getattr(decision, key))
            if want_names != got_names:
                out.append(Difference(key, want_names, got_names, NAMES))
    for name, want in (expect.get("deadlines") or {}).items():
        got = decision.deadlines.get(name)
        if want != got:
            out.append(Difference(f"deadlines.{name}", want, got, "date"))
    for name, want in (expect.get("values") or {}).items():
        value, tag = decision.outcome.get(name, (None, ""))
        if not _same_value(want, value, tag):
            out.append(Difference(f"values.{name}", want, value, tag))
    for text in expect.get("notes") or []:
        if not any(text in (n["nl"], n["en"]) for n in decision.notes):
            out.append(Difference("notes", [text], [n["en"] for n in decision.notes], TEXTS))
    return out


def run_case(compiled: CompiledMeasure, case: Case, names: ExpectNames | None = None) -> Outcome:
    """Check a case's `expect` against the measure, then evaluate the case and compare."""
    try:
        problems: list = []
        expect: dict = {}
        try:  # before running: a name the measure does not know is an invalid case, not a failing one
            expect = checked_expect(case.expect or {}, names or expect_names(compiled), case.document, (), case.path)
        except CaseError as error:
            problems += error.diagnostics
        try:
            facts = compiled.read_facts(case.facts, case.document, ("facts",))
        except CaseError as error:
            problems += error.diagnostics
        if problems:
            raise CaseError(sorted(problems, key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0)))
        decision = compiled.evaluate(facts, case.on or datetime.date.today())
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


def explain_difference(outcome: Outcome, lang: str = "en") -> list[str]:
    """Lines for a failing case, printable whatever the case holds (control characters escaped)."""
    return [printable(line) for line in _difference_lines(outcome, lang)]


def where(outcome: Outcome, key: str | None = None) -> tuple[int, int]:
    """The line and column of the case's `expect` entry `key` (of `expect:` itself for None; else the case)."""
    document = outcome.case.document
    span = None
    if document is not None and outcome.case.expect is not None:
        span = entry_span(document, (), key) if key else document.span(("expect",), key=True)
    return (span.line, span.column) if span else (outcome.case.line, 1)


def _difference_lines(outcome: Outcome, lang: str) -> list[str]:
    """Expected against actual at each entry's position, and the trace nodes that explain it; or the error."""
    path = outcome.case.path
    if outcome.case.document is None:
        lines = [f"{path}: the case file cannot be read"]
    elif outcome.error:
        what = "is invalid" if outcome.exit_code == CaseError.exit_code else "could not be decided"
        lines = [f"{path}:{outcome.case.line}: case '{outcome.case.name or path}' {what}"]
    else:
        line, column = where(outcome)
        lines = [f"{path}:{line}:{column}: case '{outcome.case.name or path}' failed"]
    if outcome.error:
        return lines + [f"  {line}" if line else "" for line in outcome.error.splitlines()]
    for difference in sorted(outcome.differences, key=lambda d: where(outcome, d.key)):
        line, column = where(outcome, difference.key)
        expected, actual = (shown(v, difference.tag, lang) for v in (difference.expected, difference.actual))
        lines.append(f"  {path}:{line}:{column}: {difference.key}: expected {expected}, got {actual}")
    decision = outcome.decision
    assert decision is not None  # a case that ran has a decision
    interesting = set(decision.failed) | {d.key.split(".")[-1] for d in outcome.differences}
    for node in walk(decision.trace):
        if node.id in interesting:
            facts = ", ".join(f"{k}={readable(v, t, lang)}" for k, (v, t) in node.facts)
            lines.append(f"  trace: {node.id} = {readable(node.value, node.tag, lang)}  [{node.location}] "
                         f"{node.expression.splitlines()[0] if node.expression else ''}"
                         + (f"  ({facts})" if facts else ""))
    return lines


def as_json(outcome: Outcome) -> dict:
    """A case that did not pass, for `rulerun test --format json`: positions, and values in their JSON form."""
    line, column = where(outcome)
    return {"case": str(outcome.case.path), "line": line, "column": column, "name": outcome.case.name,
            "differences": [{"key": d.key, "line": where(outcome, d.key)[0], "column": where(outcome, d.key)[1],
                             "expected": machine(d.expected, d.tag), "actual": machine(d.actual, d.tag)}
                            for d in sorted(outcome.differences, key=lambda d: where(outcome, d.key))],
            "error": outcome.error}


def run_measure(path: Path, name_filter: str | None = None, compiled: CompiledMeasure | None = None) -> list[Outcome]:
    """Run every case of the measure at `path` whose name or file contains `name_filter`."""
    # A case file that cannot be read is an outcome with its error whatever the filter: its name is unknown.
    compiled = compiled or load(path)
    names = expect_names(compiled)
    outcomes = []
    for case_path in cases_for(path):
        try:
            case = read_case(case_path)
        except RulerunError as error:
            outcomes.append(_unreadable(case_path, error))
            continue
        if name_filter and name_filter not in (case.name or "") and name_filter not in case_path.name:
            continue
        outcomes.append(run_case(compiled, case, names))
    return outcomes
