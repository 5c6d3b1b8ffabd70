"""The failed list in SQL, as `assembly.failed` gives it: each failed condition down to its deepest failed conjuncts.

The engine names a conjunct only when it evaluated it: `a and b` does not evaluate `b` where `a` is
false, an `or` stops at true, an `if` evaluates the side its condition selects (both while it is
unknown), a table its rows up to the first that holds. Rules are evaluated once per case, wherever
they are read, so whether a rule was evaluated is a column of its own (`r:NAME#ev`): true where one
of the places that read it was evaluated and the way there was taken. Only the rules the failed list
may name get that column, and the rules that read them.
"""
from __future__ import annotations

from typing import Callable

from .. import ir
from .expressions import NO_MISSING, quote, rule_column, span, text_literal
from .gaps import Unsupported

#: A step on the way to a place in an expression: (the node whose value decides, what it must not be).
Step = tuple[ir.Node, str]
#: Where a rule is read: the rule it is read in (None: a part of the decision), and the way there.
Place = tuple[str | None, tuple[Step, ...], ir.Aggregate | None]

_TESTS = {"not false": "IS NOT FALSE", "not true": "IS NOT TRUE", "not null": "IS NOT NULL"}


class FailedList:
    """The SQL of a decision's failed list: the columns it needs and the list itself."""

    def __init__(self, lowered: ir.LoweredMeasure):
        self.lowered = lowered
        decision = lowered.decision
        self.conditions = list(decision.conditions)
        self.tree = self._tree()  # the rules whose conjuncts the list descends into
        self.named = list(dict.fromkeys([*self.conditions, *(c for r in self.tree for c in self._conjuncts(r))]))
        self.places = self._places()
        self.evaluated = self._evaluated_rules()  # the rules whose evaluation is asked, in an order readers first

    def _conjuncts(self, name: str) -> tuple[str, ...]:
        return self.lowered.rule(name).conjuncts

    def _tree(self) -> list[str]:
        """The rules below the conditions with more than one conjunct: the list descends into them."""
        out: list[str] = []
        seen: set[str] = set()
        pending = list(self.conditions)
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            group = self._conjuncts(name)
            if len(group) > 1:
                out.append(name)
                pending += group
        return out

    def simple(self) -> bool:
        """Whether the list is the conditions that are false, each once: no conjunct to descend into, none repeated."""
        return not self.tree and len(set(self.conditions)) == len(self.conditions)

    # -- where each rule is read, and the way there ---------------------------------------------------

    def _places(self) -> dict[str, list[Place]]:
        """Every place a rule is read: in a part of the decision or in another rule, with the way there."""
        lowered = self.lowered
        decision = lowered.decision
        places: dict[str, list[Place]] = {}
        roots: list[tuple[str | None, ir.Node | ir.Table]] = []
        if lowered.reference_date is not None:
            roots.append((None, lowered.reference_date))
        # The amount is not evaluated where the case is not eligible: the only cases with a failed list.
        roots += [(None, decision.eligible.body)] + [(None, p.body) for p in (*decision.deadlines, *decision.values)]
        roots += [(None, n.when) for n in decision.notes if n.when is not None]
        reads = {rule.name: _reads(rule.body) for rule in lowered.rules}
        # Only the rules some part of the decision reads, directly or not: the others are never evaluated.
        reached: set[str] = set()
        pending = [name for _c, body in roots for name, _w, _a in _reads(body)]
        while pending:
            name = pending.pop()
            if name not in reached:
                reached.add(name)
                pending += [n for n, _w, _a in reads[name]]
        roots += [(name, lowered.rule(name).body) for name in lowered.slots if name in reached]
        for container, body in roots:
            for name, way, aggregate in (_reads(body) if container is None else reads[container]):
                places.setdefault(name, []).append((container, way, aggregate))
        return places

    def _evaluated_rules(self) -> list[str]:
        """The rules whose evaluation the list asks, each after the rules that read it."""
        asked: set[str] = set()
        pending = list(self.named)
        while pending:
            name = pending.pop()
            if name in asked:
                continue
            asked.add(name)
            pending += [c for c, _w, _a in self.places.get(name, ()) if c is not None]
        readers = {name: {c for c, _w, _a in self.places.get(name, ()) if c is not None} for name in asked}
        order: list[str] = []
        done: set[str] = set()
        for start in sorted(asked):
            stack = [(start, False)]
            while stack:
                name, expanded = stack.pop()
                if name in done:
                    continue
                if expanded:
                    done.add(name)
                    order.append(name)
                    continue
                stack.append((name, True))
                stack += [(r, False) for r in readers[name] if r not in done]
        return order

    def rules_read(self) -> list[str]:
        """The rules the list's columns read: the query computes them too (a rule read only by a note, say)."""
        out = list(self.evaluated)
        for name in self.evaluated:
            for _container, way, _aggregate in self.places.get(name, ()):
                out += [r.name for node, _test in way for r in _rule_refs(node)]
        return list(dict.fromkeys(out))

    # -- the SQL --------------------------------------------------------------------------------------

    def columns(self, value_of: Callable[[ir.Node], str]) -> dict[str, str]:
        """The columns the list reads (quoted name -> SQL): whether each rule was evaluated, its failed conjuncts.

        `value_of` gives the SQL of a node's value (NULL where unknown) as the query computes it.
        """
        out: dict[str, str] = {}
        evaluated: dict[str, str] = {}
        for name in self.evaluated:
            ways: list[str] = []
            inside: list[ir.Aggregate] = []
            for container, way, aggregate in self.places.get(name, ()):
                if aggregate is not None:
                    inside.append(aggregate)
                    continue
                if container is not None and evaluated[container] == "FALSE":
                    continue
                tests = ([] if container is None or evaluated[container] == "TRUE" else [evaluated[container]])
                tests += [f"({value_of(node)} {_TESTS[test]})" for node, test in way]
                ways.append(" AND ".join(dict.fromkeys(tests)) or "TRUE")
            if "TRUE" in ways:
                evaluated[name] = "TRUE"
                continue
            if inside:
                raise Unsupported(span(inside[0]), f"the rule `{name}` read inside a list aggregation",
                                  "the failed list names the conjuncts the engine evaluated, and for which items "
                                  "of a list the engine evaluates a rule is not written in SQL")
            if not ways:  # read by no part of the decision: never evaluated
                evaluated[name] = "FALSE"
                continue
            column = quote(f"r:{name}#ev")
            out[column] = "(" + " OR ".join(f"({w})" for w in dict.fromkeys(ways)) + ")"
            evaluated[name] = column
        self._evaluated = evaluated
        for name in self.tree:
            below = [self._fails(c) for c in self._conjuncts(name)]
            parts = ", ".join(f"(CASE WHEN {b} THEN {self._leaves(c)} ELSE {NO_MISSING} END)"
                              for b, c in zip(below, self._conjuncts(name)))
            # assembly._failed_leaves: a conjunct two failed rules share is named once, where it is first met.
            leaves = quote(f"r:{name}#leaves")
            out[leaves] = f"(CASE WHEN {' OR '.join(below)} THEN flatten([{parts}]) ELSE [{text_literal(name)}] END)"
            out[quote(f"r:{name}#failed")] = (f"list_filter({leaves}, lambda failed_name, place: "
                                              f"list_position({leaves}, failed_name) = place)")
        if not self.simple():
            previous = None
            for i, name in enumerate(self.conditions):
                column = quote(f"#failed{i}")
                leaves = self._leaves(name)
                if previous is None:
                    added = leaves
                    otherwise = NO_MISSING
                else:
                    added = (f"list_concat({previous}, list_filter({leaves}, "
                             f"lambda failed_name: NOT list_contains({previous}, failed_name)))")
                    otherwise = previous
                out[column] = f"(CASE WHEN {self._fails(name)} THEN {added} ELSE {otherwise} END)"
                previous = column
        return out

    def _fails(self, name: str) -> str:
        """The engine evaluated the rule and it is false."""
        value = f"{rule_column(name, 'bool').v} IS FALSE"
        evaluated = self._evaluated[name]
        return value if evaluated == "TRUE" else f"({evaluated} AND {value})"

    def _leaves(self, name: str) -> str:
        return quote(f"r:{name}#failed") if name in self.tree else f"[{text_literal(name)}]"

    def listed(self) -> str:
        """The conditions and conjuncts that failed, in the engine's order (after `columns`); empty where none did."""
        if self.simple():
            return ("list_filter([" + ", ".join(f"(CASE WHEN {self._fails(c)} THEN {text_literal(c)} END)"
                                                for c in self.conditions)
                    + "], lambda x: x IS NOT NULL)") if self.conditions else NO_MISSING
        return quote(f"#failed{len(self.conditions) - 1}")


