"""Why a decision changed between two versions of a measure: the measure's changes that its traces show it met."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.trace import Decision, TraceNode, walk
from ..engine.values import Unknown, format_value
from .changes import Mark, MeasureChange

#: The category of a changed decision that none of the measure's changes explains.
UNEXPLAINED = "not explained: none of the measure's changes appears in the trace of either decision"

_PARTS = {"eligible": "eligible", "conditions": "eligible", "amount": "amount"}


@dataclass
class Category:
    """Changed decisions with the same effect and the same causes."""

    name: str
    effect: str
    causes: list[str]
    cases: list[str] = field(default_factory=list)


def marks(decision: Decision) -> dict[Mark, str]:
    """What the decision's trace met, each with the value it had there (to tell what differs between two)."""
    out: dict[Mark, str] = {}
    for node in walk(decision.trace):
        if node.kind in ("expr", "table"):
            out[("rule", node.id)] = _shown(node.value, node.tag)
        elif node.kind in _PARTS:
            out[("part", _PARTS[node.kind])] = _shown(node.value, node.tag)
        elif node.kind in ("deadline", "value"):
            out[("part", node.kind, node.id)] = _shown(node.value, node.tag)
        elif node.kind == "window":
            out[("window",)] = _shown(node.value, node.tag)
        for read in node.parameters:
            out[("parameter", read.name, read.since)] = _shown(read.value, read.tag)
        for path, (value, tag) in node.facts:
            out[("fact", path)] = _shown(value, tag)
    if "window" in decision.failed:
        out[("window",)] = "false"
    if decision.reference_date is not None:
        out[("reference",)] = decision.reference_date.isoformat()
    return out


def _shown(value, tag: str) -> str:
    return "unknown" if type(value) is Unknown else format_value(value, tag)


def effect(before: Decision, after: Decision) -> str:
    """What changed in the decision, the weightiest first: eligibility, amount, deadlines, failed, missing."""
    if before.eligible != after.eligible:
        return f"eligibility {before.eligible} -> {after.eligible}"
    if before.amount != after.amount:
        return "amount changed"
    if before.deadlines != after.deadlines:
        return "deadlines changed"
    if before.failed != after.failed:
        return "failed conditions changed"
    return "missing facts changed"


def causes(changes: list[MeasureChange], before: Decision, after: Decision) -> list[MeasureChange]:
    """The measure's changes behind a changed decision.

    Followed down from the parts of the decision whose values differ (eligibility, the amount, a
    deadline, the window), through the rules whose values differ on both sides, to the changed
    rules, the parameter reads that differ and the rules one side alone needed. When that path meets
    none of the changes, those whose marks appear anywhere in either trace; an empty list when
    neither (the decision is then UNEXPLAINED).
    """
    found = _path_marks(before, after)
    direct = [c for c in changes if _meets(c.marks, found)]
    if direct:
        return direct
    old, new = marks(before), marks(after)
    return [c for c in changes if _meets(c.marks, old.keys() | new.keys())]


def _path_marks(before: Decision, after: Decision) -> set[Mark]:
    """The marks met on the way down from each part of the decision that differs between the two traces."""
    found: set[Mark] = set()
    if before.reference_date != after.reference_date:
        found.add(("reference",))
    old_parts, new_parts = _parts(before), _parts(after)
    for key in old_parts.keys() | new_parts.keys():
        was, now = old_parts.get(key), new_parts.get(key)
        if was is None or now is None:
            # A part one version decides and the other does not; the amount of a decision no longer
            # eligible (or newly so) follows from its eligibility, whose path is followed instead.
            if not (key == ("part", "amount") and before.eligible != after.eligible):
                found.add(key)
        elif _value(was) != _value(now):
            found.add(key)
            _descend(was, now, found, set())
    return found


def _parts(decision: Decision) -> dict[Mark, TraceNode]:
    """The trace's nodes of the parts that make a decision changed (the reported values do not)."""
    out: dict[Mark, TraceNode] = {}
    for node in decision.trace:
        if node.kind in _PARTS:
            out[("part", _PARTS[node.kind])] = node
        elif node.kind == "deadline":
            out[("part", node.kind, node.id)] = node
        elif node.kind == "window":
            out[("window",)] = node
    return out


def _descend(was: TraceNode, now: TraceNode, found: set[Mark], seen: set[tuple[int, int]]) -> None:
    """Marks of two nodes whose values differ, and of the children that differ or that one side alone needed."""
    if (id(was), id(now)) in seen:
        return
    seen.add((id(was), id(now)))
    if was.kind in ("expr", "table"):
        found.add(("rule", was.id))
    if now.kind in ("expr", "table"):
        found.add(("rule", now.id))
    reads_old = {(r.name, r.since): _shown(r.value, r.tag) for r in was.parameters}
    reads_new = {(r.name, r.since): _shown(r.value, r.tag) for r in now.parameters}
    found |= {("parameter", *key) for key in reads_old.keys() | reads_new.keys()
              if reads_old.get(key) != reads_new.get(key)}
    facts_old, facts_new = dict(was.facts), dict(now.facts)
    found |= {("fact", path) for path in facts_old.keys() | facts_new.keys()
              if (path in facts_old) != (path in facts_new)}
    old_children, new_children = {c.id: c for c in was.children}, {c.id: c for c in now.children}
    for ident in old_children.keys() | new_children.keys():
        a, b = old_children.get(ident), new_children.get(ident)
        if a is None or b is None:
            found.add(("rule", ident))  # needed by one version only: a reference added or removed
        elif _value(a) != _value(b):
            _descend(a, b, found, seen)


def _value(node: TraceNode) -> str:
    return _shown(node.value, node.tag)


def _meets(change_marks: frozenset, seen: set) -> bool:
    for mark in change_marks:
        if mark in seen:
            return True
        # A fact's declaration bears on the fields below it, and a record's on the record.
        if mark[0] == "fact" and any(m[0] == "fact" and (m[1].startswith(mark[1] + ".") or
                                                          mark[1].startswith(m[1] + ".")) for m in seen):
            return True
    return False


def categorise(changes: list[MeasureChange], pairs) -> list[Category]:
    """Each changed decision (id, before, after) in a category named by its effect and its causes."""
    found: dict[tuple, Category] = {}
    for ident, before, after in pairs:
        what = effect(before, after)
        behind = causes(changes, before, after)
        key = (what, tuple(c.id for c in behind))
        if key not in found:
            name = f"{what} because " + " and ".join(f"{c.id} {c.change}" for c in behind) if behind else \
                f"{what}, {UNEXPLAINED}"
            found[key] = Category(name, what, [c.id for c in behind])
        found[key].cases.append(ident)
    return sorted(found.values(), key=lambda c: (-len(c.cases), c.name))
