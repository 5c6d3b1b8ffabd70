"""Validate documents against JSON Schemas and turn errors into positioned diagnostics."""
from __future__ import annotations

import functools
import json
from pathlib import Path

from . import cache, schemapass
from .names import did_you_mean
from .errors import Diagnostic
from .yamlsource import Document

_KIND_REQUIRED = {
    "measure": ["measure", "title", "summary", "authority", "sources", "decision"],
    "definitions": ["definitions", "title", "sources"],
}


@functools.cache
def _schema_text() -> str:
    # The package `rulerun.schemas` is this folder's sibling, installed or not: read as grammar.lark is, without
    # importlib.resources, which imports zipfile and tempfile (some 20 ms of a first load) to find it.
    beside = Path(__file__).parent.parent / "schemas" / "measure.schema.json"
    if beside.is_file():
        return beside.read_text("utf-8")
    from importlib import resources  # a layout where it is elsewhere
    return resources.files("rulerun.schemas").joinpath("measure.schema.json").read_text("utf-8")


@functools.cache
def measure_schema() -> dict:
    """The JSON Schema of measure files, shipped in the package."""
    return json.loads(_schema_text())


@functools.cache
def _validator():
    import jsonschema  # imported here: the hot path of a checked measure never needs it
    return jsonschema.Draft202012Validator(measure_schema())


def validate(document: Document) -> list[Diagnostic]:
    """All schema problems of a measure document, best first within each location."""
    # A text that passed this very schema before passes again: skip importing and walking the schema.
    if cache.passed("schema", _schema_text(), document.source.text):
        return []
    problems = _problems(document)
    if not problems:
        cache.remember("schema", _schema_text(), document.source.text)
    return problems


def _problems(document: Document) -> list[Diagnostic]:
    seen: set[tuple] = set()
    out: list[Diagnostic] = []
    data = document.data
    if isinstance(data, dict):
        kind = "definitions" if "definitions" in data else "measure"
        missing = [k for k in _KIND_REQUIRED[kind] if k not in data]
        for key in missing:
            out.append(Diagnostic(f"missing key `{key}` (a {kind} file needs "
                                  + ", ".join(f"`{k}`" for k in _KIND_REQUIRED[kind]) + ")",
                                  document.span(()), None))
            seen.add(((), "required", key))
        if kind == "definitions":
            for key in ("decision", "window", "measure"):
                if key in data:
                    out.append(Diagnostic(f"a definitions file has no `{key}`", document.span((key,), key=True),
                                          "move it to the measure that imports this file"))
    try:
        if schemapass.meets(data, measure_schema()):
            return out  # jsonschema would find nothing: it is imported only to word problems
    except schemapass.Unsure:
        pass
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        for diagnostic in _diagnostics(error, document):
            found = (tuple(error.absolute_path), diagnostic.message)
            if found not in seen:
                seen.add(found)
                out.append(diagnostic)
    return out


def _diagnostics(error, document: Document) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    where = _json_path(path)
    span = document.span(path)
    if "propertyNames" in error.schema_path and isinstance(error.instance, str):
        # A key's name is wrong: point at that key, not at the mapping that holds it.
        span = document.span(path + (error.instance,), key=True) or span
    if error.validator == "oneOf" and not path:
        return []
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        out = []
        for key in extra:
            hint = did_you_mean(key, allowed) or ("allowed keys: " + ", ".join(allowed) if allowed else None)
            out.append(Diagnostic(f"unknown key `{key}` in {where}", document.span(path + (key,), key=True), hint))
        return out
    if error.validator == "required":
        key = error.message.split("'")[1] if "'" in error.message else error.message
        return [Diagnostic(f"missing key `{key}` in {where}", span)]
    if error.validator in ("oneOf", "anyOf"):
        options = [s.get("required") for s in error.validator_value]
        if all(isinstance(o, list) and len(o) >= 1 for o in options) and isinstance(error.instance, dict):
            names = [o[0] for o in options]
            present = [n for n in names if n in error.instance]
            choice = ", ".join(f"`{n}`" for n in names)
            if not present:
                return [Diagnostic(f"{where} needs one of {choice}", span)]
            if len(present) > 1:
                return [Diagnostic(f"{where} has both " + " and ".join(f"`{p}`" for p in present)
                                   + "; give only one", document.span(path + (present[1],), key=True))]
        best = _deepest(error)
        if best is not error:
            return _diagnostics(best, document)
        return [Diagnostic(f"{where} is not valid: {_plain(error)}", span)]
    if error.validator == "enum":
        allowed = [str(v) for v in error.validator_value]
        return [Diagnostic(f"`{error.instance}` is not allowed for {where}; use one of " + ", ".join(allowed),
                           span, did_you_mean(str(error.instance), allowed))]
    if error.validator == "type":
        want = error.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        return [Diagnostic(f"{where} must be {_a(want)}, not {_describe(error.instance)}", span)]
    if error.validator == "pattern" and isinstance(error.instance, str):
        if error.validator_value.startswith("^\\d{4}"):
            return [Diagnostic(f"{where} must be a date written YYYY-MM-DD, not `{error.instance}`", span)]
        if error.validator_value.startswith("^[A-Za-z_]") or error.validator_value.startswith("^[a-z0-9]"):
            return [Diagnostic(f"`{error.instance}` is not a valid name for {where}", span,
                               "names use letters, digits and `_` (ids: lowercase letters, digits and `-`)")]
        return [Diagnostic(f"`{error.instance}` does not have the form required for {where}", span,
                           f"it must match {error.validator_value}")]
    if error.validator in ("minItems", "minProperties", "minLength"):
        return [Diagnostic(f"{where} must not be empty", span)]
    if error.validator == "propertyNames":
        return [Diagnostic(f"`{error.instance}` is not a valid name in {where}", span,
                           "names use letters, digits and `_`")]
    if error.validator == "uniqueItems":
        return [Diagnostic(f"{where} lists a value twice", span)]
    return [Diagnostic(f"{where}: {_plain(error)}", span)]


def _deepest(error):
    best = error
    for sub in error.context or ():
        candidate = _deepest(sub) if sub.context else sub
        if len(candidate.absolute_path) > len(best.absolute_path) or best is error:
            best = candidate
    return best


def _plain(error) -> str:
    return error.message.replace("'", "`")


def _json_path(path: tuple) -> str:
    if not path:
        return "the file"
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return f"`{text}`"


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _describe(value) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text `{value}`"
    return f"`{value}`"
