"""A first pass over a document: does it plainly meet the measure schema? Only jsonschema words problems."""
from __future__ import annotations

import re
from typing import Any


class Unsure(Exception):
    """The pass cannot tell for certain (a keyword or value it does not know): let jsonschema decide."""


#: Keywords that say something about a schema but nothing about what meets it.
_NOTES = frozenset({"$schema", "$id", "title", "description", "$defs", "$comment", "examples"})
_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def meets(instance: Any, schema: dict) -> bool:
    """True when `instance` meets `schema` exactly as jsonschema's Draft 2020-12 judges it; raises Unsure otherwise."""
    return _meets(instance, schema, schema)


def _is(instance: Any, kind: str) -> bool:
    if kind == "null":
        return instance is None
    if kind in ("number", "integer"):
        if isinstance(instance, bool) or not isinstance(instance, (int, float)):
            if isinstance(instance, (str, dict, list, bool)) or instance is None:
                return False
            raise Unsure(kind)
        return kind == "number" or isinstance(instance, int) or float(instance).is_integer()
    if not isinstance(instance, (str, dict, list, bool, int, float)) and instance is not None:
        raise Unsure(kind)  # a value of another type (e.g. a date) is left to jsonschema's own judgement
    return isinstance(instance, _TYPES[kind]) if kind in _TYPES else _unknown(kind)


def _unknown(what: str) -> bool:
    raise Unsure(what)


def _meets(instance: Any, schema: Any, root: dict) -> bool:  # noqa: C901 - one branch per keyword
    if schema is True or schema is False:
        return schema
    ok = True
    for key, value in schema.items():
        if key in _NOTES:
            continue
        if key == "$ref":
            if not isinstance(value, str) or not value.startswith("#/$defs/") or "/" in value[8:] or "~" in value:
                raise Unsure(value)
            if value[8:] not in root.get("$defs", {}):
                raise Unsure(value)
            ok = _meets(instance, root["$defs"][value[8:]], root)
        elif key == "type":
            ok = any(_is(instance, kind) for kind in (value if isinstance(value, list) else [value]))
        elif key == "enum":
            ok = any(type(option) is type(instance) and option == instance for option in value)
            if not ok and not isinstance(instance, (str, type(None))):
                raise Unsure("enum")  # numbers and collections compare by jsonschema's own rules
        elif key == "oneOf":
            ok = sum(_meets(instance, option, root) for option in value) == 1
        elif key == "anyOf":
            ok = any([_meets(instance, option, root) for option in value])
        elif key == "not":
            ok = not _meets(instance, value, root)
        elif isinstance(instance, dict):
            ok = _object(key, value, instance, schema, root)
        elif isinstance(instance, list):
            ok = _array(key, value, instance, root)
        elif isinstance(instance, str):
            ok = _string(key, value, instance)
        elif key not in _ANY_KEYWORDS:
            raise Unsure(key)
        if not ok:
            return False
    return True


_OBJECT = frozenset({"properties", "additionalProperties", "required", "minProperties", "propertyNames"})
_ARRAY = frozenset({"items", "minItems", "uniqueItems"})
_STRING = frozenset({"pattern", "minLength"})
#: Keywords for one kind of value, which every other kind meets.
_ANY_KEYWORDS = _OBJECT | _ARRAY | _STRING


def _object(key: str, value: Any, instance: dict, schema: dict, root: dict) -> bool:
    if any(not isinstance(name, str) for name in instance):
        raise Unsure("a key that is not a text")
    if key == "properties":
        return all(_meets(instance[name], sub, root) for name, sub in value.items() if name in instance)
    if key == "additionalProperties":
        if "patternProperties" in schema:
            raise Unsure(key)
        known = schema.get("properties", {})
        return all(_meets(item, value, root) for name, item in instance.items() if name not in known)
    if key == "required":
        return all(name in instance for name in value)
    if key == "minProperties":
        return len(instance) >= value
    if key == "propertyNames":
        return all(_meets(name, value, root) for name in instance)
    if key in _ANY_KEYWORDS:
        return True
    raise Unsure(key)


def _array(key: str, value: Any, instance: list, root: dict) -> bool:
    if key == "items":
        return all(_meets(item, value, root) for item in instance)
    if key == "minItems":
        return len(instance) >= value
    if key == "uniqueItems":
        if not value:
            return True
        if not all(isinstance(item, str) for item in instance):
            raise Unsure(key)  # jsonschema has its own equality for numbers, booleans and collections
        return len(set(instance)) == len(instance)
    if key in _ANY_KEYWORDS:
        return True
    raise Unsure(key)


def _string(key: str, value: Any, instance: str) -> bool:
    if key == "pattern":
        return re.search(value, instance) is not None
    if key == "minLength":
        return len(instance) >= value
    if key in _ANY_KEYWORDS:
        return True
    raise Unsure(key)