def _reads(body: ir.Node | ir.Table) -> list[tuple[str, tuple[Step, ...], ir.Aggregate | None]]:
    """The rules `body` reads, each with the way the engine takes there, and the aggregation it is read in (if any)."""
    out: list[tuple[str, tuple[Step, ...], ir.Aggregate | None]] = []
    stack: list[tuple[ir.Node, tuple[Step, ...], ir.Aggregate | None]] = []
    if isinstance(body, ir.Table):
        earlier: tuple[Step, ...] = ()
        for row in body.rows:  # program._table: the rows in order, up to the first that holds
            if row.when is None:
                stack.append((row.then, earlier, None))
                break
            stack.append((row.when, earlier, None))
            stack.append((row.then, earlier + ((row.when, "not false"),), None))
            earlier += ((row.when, "not true"),)
    else:
        stack.append((body, (), None))
    while stack:
        node, way, aggregate = stack.pop()
        if isinstance(node, ir.RuleRef):
            out.append((node.name, way, aggregate))
        elif isinstance(node, ir.And):  # compile._and: the right side only where the left is not false
            stack += [(node.left, way, aggregate), (node.right, way + ((node.left, "not false"),), aggregate)]
        elif isinstance(node, ir.Or):
            stack += [(node.left, way, aggregate), (node.right, way + ((node.left, "not true"),), aggregate)]
        elif isinstance(node, ir.If):  # both sides while the condition is unknown
            stack += [(node.cond, way, aggregate), (node.then, way + ((node.cond, "not false"),), aggregate),
                      (node.otherwise, way + ((node.cond, "not true"),), aggregate)]
        elif isinstance(node, ir.ParameterRead) and node.on is not None and node.key is not None:
            # compile._parameter: the key is read only once the date is known
            stack += [(node.on, way, aggregate), (node.key, way + ((node.on, "not null"),), aggregate)]
        elif isinstance(node, ir.Aggregate):
            stack.append((node.items, way, aggregate))
            stack += [(n, way, node) for n in (node.where, node.body, node.default) if n is not None]
        else:
            stack += [(n, way, aggregate) for n in ir.children(node)]
    return out


def _rule_refs(node: ir.Node) -> list[ir.RuleRef]:
    out: list[ir.RuleRef] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ir.RuleRef):
            out.append(current)
        stack += ir.children(current)
    return out
