"""Warnings about a correct measure that probably does not say what its author meant.

Decision tables are modelled as yes/no functions of their atoms: an enum compared with
literals ranges over its values, a yes/no name over true and false, and any other condition
is an opaque atom that may be either (so the analysis never warns about what it cannot see).
Dated parameters are checked for gaps and overlaps between versions, and every reference to
one is checked against the earliest reference date at which it can be evaluated, derived from
the window and from guards such as `aanvraag.datum >= hervorming_2016` on the way to it.
"""
from __future__ import annotations

import datetime
import itertools

from . import ast
from .errors import Collector
from .measure import row_label
from .records import field_names

#: Largest number of atom combinations a table is analysed over.
MAX_COMBINATIONS = 1 << 14
_DAY = datetime.timedelta(days=1)


def lint(checked, report: Collector) -> None:
    """Add warnings about tables, dated parameters and early parameter references to `report`."""
    for name, (rule, _, _) in checked.rules.items():
        if rule.rows:
            _table(name, rule, checked.typing.refs, report)
    for name, (parameter, _) in checked.parameters.items():
        _versions(name, parameter, report)
    _EarlyReads(checked, report).run()


# -- decision tables ----------------------------------------------------------------------------

class _Model:
    """A table's conditions as functions of named atoms, each with its finite domain."""

    def __init__(self, refs: dict):
        self.refs = refs
        self.domains: dict[tuple, tuple] = {}
        self.opaque = False

    def compile(self, node):
        if isinstance(node, ast.Literal) and node.kind == "bool":
            value = node.value
            return lambda a: value
        if isinstance(node, ast.Unary) and node.op == "not":
            inner = self.compile(node.operand)
            return lambda a: not inner(a)
        if isinstance(node, ast.Binary) and node.op in ("and", "or"):
            left, right = self.compile(node.left), self.compile(node.right)
            if node.op == "and":
                return lambda a: left(a) and right(a)
            return lambda a: left(a) or right(a)
        enum = self._enum_test(node)
        if enum is not None:
            return enum
        ref = self.refs.get(id(node)) if isinstance(node, ast.Name) else None
        if ref is not None and ref.type.kind == "bool":
            key = ("name", ref.kind, ref.name, ref.fields)
            self.domains[key] = (True, False)
            return lambda a: a[key]
        key = ("atom", _shape(node))
        self.opaque = True
        self.domains[key] = (True, False)
        return lambda a: a[key]

    def _enum_test(self, node):
        if not isinstance(node, ast.Binary) or node.op not in ("=", "!=", "in", "not in"):
            return None
        name, other = node.left, node.right
        if not isinstance(name, ast.Name) and node.op in ("=", "!="):
            name, other = other, name
        ref = self.refs.get(id(name)) if isinstance(name, ast.Name) else None
        if ref is None or ref.type.kind != "enum" or not ref.type.values:
            return None
        items = other.items if isinstance(other, ast.ListExpr) and node.op in ("in", "not in") else (
            (other,) if node.op in ("=", "!=") else None)
        if items is None or not all(isinstance(i, ast.Literal) and isinstance(i.value, str) for i in items):
            return None
        chosen = frozenset(i.value for i in items)
        key = ("name", ref.kind, ref.name, ref.fields)
        self.domains[key] = tuple(ref.type.values)
        negate = node.op in ("!=", "not in")
        return lambda a: (a[key] in chosen) != negate

    def assignments(self):
        keys = list(self.domains)
        for values in itertools.product(*(self.domains[k] for k in keys)):
            yield dict(zip(keys, values))

    def size(self) -> int:
        total = 1
        for domain in self.domains.values():
            total *= len(domain)
        return total


def _shape(node):
    """A node without its positions, so that one condition written twice is one atom."""
    if isinstance(node, tuple):
        return tuple(_shape(n) for n in node)
    names = field_names(node)
    if names is not None:
        return (type(node).__name__,) + tuple(_shape(getattr(node, name)) for name in names if name != "span")
    return node


