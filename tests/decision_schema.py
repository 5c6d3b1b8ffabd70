"""A decision's JSON checked against schemas/decision.schema.json, node by node: deep traces need no recursion."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "decision.schema.json").read_text("utf-8"))


def _shallow() -> dict:
    """The schema with each node's children checked as objects only: the nodes below are validated one by one."""
    schema = copy.deepcopy(SCHEMA)
    schema["$defs"]["node"]["anyOf"][1]["properties"]["children"]["items"] = {"type": "object"}
    return schema


_VALIDATOR = jsonschema.Draft202012Validator(_shallow())
_NODE = jsonschema.Draft202012Validator({"$defs": _shallow()["$defs"], "$ref": "#/$defs/node"})


def validate_decision(text: str | dict) -> None:
    """Raise jsonschema.ValidationError unless `text` (or the data it holds) is a decision as the schema describes it."""
    data = json.loads(text) if isinstance(text, str) else text
    _VALIDATOR.validate(data)
    pending = list(data.get("trace", []))
    while pending:
        node = pending.pop()
        _NODE.validate(node)
        pending += node.get("children", [])
