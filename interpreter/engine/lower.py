"""Lowering: a checked measure turned once into its lowered form (ir.py), what every back-end reads.

`lower_measure` walks the checked expressions with the checker's side tables (`Typing`) and gives a
`LoweredMeasure`: rules in slots, references resolved, result types attached, where Unknown can
occur marked, and each operator and function bound once to its implementation by `bind`, as the
`operation` of an `ir.Apply`. The side tables stop here: the traced back-end (compile.py) and the
code writer (codegen.py) read only the lowered form, an operation's `kind` and `key` saying what
to compute (a Python operator for a key the writer knows) and `impl` how.
"""
from __future__ import annotations

from typing import Any, Callable

from rulerun.dsl import ast
from rulerun.dsl.analysis import CheckedMeasure
from rulerun.dsl.builtins import COMPARING, FUNCTIONS, OPERATORS
from rulerun.dsl.checker import Typing
from rulerun.dsl.measure import Fact, Rule, row_label

from . import ir
from .bounds import declared
from .functions import rounded_division
from .ir import ARITHMETIC, COMPARISON, FUNCTION, MATCH, NEGATION, QUOTIENT
from .operation import Operation


def bind(node: ast.Binary | ast.Unary | ast.Call, typing: Typing) -> Operation:
    """The operation `node` computes (not `and`, `or` or `not`: those are three-valued logic)."""
    tag = typing.types[id(node)].tag
    if isinstance(node, ast.Unary):
        entry = OPERATORS[("-", typing.types[id(node.operand)].tag)]  # the only unary operator besides `not`
        return Operation(NEGATION, entry.key, entry.impl, (node.operand,), node, tag)
    if isinstance(node, ast.Binary):
        if node.op in COMPARING:
            entry = OPERATORS[(node.op,)]
            return Operation(COMPARISON, entry.key, entry.impl, (node.left, node.right), node, tag)
        entry = OPERATORS[(node.op, typing.types[id(node.left)].tag, typing.types[id(node.right)].tag)]
        return Operation(ARITHMETIC, entry.key, entry.impl, (node.left, node.right), node, tag)
    function = FUNCTIONS[node.func]
    division = rounded_division(node, typing)
    if division is not None and function.quotient is not None:
        return Operation(QUOTIENT, node.func, function.quotient, (division.left, division.right), division, tag)
    if function.impl is None:  # `matches`: the pattern is checked text, compiled once by the checker
        return Operation(MATCH, node.func, typing.patterns[id(node)].fullmatch, (node.args[0],), node, tag)
    return Operation(FUNCTION, node.func, function.impl, tuple(node.args), node, tag, function.variadic)


# -- the whole measure ------------------------------------------------------------------------


