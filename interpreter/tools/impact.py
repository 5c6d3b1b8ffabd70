"""The impact of an edit: decide the same cases under two versions of a measure and compare."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Iterator

from rulerun.dsl.errors import RulerunError

from .batch import BAD_ID, INTERNAL, Item, make_item
from .causes import Category, categorise
from .changes import MeasureChange, compare_measures
from ..formats.cases import read_case
from ..engine.evaluator import CompiledMeasure
from ..engine.trace import Decision, TraceNode, walk
from ..engine.values import Unknown, format_value


@dataclass
class Change:
    """One case whose decision differs, with the rules whose values differ."""

    id: str
    before: Decision
    after: Decision
    rules: list[tuple[str, str, str]] = field(default_factory=list)   # (rule, before, after)

    @property
    def delta(self) -> Decimal:
        """The change of the amount (a missing amount counts as zero)."""
        return (self.after.amount or Decimal(0)) - (self.before.amount or Decimal(0))


@dataclass
class Impact:
    """What changed over all cases."""

    cases: int = 0
    changes: list[Change] = field(default_factory=list)
    errors: list[tuple[str | None, str, int]] = field(default_factory=list)  # id (None: unreadable), why, line
    internal: int = 0   # how many of the errors are bugs in rulerun met by a case
    total_before: Decimal = Decimal("0.00")
    total_after: Decimal = Decimal("0.00")
    measure_changes: list[MeasureChange] = field(default_factory=list)  # the causes, before the effects
    categories: list[Category] = field(default_factory=list)   # every changed decision in exactly one

    def flips(self) -> dict[str, int]:
        """Counts of eligibility changes such as `yes -> no`."""
        out: dict[str, int] = {}
        for change in self.changes:
            if change.before.eligible != change.after.eligible:
                key = f"{change.before.eligible} -> {change.after.eligible}"
                out[key] = out.get(key, 0) + 1
        return dict(sorted(out.items()))

    def largest(self, n: int = 10) -> list[Change]:
        """The changes with the largest amount difference first, then the eligibility flips."""
        return sorted(self.changes, key=lambda c: (-abs(c.delta), c.id))[:n]


def compare(old: CompiledMeasure, new: CompiledMeasure, items: Iterator[Item], on: datetime.date) -> Impact:
    """Decide every case under both versions and collect the differences; a case that cannot be decided is listed."""
    impact = Impact(measure_changes=compare_measures(old, new))
    for item in items:
        impact.cases += 1
        ident = item.id
        if item.problem or ident is None:  # a case whose id cannot be read has its problem
            impact.errors.append((ident, item.problem or BAD_ID, item.line))
            continue
        day = item.on or on
        try:
            old_facts, new_facts = old.read_facts(item.facts), new.read_facts(item.facts)
            before, after = old.evaluate(old_facts, day, trace=False), new.evaluate(new_facts, day, trace=False)
            if _outcome(before) != _outcome(after):
                # Only a changed decision needs its trace, to name the rules that changed.
                before, after = old.evaluate(old_facts, day), new.evaluate(new_facts, day)
        except RulerunError as error:
            impact.errors.append((item.id, "; ".join(d.message for d in error.diagnostics), item.line))
            continue
        except Exception as error:  # noqa: BLE001 - one case's bug must not lose the comparison of the others
            impact.errors.append((item.id, f"{INTERNAL} ({type(error).__name__}); please report it with this case",
                                  item.line))
            impact.internal += 1
            continue
        impact.total_before += before.amount or 0
        impact.total_after += after.amount or 0
        if _outcome(before) != _outcome(after):
            impact.changes.append(Change(ident, before, after, _rule_differences(before, after)))
    impact.categories = categorise(impact.measure_changes, [(c.id, c.before, c.after) for c in impact.changes])
    return impact


#: The case files of a folder: YAML, and JSON (which the YAML reader reads as well).
CASE_SUFFIXES = (".yaml", ".yml", ".json")


def read_case_folder(folder: Path) -> Iterator[Item]:
    """Cases from a folder of case files, YAML or JSON (their `expect` is not used)."""
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in CASE_SUFFIXES):
        try:
            case = read_case(path)
        except RulerunError as error:
            yield Item(1, path.stem, None, None, "; ".join(d.message for d in error.diagnostics))
            continue
        yield make_item(case.line, path.stem, case.on, case.facts)


def _outcome(decision: Decision) -> tuple:
    return (decision.eligible, decision.amount, tuple(sorted(decision.deadlines.items())), decision.failed,
            decision.missing)


def _values(nodes: tuple[TraceNode, ...]) -> dict[str, TraceNode]:
    # Rules only, not the decision's own parts (eligible, amount, deadlines).
    return {node.id: node for node in walk(nodes) if node.kind in ("expr", "table")}


def _show(node: TraceNode) -> str:
    return "unknown" if type(node.value) is Unknown else format_value(node.value, node.tag)


def _rule_differences(before: Decision, after: Decision) -> list[tuple[str, str, str]]:
    """Rules whose value differs, in the order of the new trace; rules only one side needed are skipped."""
    old, new = _values(before.trace), _values(after.trace)
    out = []
    for name, node in new.items():
        if name in old and _show(old[name]) != _show(node):
            out.append((name, _show(old[name]), _show(node)))
    return out


def render_text(impact: Impact, old_name: str, new_name: str, limit: int = 10) -> list[str]:
    """The impact report for the terminal."""
    lines = [f"{new_name} against {old_name}", *causes_text(impact), f"over {impact.cases} case(s):",
             f"  decisions changed: {len(impact.changes)}"]
    delta = impact.total_after - impact.total_before
    for flip, count in impact.flips().items():
        lines.append(f"  eligible {flip}: {count}")
    amounts = sum(1 for c in impact.changes if c.before.amount != c.after.amount)
    lines.append(f"  amounts changed: {amounts}")
    lines.append(f"  total amount: € {impact.total_before:.2f} -> € {impact.total_after:.2f} "
                 f"({'+' if delta >= 0 else '-'}€ {abs(delta):.2f})")
    if impact.errors:
        lines.append(f"  cases that could not be decided: {len(impact.errors)}")
        # A record whose id cannot be read is named by its line.
        lines += [f"    {f'line {line}' if ident is None else ident}: {message}"
                  for ident, message, line in impact.errors]
    if impact.changes:
        lines.append("  largest changes:")
    for change in impact.largest(limit):
        b, a = change.before, change.after
        head = f"    {change.id}: eligible {b.eligible} -> {a.eligible}" if b.eligible != a.eligible else f"    {change.id}:"
        if b.amount != a.amount:
            head += f" amount {_money(b.amount)} -> {_money(a.amount)}"
        lines.append(head)
        if set(a.failed) != set(b.failed):
            lines.append(f"      failed: {', '.join(b.failed) or '-'} -> {', '.join(a.failed) or '-'}")
        for name, old, new in change.rules[:6]:
            lines.append(f"      {name}: {old} -> {new}")
    return lines


def causes_text(impact: Impact, shown_cases: int = 5) -> list[str]:
    """The measure's changes, then every changed decision in its category: the causes before the effects."""
    lines = [f"changes to the measure: {len(impact.measure_changes)}" if impact.measure_changes
             else "changes to the measure: none that can change a decision"]
    lines += [f"  {c.id}: {c.change}" + (f", {c.detail}" if c.detail else "") for c in impact.measure_changes]
    if impact.categories:
        lines.append(f"changed decisions by cause: {len(impact.changes)}")
    for category in impact.categories:
        more = len(category.cases) - shown_cases
        listed = ", ".join(str(i) for i in category.cases[:shown_cases]) + (f", … {more} more" if more > 0 else "")
        lines.append(f"  {category.name}: {len(category.cases)} ({listed})")
    return lines


