"""Hover: what a name means, in the measure's words, with the legal source behind it."""
from __future__ import annotations

import os
from pathlib import Path

from rulerun.dsl.builtins import AGGREGATES, FUNCTIONS
from rulerun.dsl.measure import Citation, Fact, Measure, Parameter, Rule

from .model import SIGNATURES, Model, Target


def describe(model: Model, target: Target, checked=None) -> str | None:
    """Markdown for a target, or None when it is not known."""
    if target.kind == "function":
        return _function(target.name)
    if target.kind == "fact":
        fact = model.fact(target.name)
        return _fact(target.name, fact) if fact is not None else None
    measure = model.files.get(target.file)
    if measure is None:
        return None
    if target.kind == "rule" and target.name in measure.rules:
        qualified = model.prefixes.get(target.file, "") + target.name
        kind = checked.rules[qualified][1] if checked is not None and qualified in checked.rules else None
        return _rule(measure, measure.rules[target.name], kind)
    if target.kind == "parameter" and target.name in measure.parameters:
        return _parameter(measure, measure.parameters[target.name])
    if target.kind == "alias" and target.name in measure.uses:
        used = measure.uses[target.name]
        relative = os.path.relpath(used.file, Path(measure.file).parent)
        return f"**import** `{target.name}`: `{relative}`\n\n{used.title.en} ({used.title.nl})"
    if target.kind == "source" and target.name in measure.sources:
        doc = measure.sources[target.name]
        return f"**source** `{doc.id}`: [{doc.title}]({doc.url})\n\n{doc.url}" + (f"\n\n{doc.note}" if doc.note else "")
    return None


def _function(name: str) -> str | None:
    if name in FUNCTIONS:
        return f"**function** `{FUNCTIONS[name].signature}`\n\n{FUNCTIONS[name].doc}"
    if name in AGGREGATES:
        return f"**aggregate** `{SIGNATURES[name + '(…)']}`"
    return None


def _fact(path: str, fact: Fact) -> str:
    lines = [f"**fact** `{path}`: {fact.type}", "", f"{fact.label.en} ({fact.label.nl})"]
    if fact.question is not None:
        lines += ["", f"Question: {fact.question.en}", f"Vraag: {fact.question.nl}"]
    if fact.note:
        lines += ["", fact.note]
    return "\n".join(lines)


def _citation(measure: Measure, citation: Citation | None) -> str:
    if citation is None:
        return "no source"
    doc = measure.sources.get(citation.ref)
    if doc is None:
        return f"`{citation.ref}` (not listed under `sources`)"
    section = f", {citation.section}" if citation.section else ""
    return f"[{doc.title}]({doc.url}){section} ({doc.id}: {doc.url})"


def _rule(measure: Measure, rule: Rule, kind) -> str:
    head = f"**rule** `{rule.id}`" + (f": {kind}" if kind is not None else "")
    lines = [head, "", f"{rule.label.en} ({rule.label.nl})", "", f"Source: {_citation(measure, rule.source)}"]
    if rule.note:
        lines += ["", rule.note]
    lines += ["", "```", rule.text, "```"]
    return "\n".join(lines)


def _parameter(measure: Measure, parameter: Parameter) -> str:
    lines = [f"**parameter** `{parameter.name}`", "", f"{parameter.label.en} ({parameter.label.nl})", "",
             f"Source: {_citation(measure, parameter.source)}", ""]
    for version in parameter.versions:
        when = (f"from {version.since}" if version.since else "always") + (
            f" until {version.until}" if version.until else "")
        if version.values is not None:
            value = ", ".join(f"{k}: {_written(v)}" for k, v in version.values.items())
        else:
            value = _written(version.value)
        source = f" ({_citation(measure, version.source)})" if version.source is not None else ""
        lines.append(f"- {when}: `{value}`{source}")
    if parameter.note:
        lines += ["", parameter.note]
    return "\n".join(lines)


def _written(node) -> str:
    """A value as written, on one line; a value that does not parse (partial loading) keeps no text."""
    if node is None:
        return "(does not parse)"
    return node.span.text if node.span.line == node.span.end_line else "…"
