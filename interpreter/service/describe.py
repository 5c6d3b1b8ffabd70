"""What the service tells about a measure: its summary for the list, and its facts, parameters and outputs."""
from __future__ import annotations

from rulerun.dsl import ast
from rulerun.dsl.measure import Citation, Fact, Measure, Parameter

from ..engine.values import negate, to_json
from .problems import diagnostic_json
from .registry import Entry


def summary(entry: Entry) -> dict:
    """An entry as `GET /measures` lists it: id, title, window, content hash and status."""
    out: dict = {"id": entry.id, "status": entry.status, "hash": None, "title": None, "window": None}
    if entry.served is not None:
        measure = entry.served.compiled.measure
        out.update(hash=entry.served.hash, title=measure.title.as_dict(), window=_window(measure))
    return out


def detail(entry: Entry) -> dict:
    """An entry as `GET /measures/{id}` shows it: the served version in full, and the errors of the file's text."""
    out = summary(entry)
    out["errors"] = [diagnostic_json(d) for d in entry.errors]
    if entry.served is None:
        return out
    compiled = entry.served.compiled
    measure = compiled.measure
    out.update({
        "summary": measure.summary.as_dict() if measure.summary else None,
        "authority": measure.authority,
        "loaded_at": entry.served.loaded_at.isoformat(timespec="seconds"),
        "warnings": [diagnostic_json(d) for d in entry.served.warnings],
        "reference_date": measure.reference_text,
        "facts": [fact_json(f) for f in compiled.checked.facts.values()],
        "parameters": [parameter_json(name, p, measure) for name, (p, _t) in compiled.checked.parameters.items()],
        "outputs": {
            "eligible": compiled.eligible.text,
            "amount": compiled.amount.text if compiled.amount else None,
            "deadlines": [{"id": p.id, "label": p.label, "expression": p.text} for p in compiled.deadlines],
            "values": [{"id": p.id, "label": p.label, "expression": p.text, "type": p.tag} for p in compiled.values],
        },
        "sources": {k: {"title": s.title, "url": s.url} for k, s in measure.sources.items()},
    })
    return out


def _window(measure: Measure) -> dict | None:
    window = measure.window
    if window is None:
        return None
    return {"from": window.start.isoformat() if window.start else None,
            "until": window.end.isoformat() if window.end else None}


def fact_json(fact: Fact) -> dict:
    """A fact: name, type, label, question, and what its values may be."""
    out: dict = {"name": fact.name, "type": fact.type.kind, "label": fact.label.as_dict(),
                 "question": fact.question.as_dict() if fact.question else None}
    if fact.type.kind == "enum":
        out["values"] = list(fact.type.values or ())
    if fact.type.kind == "duration":
        out["unit"] = fact.type.unit
    for key in ("minimum", "maximum"):
        if getattr(fact, key) is not None:
            out[key] = to_json(getattr(fact, key), fact.type.tag)
    if fact.pattern:
        out["pattern"] = fact.pattern
    if fact.optional:
        out["optional"] = True
    if fact.fields:
        out["fields"] = [fact_json(f) for f in fact.fields.values()]
    if fact.item is not None:
        out["items"] = fact_json(fact.item)
    return out


def parameter_json(name: str, parameter: Parameter, measure: Measure) -> dict:
    """A parameter with its dated versions and the sources they cite."""
    return {
        "name": name, "label": parameter.label.as_dict(), "source": _citation(parameter.source, measure),
        "versions": [{
            "from": v.since.isoformat() if v.since else None,
            "until": v.until.isoformat() if v.until else None,
            **({"value": _literal(v.value)} if v.value is not None
               else {"values": {k: _literal(n) for k, n in (v.values or {}).items()}}),
            "source": _citation(v.source, measure) if v.source else None,
        } for v in parameter.versions],
    }


def _citation(citation: Citation, measure: Measure) -> dict:
    source = measure.sources.get(citation.ref)
    if source is None:  # a parameter of an imported file cites that file's sources
        source = next((m.sources[citation.ref] for m in measure.uses.values() if citation.ref in m.sources), None)
    return {"ref": citation.ref, "section": citation.section,
            "title": source.title if source else None, "url": source.url if source else None}


def _literal(node: ast.Expr | None):
    """A parameter's value as JSON: a literal's value, or the text written in the file (None for neither)."""
    if node is None:  # a value that did not parse; a checked measure has none
        return None
    if isinstance(node, ast.Literal):
        return to_json(node.value, "money" if node.kind == "money" else node.kind)
    if isinstance(node, ast.Unary) and node.op == "neg" and isinstance(node.operand, ast.Literal):
        return to_json(negate(node.operand.value), node.operand.kind)
    return node.span.text if node.span else None
