"""What would change the outcome: the boundary a failed comparison puts on the fact (or rule) it compares.

Worked out from the checked expression and the values the trace recorded, never per measure: for
`dienst.bedrag + catering >= € 500` with a catering of € 50 the boundary is `dienst.bedrag >= € 450`.
"""
from __future__ import annotations

import datetime
from decimal import Decimal

from rulerun.dsl import ast
from rulerun.dsl.measure import row_label
from rulerun.dsl.records import record

from .trace import TraceNode
from .values import Unknown, add_months, to_json

COMPARISONS = ("<", "<=", ">", ">=", "=", "!=")
FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}


@record(frozen=True)
class Boundary:
    """The condition holds when `subject` (now `value`) stands in `relation` to `limit`."""

    subject: str
    kind: str  # fact or rule
    value: object
    relation: str
    limit: object
    tag: str

    def as_json(self) -> dict:
        """The machine form: values as the decision's JSON writes them."""
        return {"subject": self.subject, "kind": self.kind, "value": to_json(self.value, self.tag),
                "relation": self.relation, "limit": to_json(self.limit, self.tag)}


class _NoBoundary(Exception):
    """The expression is not a comparison of one fact or rule with values the trace knows."""


@record
class _Leaf:
    subject: str
    kind: str
    value: object
    tag: str


def boundary(checked, node: TraceNode) -> Boundary | None:
    """The boundary of a failed condition's trace node, or None when it does not compare a fact with a value."""
    entry = checked.rules.get(node.id)
    if entry is None or node.value is not False:
        return None
    rule = entry[0]
    expr = rule.expr
    if expr is None:  # a decision table: the row that decided
        expr = next((row.then for i, row in enumerate(rule.rows) if row_label(i, row) == node.row), None)
    solver = _Solver(checked.typing, node)
    parts = _conjuncts(expr)
    holds = [solver.holds(part) for part in parts]
    # Every part must be known (a part evaluation skipped could fail next) and exactly one false: a comparison.
    if None in holds or holds.count(False) != 1:
        return None
    failing = parts[holds.index(False)]
    if not isinstance(failing, ast.Binary) or failing.op not in COMPARISONS:
        return None
    try:
        return solver.solve(failing)
    except (_NoBoundary, ArithmeticError, TypeError):
        return None


def _conjuncts(expr) -> list:
    """The parts of an `and` (the expression itself when it is none)."""
    out, pending = [], [expr]
    while pending:
        current = pending.pop(0)
        if isinstance(current, ast.Binary) and current.op == "and":
            pending[:0] = [current.left, current.right]
        elif current is not None:
            out.append(current)
    return out


class Months(int):
    """A whole number of months, as durations in months are kept apart from days."""