class Lowerer:
    """Lowers the checked expressions of one measure to IR nodes (`ir.py`), reading the checker's side tables."""

    def __init__(self, typing: Typing, facts: dict[str, Fact], slots: dict[str, int] | None = None,
                 rule_tags: dict[str, str] | None = None):
        self.typing = typing
        self.facts = facts  # the declarations, for the bounds an absent fact keeps
        self.slots = slots or {}
        self.rule_tags = rule_tags or {}
        self.rule_unknown: dict[str, bool] = {}  # rules lowered so far; one not yet lowered may be unknown
        self.reference_unknown = True  # whether the reference date (and so a parameter read) may be unknown
        self.loop_vars: list[tuple[str, bool]] = []  # (name, whether its item may be unknown), innermost last

    def lower(self, node: ast.Expr) -> ir.Node:
        """The IR node for `node`."""
        return _LOWERERS[type(node)](self, node)

    def tag(self, node: ast.Expr) -> str:
        """The type tag the checker inferred for `node`."""
        return self.typing.types[id(node)].tag

    def _literal(self, node: ast.Literal) -> ir.Node:
        return ir.Literal(self.tag(node), False, node, node.value)

    def _list(self, node: ast.ListExpr) -> ir.Node:
        items = tuple(self.lower(i) for i in node.items)
        return ir.ListOf(self.tag(node), any(i.unknown for i in items), node, items)

    def _name(self, node: ast.Name) -> ir.Node:
        ref = self.typing.refs[id(node)]
        tag = self.tag(node)
        name, fields = ref.name, ref.fields
        if ref.kind == "fact":
            keys = (name, *fields)
            low, high = declared(self._declaration(keys))
            return ir.FactRead(tag, True, node, keys, ".".join(keys), low, high)  # any fact may be left out
        if ref.kind == "var":
            # An item of a list not given is that list's Unknown; a field an item leaves out is unknown.
            item_unknown = next((u for v, u in reversed(self.loop_vars) if v == name), True)
            return ir.LoopVar(tag, item_unknown or bool(fields), node, name, fields, ref.origin)
        if ref.kind == "constant":
            return ir.Constant(tag, name == "reference_date" and self.reference_unknown, node, name)
        if ref.kind == "parameter":
            return ir.ParameterRead(tag, self.reference_unknown, node, name, None, None, fields)
        rule = ir.RuleRef(self.rule_tags.get(name, tag) if fields else tag, self.rule_unknown.get(name, True), node,
                          self.slots[name], name)
        return ir.FieldAccess(tag, rule.unknown, node, rule, fields) if fields else rule

    def _declaration(self, keys: tuple[str, ...]) -> Fact | None:
        """The declaration of the fact at `keys` (a record's field too), or None."""
        fact = self.facts.get(keys[0])
        for key in keys[1:]:
            fact = fact.fields.get(key) if fact is not None else None
        return fact

    def _field(self, node: ast.Field) -> ir.Node:
        target = self.lower(node.target)
        return ir.FieldAccess(self.tag(node), target.unknown, node, target, (node.name,))

    def _index(self, node: ast.Index) -> ir.Node:
        name = self.typing.refs[id(node.target)].name
        key = self.lower(node.key)
        return ir.ParameterRead(self.tag(node), key.unknown or self.reference_unknown, node, name, key, None, ())

    def _at(self, node: ast.At) -> ir.Node:
        target = node.target
        name_node = target.target if isinstance(target, ast.Index) else target
        ref = self.typing.refs[id(name_node)]
        key = self.lower(target.key) if isinstance(target, ast.Index) else None
        on = self.lower(node.on)
        unknown = on.unknown or (key is not None and key.unknown)
        return ir.ParameterRead(self.tag(node), unknown, node, ref.name, key, on, ref.fields)

    def _unary(self, node: ast.Unary) -> ir.Node:
        if node.op == "not":
            operand = self.lower(node.operand)
            return ir.Not("bool", operand.unknown, node, operand)
        return self._apply(node)

    def _binary(self, node: ast.Binary) -> ir.Node:
        if node.op in ("and", "or"):
            left, right = self.lower(node.left), self.lower(node.right)
            logic = ir.And if node.op == "and" else ir.Or
            return logic("bool", left.unknown or right.unknown, node, left, right)
        return self._apply(node)

    def _if(self, node: ast.If) -> ir.Node:
        cond, then, otherwise = self.lower(node.cond), self.lower(node.then), self.lower(node.otherwise)
        return ir.If(self.tag(node), cond.unknown or then.unknown or otherwise.unknown, node, cond, then, otherwise)

    def _call(self, node: ast.Call) -> ir.Node:
        if node.func == "given":  # never unknown: whether the case gives the fact
            return ir.Given("bool", False, node, self.lower(node.args[0]))
        return self._apply(node)

    def _apply(self, node: ast.Binary | ast.Unary | ast.Call) -> ir.Node:
        operation = bind(node, self.typing)
        operands = tuple(self.lower(x) for x in operation.operands)
        return ir.Apply(operation.tag, any(o.unknown for o in operands), node, operation, operands)

    def _aggregate(self, node: ast.Aggregate) -> ir.Node:
        items = self.lower(node.source)
        self.loop_vars.append((node.var, items.unknown))
        try:
            body, where, default = (self.lower(n) if n is not None else None
                                    for n in (node.body, node.where, node.default))
        finally:
            self.loop_vars.pop()
        unknown = any(n is not None and n.unknown for n in (items, body, where, default))
        return ir.Aggregate(self.tag(node), unknown, node, node.func, node.var, items, body, where, default,
                            self._origin(node.source))

    def _origin(self, source: ast.Expr) -> ir.ListOrigin | None:
        """Where the list `source` reads is in the case: a fact's path, or a field of an enclosing item."""
        ref = self.typing.refs.get(id(source)) if isinstance(source, ast.Name) else None
        if ref is None or ref.kind not in ("fact", "var"):
            return None
        suffix = "".join("." + f for f in ref.fields)
        if ref.kind == "fact":
            return ir.ListOrigin(ref.name + suffix, None, "")
        return ir.ListOrigin(None, ref.name, suffix)

    def table(self, rule: Rule, tag: str) -> ir.Table:
        """A decision table's rows lowered."""
        rows = tuple(ir.Row(self.lower(r.when) if r.when is not None else None, self.lower(_checked(r.then)),
                            row_label(i, r)) for i, r in enumerate(rule.rows))
        unknown = any(n is not None and n.unknown for row in rows for n in (row.when, row.then))
        return ir.Table(tag, unknown, rule, rows)