def _money(value) -> str:
    return "none" if value is None else f"€ {value:.2f}"


def as_json(impact: Impact) -> dict:
    """The impact report as JSON data."""
    def money(value):
        return None if value is None else f"{value:.2f}"
    category_of = {ident: category for category in impact.categories for ident in category.cases}
    return {
        "measure_changes": [{"id": c.id, "kind": c.kind, "change": c.change, "detail": c.detail}
                            for c in impact.measure_changes],
        "categories": [{"category": c.name, "effect": c.effect, "causes": c.causes, "count": len(c.cases),
                        "cases": c.cases} for c in impact.categories],
        "cases": impact.cases, "changed": len(impact.changes), "flips": impact.flips(),
        "total_before": money(impact.total_before), "total_after": money(impact.total_after),
        "errors": [{"id": i, "line": n, "error": m} for i, m, n in impact.errors],
        "changes": [{"id": c.id, "category": category_of[c.id].name, "causes": category_of[c.id].causes,
                     "eligible": [c.before.eligible, c.after.eligible],
                     "amount": [money(c.before.amount), money(c.after.amount)],
                     "failed": [list(c.before.failed), list(c.after.failed)],
                     "rules": [{"rule": r, "before": o, "after": n} for r, o, n in c.rules]}
                    for c in impact.largest(len(impact.changes))],
    }