def _table(name: str, rule, refs: dict, report: Collector) -> None:
    model = _Model(refs)
    conditions = [model.compile(row.when) for row in rule.rows if row.when is not None]
    has_otherwise = rule.rows[-1].when is None
    if model.size() > MAX_COMBINATIONS:
        if not has_otherwise:
            _no_otherwise(name, rule, report, None)
        return
    reachable = [False] * len(conditions)
    uncovered = None
    for assignment in model.assignments():
        for i, condition in enumerate(conditions):
            if condition(assignment):
                reachable[i] = True
                break
        else:
            uncovered = uncovered or assignment
    for i, can_match in enumerate(reachable):
        if can_match:
            continue
        alone = any(conditions[i](a) for a in model.assignments())
        why = ("the rows above it already match every case it matches" if alone
               else "its condition can never be true")
        report.warning(f"row {row_label(i, rule.rows[i])} of table `{name}` can never match: {why}", rule.rows[i].span,
                       "remove the row, or correct its condition or the rows above it")
    if not has_otherwise and uncovered is not None:
        _no_otherwise(name, rule, report, None if model.opaque else uncovered)


def _no_otherwise(name: str, rule, report: Collector, example) -> None:
    if example is None:
        report.warning(f"table `{name}` has no `otherwise` row; a case no row matches is an evaluation error",
                       rule.span, "add `- otherwise: …` as the last row")
        return
    shown = " and ".join(f"{'.'.join((key[2], *key[3]))} = {_show(value)}" for key, value in example.items())
    report.warning(f"table `{name}` has no `otherwise` row, and no row matches when {shown}", rule.span,
                   "add a row for that case, or `- otherwise: …` as the last row")


def _show(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else f'"{value}"'


# -- dated parameters ---------------------------------------------------------------------------

def _versions(name: str, parameter, report: Collector) -> None:
    versions = parameter.versions
    for before, after in zip(versions, versions[1:]):
        if before.until is None or after.since is None:
            continue
        if before.until >= after.since:
            report.warning(f"versions of parameter `{name}` overlap from {after.since} to {before.until}: "
                           f"the version from {after.since} applies on those days", after.span,
                           f"end the earlier version on {after.since - _DAY}, or start this one later")
        elif before.until + _DAY < after.since:
            report.warning(f"parameter `{name}` has no value from {before.until + _DAY} to {after.since - _DAY}, "
                           f"between two versions", after.span,
                           "a case on those dates is an evaluation error: close the gap, or say why in a `note`")


# -- parameter reads before their first value ----------------------------------------------------

def _later(a: datetime.date | None, b: datetime.date | None) -> datetime.date | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: datetime.date | None, b: datetime.date | None) -> datetime.date | None:
    return None if a is None or b is None else min(a, b)


