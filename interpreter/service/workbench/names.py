"""The names the editor completes inside expressions: facts, rules, parameters and the built-in functions."""
from __future__ import annotations

from rulerun.dsl.builtins import AGGREGATES, CONSTANTS, FUNCTIONS
from rulerun.dsl.measure import Fact

from ...engine.evaluator import CompiledMeasure

#: What an aggregate over a list gives, for the completion's detail line.
_AGGREGATE_DOCS = {
    "sum": "the sum over a list: sum(x.amount for each x in list)",
    "count": "how many items of a list (that meet `where`): count(each x in list where …)",
    "any": "whether some item of a list meets the condition: any(each x in list where …)",
    "all": "whether every item of a list meets the condition: all(… for each x in list)",
}


def completions(compiled: CompiledMeasure) -> list[dict]:
    """Every name an expression of the measure may use, with its kind (`type`, as CodeMirror names it) and detail."""
    checked = compiled.checked
    out: list[dict] = []
    for fact in checked.facts.values():
        out += _fact(fact, "")
    out += [{"label": name, "type": "class", "detail": rule.label.as_dict()}
            for name, (rule, _type, _scope) in checked.rules.items()]
    out += [{"label": name, "type": "constant", "detail": parameter.label.as_dict()}
            for name, (parameter, _type) in checked.parameters.items()]
    out += [{"label": name, "type": "function", "detail": _english(function.signature), "info": function.doc,
             "apply": f"{name}("} for name, function in FUNCTIONS.items()]
    out += [{"label": name, "type": "function", "detail": _english(_AGGREGATE_DOCS[name]), "apply": f"{name}("}
            for name in AGGREGATES if name not in FUNCTIONS]
    out += [{"label": name, "type": "keyword", "detail": _english(f"the {kind} built in to every measure")}
            for name, kind in CONSTANTS.items()]
    return out


def _fact(fact: Fact, prefix: str) -> list[dict]:
    path = f"{prefix}{fact.name}"
    out = [{"label": path, "type": "variable", "detail": fact.label.as_dict()}]
    for field in fact.fields.values():
        out += _fact(field, path + ".")
    return out


def _english(text: str) -> dict:
    """The built-ins are documented in English only; the page falls back to it in Dutch."""
    return {"en": text}
