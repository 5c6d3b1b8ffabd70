"""What changed between two versions of a measure: parameters and their versions, rules, tables, facts, the decision."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from ..engine.evaluator import CompiledMeasure
from ..engine.values import format_value

#: What a decision's trace can show it met: ("rule", id), ("parameter", name, since), ("fact", path),
#: ("part", kind, id) for the decision's own parts, ("window",) and ("reference",).
Mark = tuple


@dataclass(frozen=True)
class MeasureChange:
    """One structural difference between the old and the new version, and the trace marks of what it changed."""

    id: str          # how reports name it: `parameter tarief from 2020-01-01`, `rule genoeg`
    kind: str        # parameter, rule, table, fact, condition, eligible, amount, deadline, value, window,
                     # reference_date or note
    change: str      # added, removed or changed
    detail: str      # the old and new text or value, e.g. `30% -> 35%`
    marks: frozenset[Mark] = frozenset()


def compare_measures(old: CompiledMeasure, new: CompiledMeasure) -> list[MeasureChange]:
    """Every difference that can change a decision, in a fixed order: parameters, rules, facts, the decision."""
    return [*_parameters(old, new), *_rules(old, new), *_facts(old, new), *_decision(old, new)]


def _parameters(old: CompiledMeasure, new: CompiledMeasure) -> list[MeasureChange]:
    out = []
    before, after = old.program.parameters, new.program.parameters
    for name in _names(before, after):
        if name not in after or name not in before:
            parameter = before.get(name) or after[name]
            change = "removed" if name not in after else "added"
            shown = "; ".join(_version_text(since, value, parameter.tag) for since, value, _s, _u in parameter.versions)
            out.append(MeasureChange(f"parameter {name}", "parameter", change, shown,
                                     frozenset(("parameter", name, v[0]) for v in parameter.versions)))
            continue
        old_versions = {v[0]: (v[1], v[3]) for v in before[name].versions}
        new_versions = {v[0]: (v[1], v[3]) for v in after[name].versions}
        tag_old, tag_new = before[name].tag, after[name].tag
        for since in sorted(set(old_versions) | set(new_versions), key=lambda d: d or datetime.date.min):
            ident = f"parameter {name}" + (f" from {since}" if since else "")
            marks = frozenset({("parameter", name, since)})
            if since not in new_versions:
                out.append(MeasureChange(ident, "parameter", "removed", _value(old_versions[since], tag_old), marks))
            elif since not in old_versions:
                out.append(MeasureChange(ident, "parameter", "added", _value(new_versions[since], tag_new), marks))
            elif _value(old_versions[since], tag_old) != _value(new_versions[since], tag_new):
                out.append(MeasureChange(ident, "parameter", "changed",
                                         _value_change(old_versions[since], new_versions[since], tag_old, tag_new),
                                         marks))
    return out


def _version_text(since, value, tag: str) -> str:
    return (f"from {since}: " if since else "") + _value((value, None), tag)


def _value(version: tuple, tag: str) -> str:
    value, until = version
    if isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {format_value(v, tag)}" for k, v in value.items()) + "}"
    else:
        text = format_value(value, tag)
    return text + (f" until {until}" if until else "")


def _value_change(old: tuple, new: tuple, tag_old: str, tag_new: str) -> str:
    """`30% -> 35%`; for a value per key only the keys that differ: `klein: 30% -> 35%`."""
    if isinstance(old[0], dict) and isinstance(new[0], dict) and old[1] == new[1]:
        parts = []
        for key in [*old[0], *(k for k in new[0] if k not in old[0])]:
            was = format_value(old[0][key], tag_old) if key in old[0] else "none"
            now = format_value(new[0][key], tag_new) if key in new[0] else "none"
            if was != now:
                parts.append(f"{key}: {was} -> {now}")
        return ", ".join(parts)
    return f"{_value(old, tag_old)} -> {_value(new, tag_new)}"


def _rules(old: CompiledMeasure, new: CompiledMeasure) -> list[MeasureChange]:
    out = []
    before, after = old.program.rules, new.program.rules
    for name in _names(before, after):
        marks = frozenset({("rule", name)})
        if name not in after or name not in before:
            rule = before.get(name) or after[name]
            out.append(MeasureChange(f"rule {name}", "rule", "removed" if name not in after else "added",
                                     _quoted(rule.expression), marks))
            continue
        was, now = before[name], after[name]
        if was.expression == now.expression:
            continue
        if was.kind == now.kind == "table":
            out += _rows(name, was.expression.splitlines(), now.expression.splitlines(), marks)
        else:
            out.append(MeasureChange(f"rule {name}", "rule", "changed",
                                     f"{_quoted(was.expression)} -> {_quoted(now.expression)}", marks))
    return out


def _rows(name: str, was: list[str], now: list[str], marks: frozenset) -> list[MeasureChange]:
    """A table's rows compared one by one: each row that differs, and rows added or removed at the end."""
    out = []
    for i in range(max(len(was), len(now))):
        ident = f"table {name} row {i + 1}"
        if i >= len(now):
            out.append(MeasureChange(ident, "table", "removed", _quoted(was[i]), marks))
        elif i >= len(was):
            out.append(MeasureChange(ident, "table", "added", _quoted(now[i]), marks))
        elif was[i] != now[i]:
            out.append(MeasureChange(ident, "table", "changed", f"{_quoted(was[i])} -> {_quoted(now[i])}", marks))
    return out


