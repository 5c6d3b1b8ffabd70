"""The outline of a measure file: its facts (with their fields), parameters, rules and decision."""
from __future__ import annotations

from lsprotocol import types

from rulerun.dsl.source import Span
from rulerun.dsl.yamlsource import Document

from .positions import Units, to_range, utf16

_SECTIONS = {"facts": types.SymbolKind.Field, "parameters": types.SymbolKind.Constant,
             "rules": types.SymbolKind.Function}


def symbols(document: Document, units: Units = utf16) -> list[types.DocumentSymbol]:
    """The document's symbols, read from its YAML so that an outline shows while expressions have errors."""
    data = document.data if isinstance(document.data, dict) else {}
    out = []
    for section, kind in _SECTIONS.items():
        entries = data.get(section)
        if not isinstance(entries, dict) or not entries:
            continue
        children = [_symbol(document, (section, name), kind, units) for name in entries]
        out.append(_symbol(document, (section,), types.SymbolKind.Namespace, units, [c for c in children if c]))
    if isinstance(data.get("decision"), dict):
        parts = [_symbol(document, ("decision", key), types.SymbolKind.Property, units) for key in data["decision"]]
        out.append(_symbol(document, ("decision",), types.SymbolKind.Object, units, [p for p in parts if p]))
    return [s for s in out if s is not None]


def _symbol(document: Document, path: tuple, kind: types.SymbolKind, units: Units,
            children: list | None = None) -> types.DocumentSymbol | None:
    key = document.keys.get(path)
    value = document.nodes.get(path)
    if key is None or value is None:
        return None
    if children is None and path[0] == "facts":
        fields = _value(document, path + ("fields",))
        children = [_symbol(document, path + ("fields", name), types.SymbolKind.Field, units)
                    for name in (fields if isinstance(fields, dict) else {})]
        children = [c for c in children if c]
    selection = to_range(Span(document.source, key.line, key.column, key.end_line, key.end_column), units)
    whole = to_range(Span(document.source, key.line, key.column, value.end_line, value.end_column), units)
    detail = _detail(document, path)
    return types.DocumentSymbol(str(path[-1]), kind, whole, selection, detail=detail, children=children or None)


def _value(document: Document, path: tuple):
    value = document.data
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _detail(document: Document, path: tuple) -> str | None:
    value = _value(document, path)
    if not isinstance(value, dict):
        return None
    label = value.get("label")
    text = label.get("en") if isinstance(label, dict) else None
    kind = value.get("type")
    return " · ".join(str(x) for x in (kind, text) if x) or None
