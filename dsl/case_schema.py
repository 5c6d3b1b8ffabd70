"""Derive a JSON Schema for the case files of a measure from its fact declarations."""
from __future__ import annotations

from .measure import Fact

_DATE = {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}


def fact_schema(fact: Fact) -> dict:
    """The JSON Schema of one fact's value."""
    kind = fact.type.kind
    base: dict = {"title": fact.label.nl, "description": fact.question.en if fact.question else fact.label.en}
    if kind == "bool":
        base["type"] = "boolean"
    elif kind == "number":
        base["type"] = ["number", "string"]
    elif kind == "money":
        base.update({"type": ["number", "string"], "pattern": "^\\s*(€|EUR)?\\s*-?\\d[\\d_]*(\\.\\d{1,2})?\\s*$"})
    elif kind == "percent":
        base.update({"type": "string", "pattern": "^\\s*-?\\d[\\d_]*(\\.\\d+)?\\s*%\\s*$"})
    elif kind == "date":
        base.update(_DATE)
    elif kind == "duration":
        base.update({"type": ["integer", "string"]})
    elif kind == "text":
        base["type"] = "string"
        if fact.pattern is not None:
            base["pattern"] = f"^(?:{fact.pattern.text})$"
    elif kind == "enum":
        base["enum"] = list(fact.type.values or ())
    elif kind == "record":
        base.update(_object(fact.fields, required=False))
    elif kind == "list":
        item = fact_schema(fact.item) if fact.item else _object(fact.fields, required=True)
        base.update({"type": "array", "items": item})
    return base


def _object(fields: dict[str, Fact], required: bool) -> dict:
    schema = {"type": "object", "additionalProperties": False,
              "properties": {name: fact_schema(f) for name, f in fields.items()}}
    if required:
        schema["required"] = [n for n, f in fields.items() if not f.optional]
    return schema


def case_schema(measure_id: str, facts: dict[str, Fact]) -> dict:
    """The JSON Schema of a case file for the measure with these facts."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"case for {measure_id}",
        "type": "object",
        "additionalProperties": False,
        "required": ["facts"],
        "properties": {
            "id": {"type": ["string", "integer"], "description": "The case's id, as a batch record has it."},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "on": _DATE,
            "facts": _object(facts, required=False),
            "expect": {"type": "object"},
        },
    }
