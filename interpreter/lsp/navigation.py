"""Go to definition, find references and rename, across a measure's files and cases."""
from __future__ import annotations

import re

from lsprotocol import types

from .model import Model, Occurrence, Target
from .positions import Units, to_range, uri_of, utf16

#: What can be renamed: names declared in the measure files.
RENAMEABLE = ("rule", "parameter", "fact", "alias", "source")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _location(occurrence: Occurrence, model: Model, units: Units) -> types.Location:
    return types.Location(uri_of(model.file_name(occurrence.span)), to_range(occurrence.span, units))


def _unique(locations: list[types.Location]) -> list[types.Location]:
    seen, out = set(), []
    for location in locations:
        key = (location.uri, location.range.start.line, location.range.start.character)
        if key not in seen:
            seen.add(key)
            out.append(location)
    return out


def definition(models: list[Model], target: Target, units: Units = utf16) -> list[types.Location]:
    """Where a target is declared; for an import alias, the imported file as well."""
    out = []
    for model in models:
        if target.kind == "alias" and target.file in model.files:
            used = model.files[target.file].uses.get(target.name)
            if used is not None:
                out.append(types.Location(uri_of(used.file), types.Range(types.Position(0, 0), types.Position(0, 0))))
        out += [_location(o, model, units) for o in model.of(target) if o.declaration]
    return _unique(out)


def references(models: list[Model], target: Target, declaration: bool, units: Units = utf16) -> list[types.Location]:
    """Every place a target is written, its declarations included when asked."""
    return _unique([_location(o, model, units) for model in models for o in model.of(target)
                    if declaration or not o.declaration])


def rename(models: list[Model], target: Target, new_name: str, units: Units = utf16) -> types.WorkspaceEdit:
    """The edits that rename a target everywhere it is written; ValueError when that cannot be done."""
    if target.kind not in RENAMEABLE:
        raise ValueError(f"a {target.kind} cannot be renamed: it is built into the language")
    if not _NAME.match(new_name):
        raise ValueError(f"`{new_name}` is not a name: use letters, digits and `_`, starting with a letter")
    for model in models:
        taken = _taken(model, target)
        if new_name in taken:
            raise ValueError(f"`{new_name}` is already declared; choose another name")
    changes: dict[str, list[types.TextEdit]] = {}
    seen = set()
    for model in models:
        for occurrence in model.of(target):
            location = _location(occurrence, model, units)
            key = (location.uri, location.range.start.line, location.range.start.character)
            if key not in seen:
                seen.add(key)
                changes.setdefault(location.uri, []).append(types.TextEdit(location.range, new_name))
    return types.WorkspaceEdit(changes=changes)


def _taken(model: Model, target: Target) -> set[str]:
    """The names a new name must not clash with, where the target is declared."""
    if target.kind == "fact":
        parent, _, _ = target.name.rpartition(".")
        holder = model.fact(parent) if parent else None
        return set(holder.fields if holder is not None else model.facts)
    measure = model.files.get(target.file)
    if measure is None:
        return set()
    if target.kind in ("rule", "parameter"):
        return set(measure.rules) | set(measure.parameters) | set(model.facts)
    if target.kind == "alias":
        return set(measure.uses) | set(model.facts)
    return set(measure.sources)
