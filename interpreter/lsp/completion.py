"""Completion inside expressions: names, fields after `.`, keys in `[...]`, enum values, functions, source ids."""
from __future__ import annotations

import re
from pathlib import Path

from lsprotocol import types

from rulerun.dsl.builtins import AGGREGATES, CONSTANTS, FUNCTIONS
from rulerun.dsl.measure import Measure
from rulerun.dsl.yamlsource import YamlProblem, parse_yaml

from .model import SIGNATURES, Model

KEYWORDS = ("if", "then", "else", "and", "or", "not", "in", "for", "each", "where", "true", "false")
_REF = re.compile(r"\bref:\s*[\w-]*$")
_DOTTED = re.compile(r"([A-Za-z_][\w.]*)\.(\w*)$")
_KEY = re.compile(r"([A-Za-z_][\w.]*)\[\s*\"?(\w*)$")
_ENUM = re.compile(r"([A-Za-z_][\w.]*)\s*(?:=|!=|not in|in)\s*\[?(?:\s*\"[^\"]*\"\s*,)*\s*\"(\w*)$")
_VARIABLE = re.compile(r"each\s+(\w+)\s+in\s+([A-Za-z_][\w.]*)")
_Kind = types.CompletionItemKind
#: How much of the line before the cursor is read (a name, a key, a list of enum values).
_CONTEXT = 400
#: The last keys of the YAML values that hold expressions.
_EXPRESSION_KEYS = {"expr", "when", "then", "otherwise", "value", "eligible", "amount", "reference_date",
                    "minimum", "maximum"}
_EMPTY_VALUE = re.compile(r"\s*(?:-\s+)?(\w+):\s*")


def expression_at(text: str, path: Path, line: int, column: int) -> str | None:
    """The text of the expression at a position; the line when the YAML cannot be read; None outside one."""
    try:
        document = parse_yaml(text, str(path), dates_as_text=True)
    except YamlProblem:
        return text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    for key, info in document.nodes.items():
        inside = (info.line, info.column) <= (line, column) <= (info.end_line, info.end_column)
        if inside and info.raw is not None and key and _is_expression(key):
            return info.raw
    # A key with no value yet (`expr: ` and the cursor after it) has no node at the cursor.
    lines = text.splitlines()
    current = lines[line - 1][:column - 1] if 0 < line <= len(lines) else ""
    match = _EMPTY_VALUE.match(current)
    return current[match.end():] if match and match.group(1) in _EXPRESSION_KEYS else None


def _is_expression(key: tuple) -> bool:
    names = [k for k in key if isinstance(k, str)]
    if key[0] == "decision" and len(key) >= 2 and key[1] in ("deadlines", "values"):
        return True
    if key[0] == "parameters" and "values" in names:
        return True
    return names[-1] in _EXPRESSION_KEYS if names else False


def complete(model: Model, measure: Measure, before: str, expression: str) -> list[types.CompletionItem]:
    """The items for the text `before` the cursor on its line; `expression` is the whole expression's text."""
    before = before[-_CONTEXT:]  # what decides the items is near the cursor; a long line stays fast
    if _REF.search(before):
        return [types.CompletionItem(ident, kind=_Kind.Reference, detail=doc.title, documentation=doc.url)
                for ident, doc in measure.sources.items()]
    variables = {var: source for var, source in _VARIABLE.findall(expression)}
    if before.count('"') % 2 == 1:
        match = _ENUM.search(before)
        if match is None:
            return []
        fact = model.fact(_fact_path(match.group(1), variables))
        values = fact.type.values if fact is not None and fact.type.kind == "enum" else ()
        return [types.CompletionItem(v, kind=_Kind.EnumMember, detail=f"a value of `{match.group(1)}`")
                for v in values or ()]
    match = _KEY.search(before)
    if match:
        parameter = _parameter(measure, match.group(1))
        keys = parameter.keys if parameter is not None else None
        return [types.CompletionItem(f'"{k}"', kind=_Kind.EnumMember, detail=f"a key of `{match.group(1)}`",
                                     insert_text=k if before.rstrip().endswith('"') else f'"{k}"')
                for k in keys or ()]
    match = _DOTTED.search(before)
    if match:
        return _members(model, measure, match.group(1), variables)
    return _names(model, measure)


def _fact_path(dotted: str, variables: dict[str, str]) -> str:
    head, _, rest = dotted.partition(".")
    if head in variables:
        return variables[head] + (f".{rest}" if rest else "")
    return dotted


def _parameter(measure: Measure, dotted: str):
    alias, _, name = dotted.partition(".")
    if name and alias in measure.uses:
        return measure.uses[alias].parameters.get(name)
    return measure.parameters.get(dotted)


def _members(model: Model, measure: Measure, base: str, variables: dict[str, str]) -> list[types.CompletionItem]:
    """After `base.`: an import's rules and parameters, or a fact's (or list item's) fields."""
    if base in measure.uses:
        used = measure.uses[base]
        return _rules_and_parameters(used)
    fact = model.fact(_fact_path(base, variables))
    if fact is None:
        return []
    return [types.CompletionItem(name, kind=_Kind.Field, detail=str(field.type),
                                 documentation=f"{field.label.en} ({field.label.nl})")
            for name, field in fact.fields.items()]


def _rules_and_parameters(measure: Measure) -> list[types.CompletionItem]:
    items = [types.CompletionItem(name, kind=_Kind.Function, detail="rule",
                                  documentation=f"{rule.label.en} ({rule.label.nl})")
             for name, rule in measure.rules.items()]
    items += [types.CompletionItem(name, kind=_Kind.Constant, detail="parameter",
                                   documentation=f"{p.label.en} ({p.label.nl})")
              for name, p in measure.parameters.items()]
    return items


def _names(model: Model, measure: Measure) -> list[types.CompletionItem]:
    items = _rules_and_parameters(measure)
    items += [types.CompletionItem(name, kind=_Kind.Variable, detail=f"fact: {fact.type}",
                                   documentation=f"{fact.label.en} ({fact.label.nl})")
              for name, fact in model.facts.items()]
    items += [types.CompletionItem(alias, kind=_Kind.Module, detail=f"import: {used.title.en}")
              for alias, used in measure.uses.items()]
    items += [types.CompletionItem(name, kind=_Kind.Function, detail=f.signature, documentation=f.doc)
              for name, f in FUNCTIONS.items()]
    items += [types.CompletionItem(name, kind=_Kind.Function, detail=SIGNATURES[name + "(…)"])
              for name in AGGREGATES if name not in FUNCTIONS]
    items += [types.CompletionItem(name, kind=_Kind.Constant, detail=tag) for name, tag in CONSTANTS.items()]
    items += [types.CompletionItem(word, kind=_Kind.Keyword) for word in KEYWORDS]
    return items