class _Solver:
    """Reads leaf values from a trace node and solves a comparison for its one varying leaf."""

    def __init__(self, typing, node: TraceNode):
        self.typing = typing
        self.facts = dict(node.facts)
        self.rules = {child.id: child for child in node.children}
        self.parameters = {(p.name, p.key): p for p in node.parameters}

    def holds(self, expr) -> bool | None:
        """Whether a part of the condition holds for the values the trace recorded; None when they are not known."""
        try:
            if isinstance(expr, ast.Binary) and expr.op in COMPARISONS:
                left, right = self._value(expr.left), self._value(expr.right)
                return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
                        "=": left == right, "!=": left != right}[expr.op]
            value = self._value(expr) if isinstance(expr, ast.Name) else None
        except (_NoBoundary, ArithmeticError, TypeError):
            return None
        return value if isinstance(value, bool) else None

    def solve(self, expr: ast.Binary) -> Boundary:
        left, right = self._leaves(expr.left), self._leaves(expr.right)
        # The subject is a fact when one side reads one; else a rule; the other side is then known.
        for side, other, relation in ((expr.left, expr.right, expr.op), (expr.right, expr.left, FLIPPED[expr.op])):
            leaves = left if side is expr.left else right
            chosen = next((leaf for leaf in leaves if leaf.kind == "fact"), None)
            if chosen is not None:
                break
        else:
            side, other, relation = expr.left, expr.right, expr.op
            chosen = next((leaf for leaf in left if leaf.kind == "rule"), None)
            if chosen is None:
                raise _NoBoundary
        limit, relation = self._invert(side, chosen, self._value(other), relation)
        return Boundary(chosen.subject, chosen.kind, chosen.value, relation, limit, chosen.tag)

    def _leaves(self, expr) -> list[_Leaf]:
        """The facts and rules an arithmetic side reads, in reading order."""
        if isinstance(expr, ast.Binary) and expr.op in ("+", "-", "*", "/"):
            return self._leaves(expr.left) + self._leaves(expr.right)
        if isinstance(expr, ast.Unary) and expr.op == "-":
            return self._leaves(expr.operand)
        if isinstance(expr, ast.Name):
            ref = self.typing.refs.get(id(expr))
            if ref is not None and ref.kind == "fact":
                path = ".".join((ref.name, *ref.fields))
                entry = self.facts.get(path)
                value = entry[0] if isinstance(entry, tuple) else Unknown()
                if type(value) is Unknown:
                    raise _NoBoundary
                return [_Leaf(path, "fact", value, ref.type.tag)]
            if ref is not None and ref.kind == "rule" and not ref.fields and ref.name in self.rules:
                child = self.rules[ref.name]
                return [_Leaf(ref.name, "rule", child.value, child.tag)]
        return []

    def _value(self, expr):
        """The value of a side from literals, parameters, facts and rules the trace recorded."""
        if isinstance(expr, ast.Literal) and expr.kind != "text":
            return Months(expr.value) if expr.kind == "months" else expr.value
        if isinstance(expr, ast.Name):
            ref = self.typing.refs.get(id(expr))
            if ref is None:
                raise _NoBoundary
            if ref.kind == "parameter" and (ref.name, None) in self.parameters:
                read = self.parameters[(ref.name, None)]
                return Months(read.value) if read.tag == "months" else read.value
            leaves = self._leaves(expr)
            if leaves:
                return leaves[0].value
            raise _NoBoundary
        if isinstance(expr, ast.Index) and isinstance(expr.target, ast.Name):
            ref = self.typing.refs.get(id(expr.target))
            reads = [p for (name, _), p in self.parameters.items() if ref is not None and name == ref.name]
            if len(reads) == 1:
                return Months(reads[0].value) if reads[0].tag == "months" else reads[0].value
            raise _NoBoundary
        if isinstance(expr, ast.Unary) and expr.op == "-":
            return -self._value(expr.operand)
        if isinstance(expr, ast.Binary) and expr.op in ("+", "-", "*", "/"):
            return _apply(expr.op, self._value(expr.left), self._value(expr.right))
        raise _NoBoundary

    def _invert(self, side, leaf: _Leaf, target, relation: str):
        """Peel the arithmetic around `leaf` off `side`: `x + c R t` becomes `x R t - c`."""
        while not (isinstance(side, ast.Name) and self._leaves(side) and self._leaves(side)[0].subject == leaf.subject):
            if isinstance(side, ast.Unary) and side.op == "-":
                side, target, relation = side.operand, -target, FLIPPED[relation]
                continue
            if not isinstance(side, ast.Binary):
                raise _NoBoundary
            in_left = any(x.subject == leaf.subject for x in self._leaves(side.left))
            inner, known = (side.left, side.right) if in_left else (side.right, side.left)
            value = self._value(known)
            if side.op == "+":
                target = _apply("-", target, value)
            elif side.op == "-" and in_left:
                target = _apply("+", target, value)
            elif side.op == "-":
                target, relation = _apply("-", value, target), FLIPPED[relation]
            elif side.op == "*":
                target, relation = _divide(target, value, relation)
            elif side.op == "/" and in_left:
                if not isinstance(value, Decimal) or value <= 0:
                    raise _NoBoundary
                target = target * value
            else:
                raise _NoBoundary
            side = inner
        return target, relation


def _apply(op: str, a, b):
    """`a op b` for decimals, whole numbers of days, and dates with days."""
    if isinstance(a, bool) or isinstance(b, bool):
        raise _NoBoundary
    if isinstance(a, datetime.date) and isinstance(b, Months) and op in "+-":
        return add_months(a, b if op == "+" else -b)
    if isinstance(a, datetime.date) and isinstance(b, int) and op in "+-":
        return a + datetime.timedelta(days=b if op == "+" else -b)
    if isinstance(a, datetime.date) and isinstance(b, datetime.date) and op == "-":
        return (a - b).days
    if isinstance(a, (Decimal, int)) and isinstance(b, (Decimal, int)):
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return Decimal(a) * Decimal(b)
        if b == 0:
            raise _NoBoundary
        return Decimal(a) / Decimal(b)
    raise _NoBoundary


def _divide(target, factor, relation: str):
    """`x * factor R target` as `x R' target / factor`: the relation turns when the factor is negative."""
    if not isinstance(factor, (Decimal, int)) or isinstance(factor, bool) or factor == 0:
        raise _NoBoundary
    return Decimal(target) / Decimal(factor), relation if factor > 0 else FLIPPED[relation]