_LOWERERS: dict[type, Callable[[Lowerer, Any], ir.Node]] = {
    ast.Literal: Lowerer._literal,
    ast.ListExpr: Lowerer._list,
    ast.Name: Lowerer._name,
    ast.Field: Lowerer._field,
    ast.Index: Lowerer._index,
    ast.At: Lowerer._at,
    ast.Unary: Lowerer._unary,
    ast.Binary: Lowerer._binary,
    ast.If: Lowerer._if,
    ast.Call: Lowerer._call,
    ast.Aggregate: Lowerer._aggregate,
}


def lower_expression(node: ast.Expr, typing: Typing, facts: dict[str, Fact]) -> ir.Node:
    """One checked expression lowered on its own: it reads facts and constants only, no rules or parameters."""
    return Lowerer(typing, facts).lower(node)


def _checked(node: ast.Expr | None) -> ast.Expr:
    """An expression that a checked measure always has: only a partial load, which never compiles, lacks one."""
    if node is None:
        raise ValueError("a measure with load problems cannot be compiled")
    return node


def conjuncts(node: ast.Expr | None, typing: Typing) -> tuple[str, ...]:
    """The rules that are top-level `and`-conjuncts of `node` (for reporting failed conditions)."""
    out: list[str] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop(0)
        if isinstance(current, ast.Binary) and current.op == "and":
            stack[:0] = [current.left, current.right]
        elif isinstance(current, ast.Name):
            ref = typing.refs.get(id(current))
            if ref is not None and ref.kind == "rule" and not ref.fields:
                out.append(ref.name)
    return tuple(out)


def _dependency_order(names: list[str], references: dict[str, tuple[str, ...]]) -> list[str]:
    """`names` with each rule after the rules it reads (without recursion: a chain of rules may be long)."""
    order: list[str] = []
    known = set(names)
    done: set[str] = set()
    for start in names:
        if start in done:
            continue
        done.add(start)
        work = [(start, iter(references.get(start, ())))]
        while work:
            name, pending = work[-1]
            child = next(pending, None)
            if child is None:
                work.pop()
                order.append(name)
            elif child not in done and child in known:
                done.add(child)
                work.append((child, iter(references.get(child, ()))))
    return order


def _location(span) -> str:
    return f"{span.source.name}:{span.line}" if span is not None else ""


def _citation(citation) -> str | None:
    return str(citation) if citation is not None else None


