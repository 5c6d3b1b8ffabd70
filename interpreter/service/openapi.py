"""The OpenAPI document, with the case schema of every measure served, so clients can generate forms and types."""
from __future__ import annotations

import copy

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from rulerun.dsl.case_schema import case_schema

from .registry import Registry

_CASE_PATHS = ("/measures/{measure_id}/decide", "/measures/{measure_id}/explain", "/measures/{measure_id}/questions")


def with_case_schemas(app: FastAPI, registry: Registry) -> dict:
    """The document for the measures served now (built afresh: a swapped measure brings its new schema)."""
    if app.openapi_schema is None:
        app.openapi_schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                         routes=app.routes)
    document = copy.deepcopy(app.openapi_schema)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    refs = []
    for entry in registry.entries():
        if entry.served is None:
            continue
        checked = entry.served.compiled.checked
        schema = case_schema(checked.measure.id, checked.facts)
        schema.pop("$schema", None)
        name = f"case-{entry.id}"
        schemas[name] = schema
        refs.append({"$ref": f"#/components/schemas/{name}"})
        path = f"/measures/{entry.id}/decide"
        document["paths"][path] = _specific(document["paths"]["/measures/{measure_id}/decide"]["post"], name)
    for path in _CASE_PATHS:
        body = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        body["schema"] = {"oneOf": refs} if refs else {"type": "object"}
    return document


def _specific(operation: dict, schema: str) -> dict:
    """The decide operation of one measure, its body typed by that measure's case schema."""
    out = copy.deepcopy(operation)
    out["operationId"] = f"decide_{schema.removeprefix('case-').replace('-', '_')}"
    out["parameters"] = [p for p in out.get("parameters", []) if p.get("name") != "measure_id"]
    out["requestBody"]["content"]["application/json"]["schema"] = {"$ref": f"#/components/schemas/{schema}"}
    return {"post": out}
