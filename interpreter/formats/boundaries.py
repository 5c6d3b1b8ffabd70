"""What would change the outcome, in words: the boundary of each failed condition as a reader says it."""
from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from rulerun.dsl import ast

from ..engine.trace import Decision, TraceNode, walk
from .labels import Labels
from .localised import readable

if TYPE_CHECKING:  # solved only for a failed condition
    from ..engine.boundary import Boundary

#: How a comparison reads, per language: for dates, and for other values.
RELATIONS = {
    "en": {"date": {"<=": "on or before", "<": "before", ">=": "on or after", ">": "after", "=": "on", "!=": "not on"},
           "other": {"<=": "at most", "<": "less than", ">=": "at least", ">": "more than", "=": "exactly",
                     "!=": "other than"}},
    "nl": {"date": {"<=": "uiterlijk", "<": "vóór", ">=": "vanaf", ">": "na", "=": "op", "!=": "niet op"},
           "other": {"<=": "ten hoogste", "<": "minder dan", ">=": "ten minste", ">": "meer dan", "=": "precies",
                     "!=": "niet"}},
}
TO_MEET = {"en": "to meet it: {subject} {relation} {limit}", "nl": "om te voldoen: {subject} {relation} {limit}"}


def failed_boundaries(compiled, decision: Decision) -> dict[str, Boundary | None]:
    """The boundary of each failed condition of `decision` (None where no single value would change it)."""
    if not decision.failed:
        return {}  # nothing to solve: the checked measure is not asked for (a measure from the cache checks lazily)
    from ..engine.boundary import boundary
    checked = compiled.checked
    nodes: dict[str, TraceNode] = {}
    for node in walk(decision.trace):
        if node.kind in ("expr", "table"):
            nodes.setdefault(node.id, node)
    out = {name: boundary(checked, nodes[name]) if name in nodes else None for name in decision.failed}
    if "window" in out and "window" not in nodes:
        out["window"] = _window_boundary(checked, decision)
    return out


def _window_boundary(checked, decision: Decision) -> Boundary | None:
    """For a closed window: the date fact the reference date is, on or before the last day (or from the first)."""
    from ..engine.boundary import Boundary
    window, written, day = checked.measure.window, checked.measure.reference_date, decision.reference_date
    if window is None or not isinstance(day, datetime.date) or not isinstance(written, ast.Name):
        return None
    ref = checked.typing.refs.get(id(written))
    if ref is None or ref.kind != "fact":
        return None  # a reference date computed by a rule: no single fact to change
    path = ".".join((ref.name, *ref.fields))
    if window.end is not None and day > window.end:
        return Boundary(path, "fact", day, "<=", window.end, "date")
    if window.start is not None and day < window.start:
        return Boundary(path, "fact", day, ">=", window.start, "date")
    return None


def describe(found: Boundary, labels: Labels, lang: str) -> str:
    """`to meet it: Date of the support application on or before 24 March 2022`."""
    words = RELATIONS[lang]
    kind = "date" if isinstance(found.limit, datetime.date) else "other"
    return TO_MEET[lang].format(subject=labels.of(found.subject, lang), relation=words[kind][found.relation],
                                   limit=readable(found.limit, found.tag, lang))


def failed_json(found: dict, decision: Decision, labels: Labels) -> list[dict]:
    """The failed conditions as JSON: id, labels and the boundary (`found`, null when none)."""
    return [{"id": name, "label": {"nl": labels.of(name, "nl"), "en": labels.of(name, "en")},
             "boundary": found[name].as_json() if found[name] is not None else None} for name in decision.failed]