def lower_measure(checked: CheckedMeasure) -> ir.LoweredMeasure:
    """The lowered form of a checked measure: rules in slots, parameters, the reference date and the decision."""
    typing = checked.typing
    names = list(checked.rules)
    slots = {name: i for i, name in enumerate(names)}
    lowerer = Lowerer(typing, checked.facts, slots, {name: t.tag for name, (_r, t, _s) in checked.rules.items()})
    measure = checked.measure
    # Lowered before the rules, assuming the worst of them: a parameter read is unknown when this date may be.
    reference = lowerer.lower(measure.reference_date) if measure.reference_date is not None else None
    lowerer.reference_unknown = reference is not None and reference.unknown
    parameters = {}
    for name, (parameter, t) in checked.parameters.items():
        versions = []
        for version in parameter.versions:
            value: ir.Node | dict[str, ir.Node] = (
                lowerer.lower(version.value) if version.value is not None
                else {k: lowerer.lower(_checked(v)) for k, v in (version.values or {}).items()})
            versions.append(ir.ParameterVersion(version.since, version.until, value,
                                                _citation(version.source or parameter.source)))
        parameters[name] = ir.LoweredParameter(name, t.tag, parameter.keys is not None, tuple(versions))
    lowered: dict[str, ir.LoweredRule] = {}
    for name in _dependency_order(names, checked.references):
        rule, t, _scope = checked.rules[name]
        body = lowerer.lower(rule.expr) if rule.expr is not None else lowerer.table(rule, t.tag)
        lowerer.rule_unknown[name] = body.unknown
        lowered[name] = ir.LoweredRule(
            slot=slots[name], name=name, body=body, tag=t.tag, unknown=body.unknown, label=rule.label.as_dict(),
            kind="expr" if rule.expr is not None else "table", expression=rule.text, location=_location(rule.span),
            citation=_citation(rule.source), references=checked.references.get(name, ()),
            conjuncts=conjuncts(rule.expr, typing))
    return ir.LoweredMeasure(
        measure_id=measure.id, path=measure.path, window=measure.window, facts=checked.facts,
        rules=tuple(lowered[name] for name in names), slots=slots, parameters=parameters, reference_date=reference,
        decision=_decision(checked, lowerer))


def _decision(checked: CheckedMeasure, lowerer: Lowerer) -> ir.LoweredDecision:
    measure = checked.measure
    decision = measure.decision
    assert decision is not None  # a measure without a decision does not pass the checker

    def part(ident: str, label: dict, node: ast.Expr, text: str | None) -> ir.DecisionPart:
        return ir.DecisionPart(ident, label, text or "", _location(node.span), lowerer.lower(node))

    def named(item) -> ir.DecisionPart:
        label = item.label.as_dict() if item.label else {"nl": item.name, "en": item.name}
        return part(item.name, label, item.expr, item.text)

    if decision.eligible is not None:
        eligible = part("eligible", {"nl": "Komt in aanmerking", "en": "Eligible"}, decision.eligible,
                        decision.eligible_text)
        conditions = conjuncts(decision.eligible, checked.typing)
        kind = "eligible"
    else:
        conditions = tuple(c for c, _ in decision.conditions or ())
        rules = tuple(ir.RuleRef("bool", lowerer.rule_unknown.get(c, True), None, lowerer.slots[c], c)
                      for c in conditions)
        every = ir.AllOf("bool", any(r.unknown for r in rules), None, rules)
        eligible = ir.DecisionPart("eligible", {"nl": "Voorwaarden", "en": "Conditions"}, " and ".join(conditions),
                                   measure.path, every)
        kind = "conditions"
    amount = (part("amount", {"nl": "Bedrag", "en": "Amount"}, decision.amount, decision.amount_text)
              if decision.amount is not None else None)
    return ir.LoweredDecision(
        eligible=eligible, eligible_kind=kind, conditions=conditions, amount=amount,
        deadlines=tuple(named(n) for n in decision.deadlines), values=tuple(named(n) for n in decision.values),
        notes=tuple(ir.DecisionNote(note.text, lowerer.lower(note.when) if note.when is not None else None)
                    for note in decision.notes))