class _EarlyReads:
    """Warn where a dated parameter can be read on a reference date before its first version."""

    def __init__(self, checked, report: Collector):
        self.checked = checked
        self.refs = checked.typing.refs
        self.report = report
        measure = checked.measure
        self.opens = measure.window.start if measure.window else None
        self.reference = self._reference_key(measure.reference_date)
        self.entry: dict[str, datetime.date | None] = {}
        self.reached: set[str] = set()
        self.warned: set[tuple] = set()

    def _reference_key(self, node):
        ref = self.refs.get(id(node)) if node is not None else None
        return (ref.kind, ref.name, ref.fields) if ref is not None else None

    def run(self) -> None:
        decision = self.checked.measure.decision
        if decision is None:
            return
        self.current = "the decision"
        if decision.conditions is not None:
            for name, _ in decision.conditions:
                self._site(name, self.opens)
        roots = [decision.eligible, decision.amount] + [n.expr for n in decision.deadlines + decision.values]
        roots += [note.when for note in decision.notes]
        for node in roots:
            if node is not None:
                self.walk(node, self.opens)
        for name in self._callers_first():
            if name not in self.reached:
                continue
            rule, _, _ = self.checked.rules[name]
            self.current = f"rule `{name}`"
            low = self.entry.get(name)
            if rule.expr is not None:
                self.walk(rule.expr, low)
                continue
            earlier_false = low
            for row in rule.rows:
                if row.when is None:
                    self.walk(row.then, earlier_false)
                    continue
                self.walk(row.when, earlier_false)
                self.walk(row.then, _later(earlier_false, self.bound(row.when, True)))
                earlier_false = _later(earlier_false, self.bound(row.when, False))

    def _callers_first(self) -> list[str]:
        """The rules, every caller before the rules it calls (a depth-first order, kept as an explicit stack)."""
        references = self.checked.references
        order: list[str] = []
        seen: set[str] = set()
        for root in ["<decision>", *self.checked.rules]:
            if root in seen:
                continue
            seen.add(root)
            stack = [(root, iter(references.get(root, ())))]
            while stack:
                name, callees = stack[-1]
                callee = next((c for c in callees if c not in seen), None)
                if callee is None:
                    stack.pop()
                    order.append(name)
                    continue
                seen.add(callee)
                stack.append((callee, iter(references.get(callee, ()))))
        return [n for n in reversed(order) if n in self.checked.rules]

    def _site(self, rule: str, low) -> None:
        self.entry[rule] = low if rule not in self.reached else _earlier(self.entry[rule], low)
        self.reached.add(rule)

    def walk(self, node, low) -> None:
        if isinstance(node, ast.If):
            self.walk(node.cond, low)
            self.walk(node.then, _later(low, self.bound(node.cond, True)))
            self.walk(node.otherwise, _later(low, self.bound(node.cond, False)))
            return
        if isinstance(node, ast.Binary) and node.op in ("and", "or"):
            self.walk(node.left, low)
            self.walk(node.right, _later(low, self.bound(node.left, node.op == "and")))
            return
        if isinstance(node, ast.Name):
            ref = self.refs.get(id(node))
            if ref is not None and ref.kind == "rule":
                self._site(ref.name, low)
            elif ref is not None and ref.kind == "parameter":
                self._parameter(ref.name, low, node)
            return
        if isinstance(node, ast.At):  # read at its own date, not the reference date: no warning about the latter
            if isinstance(node.target, ast.Index):
                self.walk(node.target.key, low)
            self.walk(node.on, low)
            return
        if isinstance(node, ast.Index):
            ref = self.refs.get(id(node.target))
            if ref is not None:
                self._parameter(ref.name, low, node)
            self.walk(node.key, low)
            return
        for child in ast.children(node):
            self.walk(child, low)

    def _parameter(self, name: str, low, node) -> None:
        parameter, _ = self.checked.parameters[name]
        first = parameter.versions[0].since
        if first is None or (low is not None and low >= first) or (name, self.current) in self.warned:
            return
        self.warned.add((name, self.current))
        since = f"the window opens on {self.opens}" if self.opens else "the measure has no window start"
        self.report.warning(
            f"parameter `{name}` may be read in {self.current} on a reference date before its first value "
            f"({first}): {since}, and no condition on the way here rules out earlier dates", node.span,
            "guard the reference (e.g. `if aanvraag.datum >= … then … else …`), add an earlier version, "
            "or let the window open later")

    def bound(self, node, truth: bool, depth: int = 0):
        """The earliest reference date for which `node` can have the value `truth`, when it says so."""
        if depth > 20:
            return None
        if isinstance(node, ast.Unary) and node.op == "not":
            return self.bound(node.operand, not truth, depth + 1)
        if isinstance(node, ast.Binary) and node.op in ("and", "or"):
            left, right = self.bound(node.left, truth, depth + 1), self.bound(node.right, truth, depth + 1)
            both = (node.op == "and") == truth
            return _later(left, right) if both else _earlier(left, right)
        if isinstance(node, ast.Binary) and node.op in ("<", "<=", ">", ">=", "="):
            return self._comparison(node, truth)
        ref = self.refs.get(id(node)) if isinstance(node, ast.Name) else None
        if ref is not None and ref.kind == "rule" and not ref.fields:
            rule, _, _ = self.checked.rules[ref.name]
            if rule.expr is not None:
                return self.bound(rule.expr, truth, depth + 1)
        return None

    def _comparison(self, node, truth: bool):
        flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
        op, date = node.op, self._date(node.right)
        if not self._is_reference(node.left):
            if not self._is_reference(node.right):
                return None
            op, date = flip[op], self._date(node.left)
        if date is None:
            return None
        if not truth:
            op = {"<": ">=", "<=": ">", ">": None, ">=": None, "=": None}[op]
        return {">=": date, ">": date + _DAY, "=": date}.get(op) if op else None

    def _is_reference(self, node) -> bool:
        ref = self.refs.get(id(node)) if isinstance(node, ast.Name) else None
        if ref is None:
            return False
        if ref.kind == "constant" and ref.name == "reference_date":
            return True
        return (ref.kind, ref.name, ref.fields) == self.reference

    def _date(self, node):
        if isinstance(node, ast.Literal) and isinstance(node.value, datetime.date):
            return node.value
        ref = self.refs.get(id(node)) if isinstance(node, ast.Name) else None
        if ref is not None and ref.kind == "parameter":
            versions = self.checked.parameters[ref.name][0].versions
            if len(versions) == 1 and versions[0].since is None and isinstance(versions[0].value, ast.Literal):
                value = versions[0].value.value
                return value if isinstance(value, datetime.date) else None
        return None