def _facts(old: CompiledMeasure, new: CompiledMeasure) -> list[MeasureChange]:
    out = []
    before, after = _declarations(old.checked.facts), _declarations(new.checked.facts)
    for path in _names(before, after):
        marks = frozenset({("fact", path)})
        if path not in after or path not in before:
            out.append(MeasureChange(f"fact {path}", "fact", "removed" if path not in after else "added",
                                     (before.get(path) or after[path])["type"], marks))
        elif before[path] != after[path]:
            detail = ", ".join(f"{key} {before[path][key]} -> {after[path][key]}"
                               for key in before[path] if before[path][key] != after[path][key])
            out.append(MeasureChange(f"fact {path}", "fact", "changed", detail, marks))
    return out


def _declarations(facts: dict, prefix: str = "") -> dict[str, dict[str, str]]:
    """Each fact path's declaration as it bears on reading a case: type, unit, values, bounds, pattern."""
    out = {}
    for name, fact in facts.items():
        t = fact.type
        out[prefix + name] = {
            "type": t.kind + (f" of {t.element.kind}" if getattr(t, "element", None) is not None else ""),
            "unit": str(t.unit), "values": ", ".join(t.values or ()), "minimum": str(fact.minimum),
            "maximum": str(fact.maximum), "pattern": str(getattr(fact.pattern, "text", fact.pattern)),
            "optional": str(fact.optional)}
        if fact.fields:
            out.update(_declarations(fact.fields, f"{prefix}{name}."))
    return out


def _decision(old: CompiledMeasure, new: CompiledMeasure) -> list[MeasureChange]:
    out = []
    old_conditions, new_conditions = old.conditions, new.conditions
    for name in _names(dict.fromkeys(old_conditions), dict.fromkeys(new_conditions)):
        if (name in old_conditions) != (name in new_conditions):
            out.append(MeasureChange(f"condition {name}", "condition",
                                     "added" if name in new_conditions else "removed", f"`{name}`",
                                     frozenset({("rule", name)})))
    if old.eligible.text != new.eligible.text and old.plan.eligible_kind == new.plan.eligible_kind == "eligible":
        out.append(MeasureChange("eligible", "eligible", "changed",
                                 f"{_quoted(old.eligible.text)} -> {_quoted(new.eligible.text)}",
                                 frozenset({("part", "eligible")})))
    amount_old, amount_new = old.amount.text if old.amount else None, new.amount.text if new.amount else None
    if amount_old != amount_new:
        change = "added" if amount_old is None else "removed" if amount_new is None else "changed"
        out.append(MeasureChange("amount", "amount", change, _change_text(amount_old, amount_new),
                                 frozenset({("part", "amount")})))
    for kind, before, after in (("deadline", old.deadlines, new.deadlines), ("value", old.values, new.values)):
        texts_old, texts_new = {p.id: p.text for p in before}, {p.id: p.text for p in after}
        for name in _names(texts_old, texts_new):
            if texts_old.get(name) != texts_new.get(name):
                change = ("added" if name not in texts_old else "removed" if name not in texts_new else "changed")
                out.append(MeasureChange(f"{kind} {name}", kind, change,
                                         _change_text(texts_old.get(name), texts_new.get(name)),
                                         frozenset({("part", kind, name)})))
    window_old, window_new = _window(old), _window(new)
    if window_old != window_new:
        out.append(MeasureChange("window", "window", "changed", f"{window_old} -> {window_new}",
                                 frozenset({("window",)})))
    if old.measure.reference_text != new.measure.reference_text:
        out.append(MeasureChange("reference_date", "reference_date", "changed",
                                 _change_text(old.measure.reference_text, new.measure.reference_text),
                                 frozenset({("reference",)})))
    notes_old, notes_new = _notes(old), _notes(new)
    for text in [*(n for n in notes_old if n not in notes_new), *(n for n in notes_new if n not in notes_old)]:
        # A note changes no decision's outcome: it is listed, and no decision is attributed to it.
        out.append(MeasureChange(f"note {_clip(text)}", "note", "removed" if text in notes_old else "added",
                                 _quoted(text)))
    return out


def _window(compiled: CompiledMeasure) -> str:
    window = compiled.measure.window
    if window is None:
        return "always open"
    return f"{window.start or '…'} – {window.end or '…'}"


def _notes(compiled: CompiledMeasure) -> list[str]:
    decision = compiled.measure.decision
    return [note.text.en for note in (decision.notes if decision else ())]


def _change_text(old: str | None, new: str | None) -> str:
    if old is None:
        return _quoted(new or "")
    if new is None:
        return _quoted(old)
    return f"{_quoted(old)} -> {_quoted(new)}"


def _quoted(text: str) -> str:
    """An expression on one line, in backticks: a table's rows joined with `; `."""
    return "`" + "; ".join(" ".join(line.split()) for line in text.splitlines() if line.strip()) + "`"


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _names(before: dict, after: dict) -> list:
    """The keys of both, old order first, then the new ones in their order."""
    return [*before, *(k for k in after if k not in before)]
