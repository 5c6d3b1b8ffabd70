"""Generate Python source for a checked measure: one row function that decides a case without trace.

The generated code is the closure evaluator specialised to cases whose facts are known: the
same expressions in the same order, with rules memoised per case, but on plain values instead of
three-valued ones. Where it meets what it was not made for (a fact the case leaves out, an error
to report), it raises `Undecided` and the closure evaluator decides that case.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from rulerun.dsl import ast

from .functions import LANGUAGE_ERRORS
from .lower import ARITHMETIC, COMPARISON, FUNCTION, MATCH, NEGATION, QUOTIENT, Operation, bind
from .runtime import CompiledParameter, Program
from .steps import zero_of
from .values import exact_sum, round_cents

#: Operators that are plain Python operators on the values the checker allows (whole days or months).
_OPERATORS = {"add_durations": "+", "sub_durations": "-"}
#: How the constant holding an implementation is named in the source, by the kind of operation.
_HINTS = {ARITHMETIC: "op", NEGATION: "neg", QUOTIENT: "quotient", MATCH: "match", FUNCTION: "fn"}
_COMPARISONS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "in": "in", "not in": "not in"}
#: Dated parameter values looked up once per reference date, up to this many dates.
_LOOKUPS_KEPT = 4096
#: Most Python frames the generated code may nest (rule functions calling rule functions, aggregates,
#: the implementations they call): a deeper measure is not generated, so that its cases are decided by
#: the closures on purpose rather than by a RecursionError. Far below Python's default limit of 1,000.
MOST_FRAMES = 200
#: Frames an implementation, a parameter lookup or an aggregate's helper may add below a call.
_LEAF_FRAMES = 3
#: Deepest expression written with rules inlined: the parser's limit for one expression, so that
#: the text stays far from Python's 200 nested parentheses however long a chain of rules is.
_INLINED_DEPTH = 60


class Undecided(Exception):
    """The generated code cannot decide this case exactly; the closure evaluator decides it."""


class TooDeep(Exception):
    """The measure nests more frames than MOST_FRAMES: it is not generated."""


#: A rule's memo before the rule is evaluated in the case (`S[i]` in the generated code).
NOT_YET = object()


#: What stops the generated code on a case, so that the traced back-end decides it: `Undecided` (a
#: fact, field or key the case leaves out, no parameter version: each checked where it is read) or a
#: language error to report with its position (LANGUAGE_ERRORS). A measure that would nest too deep
#: is not generated (TooDeep). Anything else (a TypeError, a KeyError, a stray ValueError) is a bug in
#: the generated code or an implementation and is not caught: it surfaces as an internal error.
CANNOT_DECIDE: tuple[type[Exception], ...] = (Undecided, *LANGUAGE_ERRORS)


def _undecided():
    raise Undecided


def _lookup(parameter: CompiledParameter) -> Callable[[datetime.date], object]:
    """The value of a dated parameter on a date, remembered per date."""
    seen: dict = {}

    def value(day: datetime.date) -> object:
        found = seen.get(day)
        if found is None:
            found = parameter.version(day)
            if found is None:
                raise Undecided  # no version covers the date: an error the closure evaluator reports
            if len(seen) >= _LOOKUPS_KEPT:
                seen.clear()
            seen[day] = found
        return found[1]
    return value


def _fact(facts: dict, keys: tuple[str, ...]):
    """The fact (or field of a record fact) at `keys`; Undecided where the case leaves it out, as `Env.fact` says."""
    value: object = facts
    for key in keys:
        if type(value) is not dict:
            raise Undecided
        value = value.get(key)
    if value is None:
        raise Undecided
    return value


def _item_field(item, fields: tuple[str, ...]):
    """A field of a list's item; Undecided when the item leaves it out (an optional field)."""
    for field in fields:
        if field not in item:
            raise Undecided
        item = item[field]
    if item is None:
        raise Undecided
    return item


def _given(read) -> bool:
    """Whether the case gives the fact `read` reads (a read of a fact left out raises Undecided)."""
    try:
        read()
    except Undecided:
        return False
    return True


def _entry(table: dict, key):
    found = table.get(key, NOT_YET)
    if found is NOT_YET:
        raise Undecided
    return found


def _extreme(func, items: list, default):
    return func(items) if items else default()


class _Writer:
    """Turns checked expressions into Python expression text, collecting the constants they use."""

    def __init__(self, typing, program: Program, inline: dict[str, ast.Expr]):
        self.typing = typing
        self.program = program
        self.inline = inline
        self.names: dict[str, object] = {}
        self.implementations: dict[int, str] = {}  # id of an implementation -> its name in the source
        self.rule_names: dict[str, str] = {}
        self.rule_order: list[str] = []  # the keys of rule_names, to index while it grows
        self.lookups: dict[str, str] = {}
        self.aggregate_depth = 0
        self.iterable_depth = 0
        self.variables: list[tuple[str, str]] = []  # (name in the measure, Python name), innermost last
        self.depth = 0  # of the node being written, in the expression written so far
        self.heights: dict[str, int] = {}
        self.function = "row"  # the function being written: `row` or a rule's
        self.frames = 0  # frames nested in it at the node being written (generators, lambdas)
        self.calls: dict[str, list[tuple[int, str]]] = {}  # function -> (frames nested, rule function called)

    def constant(self, value, hint: str = "c") -> str:
        name = f"_{hint}{len(self.names)}"
        self.names[name] = value
        return name

    def implementation(self, impl: Callable, hint: str) -> str:
        """The name of an operation's implementation in the source: one name however often it is used."""
        name = self.implementations.get(id(impl))
        if name is None:  # `names` keeps `impl` alive, so its id stays its own
            name = self.implementations[id(impl)] = self.constant(impl, hint)
        return name

    def rule_function(self, name: str) -> str:
        """The function that evaluates rule `name`; its value is memoised in `S[i]`, `_rule<i>` its function."""
        if name not in self.rule_names:
            self.rule_names[name] = f"_rule{len(self.rule_names)}"
            self.rule_order.append(name)
        return self.rule_names[name]

    def rule_reference(self, name: str) -> str:
        function = self.rule_function(name)
        self.calls.setdefault(self.function, []).append((self.frames, function))
        slot = f"S[{function[len('_rule'):]}]"
        return f"({slot} if {slot} is not _NO else {function}(F, ref, on, S))"

    def rule_cell(self, name: str) -> str:
        """Where rule `name`'s value is once evaluated (`_NO` before)."""
        return f"S[{self.rule_function(name)[len('_rule'):]}]"

    def part(self, node: ast.Expr | tuple[str, ...]) -> str:
        """A part of the decision: an expression, or a tuple of rules that must all hold."""
        if isinstance(node, tuple):
            # `&` on yes/no values evaluates every condition, as a list of conditions is evaluated.
            return "(" + " & ".join(self.rule_reference(n) for n in node) + ")" if node else "True"
        return self.expr(node)

    def rule_bodies(self, rules: dict) -> list[tuple[str, str, str]]:
        """(rule, function, expression text) for every rule written so far, and the rules those need."""
        out: list[tuple[str, str, str]] = []
        while len(out) < len(self.rule_order):  # writing a body may add rules, at the end of the list
            rule_name = self.rule_order[len(out)]
            rule = rules[rule_name]
            self.function = function = self.rule_names[rule_name]
            out.append((rule_name, function, self.expr(rule.expr) if rule.expr is not None else _table(self, rule)))
        self.function = "row"
        return out

    def nested_frames(self) -> int:
        """How many frames the row function may nest at most, worked out without recursion."""
        depths: dict[str, int] = {}
        pending = ["row"]
        while pending:
            current = pending[-1]
            calls = self.calls.get(current, [])
            todo = [callee for _frames, callee in calls if callee not in depths]
            if todo:
                pending += todo
                continue
            depths[current] = 1 + max([_LEAF_FRAMES] + [frames + depths[callee] for frames, callee in calls])
            pending.pop()
        return depths["row"]

    def run(self, source: str, filename: str) -> dict:
        """Compile and run the generated source; its namespace."""
        namespace = {"_NO": NOT_YET, "_undecided": _undecided, "_extreme": _extreme, "_given": _given,
                     "_fact": _fact, "_item_field": _item_field,
                     "_round_cents": round_cents, "_sum": exact_sum, **self.names}
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - text written above, from checked nodes
        return namespace

    def expr(self, node: ast.Expr) -> str:
        self.depth += 1
        try:
            return _WRITERS[type(node)](self, node)
        finally:
            self.depth -= 1

    def height(self, name: str) -> int:
        """How deep rule `name` is written inline with the rules it inlines in turn (past the limit: the limit + 1).

        Worked out for the rules it inlines first, with a list of pending rules rather than recursion.
        """
        pending = [name]
        while pending:
            current = pending[-1]
            if current in self.heights:
                pending.pop()
                continue
            inlined = [n for n in self._inlined_rules(self.inline[current]) if n not in self.heights]
            if inlined:
                pending += inlined
                continue
            self.heights[current] = min(self._height(self.inline[current]), _INLINED_DEPTH + 1)
            pending.pop()
        return self.heights[name]

    def _inlined_rules(self, node: ast.Expr) -> list[str]:
        stack, out = [node], []
        while stack:
            current = stack.pop()
            if isinstance(current, ast.Name):
                ref = self.typing.refs.get(id(current))
                if ref is not None and ref.kind == "rule" and ref.name in self.inline:
                    out.append(ref.name)
            stack.extend(ast.children(current))
        return out

    def _height(self, node: ast.Expr) -> int:
        deepest = 0
        stack = [(node, 1)]
        while stack:
            current, depth = stack.pop()
            if isinstance(current, ast.Name):
                ref = self.typing.refs.get(id(current))
                if ref is not None and ref.kind == "rule" and ref.name in self.inline:
                    depth += self.heights[ref.name]
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in ast.children(current))
        return deepest

    def _literal(self, node: ast.Literal) -> str:
        value = node.value
        if value is True or value is False or value is None:
            return repr(value)
        if isinstance(value, str):
            return repr(value)
        return self.constant(value)

    def _listexpr(self, node: ast.ListExpr) -> str:
        items = [self.expr(i) for i in node.items]
        return "(" + "".join(f"{i}, " for i in items) + ")"

    def _name(self, node: ast.Name) -> str:
        ref = self.typing.refs[id(node)]
        fields = "".join(f"[{f!r}]" for f in ref.fields)
        if ref.kind == "fact":
            # An absent or empty fact is unknown: that case is for the closure evaluator.
            if self.iterable_depth:  # Python allows no `:=` in a comprehension's iterable
                return f"_fact(F, {(ref.name, *ref.fields)!r})"
            # _fact written out: a record read on to its field only when the case gives it as one.
            keys = (ref.name, *ref.fields)
            walk = "".join(f"type(_t := {'F' if i == 0 else '_t'}.get({key!r})) is dict and "
                           for i, key in enumerate(keys[:-1]))
            return f"(_t if {walk}(_t := {'_t' if walk else 'F'}.get({keys[-1]!r})) is not None else _undecided())"
        if ref.kind == "var":
            if ref.fields:  # an optional field of an item is unknown when the item leaves it out
                return f"_item_field({self.variable(ref.name)}, {ref.fields!r})"
            return self.variable(ref.name)
        if ref.kind == "constant":
            return "ref" if ref.name == "reference_date" else "on"
        if ref.kind == "rule":
            if (ref.name in self.inline and self.aggregate_depth == 0
                    and self.depth + self.height(ref.name) <= _INLINED_DEPTH):
                return f"({self.expr(self.inline[ref.name])}){fields}"
            return f"{self.rule_reference(ref.name)}{fields}"
        return f"{self._parameter_lookup(ref.name)}(ref){fields}"

    def variable(self, name: str) -> str:
        """The Python name of the innermost aggregate variable called `name`.

        Generated names are ASCII (`_v0`, `_v1`, …): a measure's name goes into the source only as a
        string literal, never as an identifier Python could read differently (it folds `ａ` into `a`).
        """
        for measure_name, python_name in reversed(self.variables):
            if measure_name == name:
                return python_name
        raise KeyError(name)  # the checker resolved it to a variable: one is always bound here

    def _parameter_lookup(self, name: str) -> str:
        if name not in self.lookups:
            self.lookups[name] = self.constant(_lookup(self.program.parameters[name]), "parameter")
        return self.lookups[name]

    def _field(self, node: ast.Field) -> str:
        return f"{self.expr(node.target)}[{node.name!r}]"

    def _index(self, node: ast.Index) -> str:
        name = self.typing.refs[id(node.target)].name
        return self._entry(f"{self._parameter_lookup(name)}(ref)", self.expr(node.key))

    def _entry(self, table: str, key: str) -> str:
        """`table[key]`, Undecided for a key the table does not have (the closures report that error)."""
        if self.iterable_depth:
            return f"{self.constant(_entry, 'entry')}({table}, {key})"
        return f"(_t if (_t := {table}.get({key}, _NO)) is not _NO else _undecided())"

    def _at(self, node: ast.At) -> str:
        target = node.target
        name_node = target.target if isinstance(target, ast.Index) else target
        ref = self.typing.refs[id(name_node)]
        fields = "".join(f"[{f!r}]" for f in ref.fields)
        value = f"{self._parameter_lookup(ref.name)}({self.expr(node.on)})"
        if isinstance(target, ast.Index):
            value = self._entry(value, self.expr(target.key))
        return f"{value}{fields}"

    def _unary(self, node: ast.Unary) -> str:
        if node.op == "not":
            return f"(not {self.expr(node.operand)})"
        return self._operation(bind(node, self.typing))

    def _binary(self, node: ast.Binary) -> str:
        if node.op in ("and", "or"):
            return f"({self.expr(node.left)} {node.op} {self.expr(node.right)})"
        return self._operation(bind(node, self.typing))

    def _if(self, node: ast.If) -> str:
        return f"({self.expr(node.then)} if {self.expr(node.cond)} else {self.expr(node.otherwise)})"

    def _call(self, node: ast.Call) -> str:
        if node.func == "given":  # the read stops on a fact left out (Undecided, or a missing key): false
            self.frames += 2  # the lambda, called by `_given`
            try:
                return f"_given(lambda: {self.expr(node.args[0])})"
            finally:
                self.frames -= 2
        return self._operation(bind(node, self.typing))

    def _operation(self, operation: Operation) -> str:
        """An operation bound by lowering: a Python operator where one computes the same, else a call."""
        args = [self.expr(x) for x in operation.operands]
        kind, key = operation.kind, operation.key
        if kind == COMPARISON:
            return f"({args[0]} {_COMPARISONS[key]} {args[1]})"
        if kind == ARITHMETIC and key in _OPERATORS:
            return f"({args[0]} {_OPERATORS[key]} {args[1]})"
        impl = self.implementation(operation.impl, _HINTS[kind])
        if operation.spread:
            return f"{impl}(({''.join(a + ', ' for a in args)}))"
        return f"{impl}({', '.join(args)})"

    def _aggregate(self, node: ast.Aggregate) -> str:
        self.iterable_depth += 1
        try:
            source = self.expr(node.source)
        finally:
            self.iterable_depth -= 1
        variable = f"_v{len(self.variables)}"
        self.variables.append((node.var, variable))
        self.aggregate_depth += 1
        self.frames += 2  # the generator (or the default's lambda), and the helper that runs it
        try:
            body = self.expr(node.body) if node.body is not None else "True"
            where = f" if {self.expr(node.where)}" if node.where is not None else ""
        finally:
            self.aggregate_depth -= 1
            self.frames -= 2
            self.variables.pop()
        loop = f"for {variable} in {source}{where}"
        if node.func in ("any", "all"):
            return f"{node.func}({body} {loop})"
        if node.func == "count":
            return f"{self.constant(Decimal, 'D')}(sum(1 {loop}))"
        if node.func == "sum":
            zero = self.constant(zero_of(self.typing.types[id(node)].tag), "zero")
            return f"_sum(({body} {loop}), {zero})"
        self.frames += 2
        try:
            default = self.expr(node.default) if node.default is not None else "_undecided()"
        finally:
            self.frames -= 2
        return f"_extreme({node.func}, [{body} {loop}], lambda: {default})"


_WRITERS: dict[type, Callable[[_Writer, Any], str]] = {
    ast.Literal: _Writer._literal,
    ast.ListExpr: _Writer._listexpr,
    ast.Name: _Writer._name,
    ast.Field: _Writer._field,
    ast.Index: _Writer._index,
    ast.At: _Writer._at,
    ast.Unary: _Writer._unary,
    ast.Binary: _Writer._binary,
    ast.If: _Writer._if,
    ast.Call: _Writer._call,
    ast.Aggregate: _Writer._aggregate,
}


def _inlinable(typing, rules: dict, program: Program, roots: list[ast.Expr], conditions: list[str]) -> dict[str, ast.Expr]:
    """Rules that can be written where they are used: used once, outside any aggregate, not reported on."""
    uses: dict[str, int] = {}
    in_aggregate: set[str] = set()

    def count(node, depth: int) -> None:
        if isinstance(node, ast.Name):
            ref = typing.refs.get(id(node))
            if ref is not None and ref.kind == "rule":
                uses[ref.name] = uses.get(ref.name, 0) + 1
                if depth:
                    in_aggregate.add(ref.name)
            return
        if isinstance(node, ast.Aggregate):
            count(node.source, depth)
            for part in (node.body, node.where, node.default):
                if part is not None:
                    count(part, depth + 1)
            return
        for child in ast.children(node):
            count(child, depth)

    for rule in rules.values():
        for node in _rule_expressions(rule):
            count(node, 0)
    for node in roots:
        count(node, 0)
    reported = set(conditions)
    for rule in program.rules.values():
        reported.update(rule.conjuncts)
    return {name: rules[name].expr for name, n in uses.items()
            if n == 1 and name not in in_aggregate and name not in reported and rules[name].expr is not None}


def _rule_expressions(rule) -> list[ast.Expr]:
    if rule.expr is not None:
        return [rule.expr]
    return [e for row in rule.rows for e in (row.when, row.then) if e is not None]


def _table(writer: _Writer, rule) -> str:
    text = "_undecided()"
    for row in reversed(rule.rows):
        then = writer.expr(row.then)
        text = then if row.when is None else f"({then} if {writer.expr(row.when)} else {text})"
    return text


@dataclass
class RowParts:
    """What the row function computes, as checked expressions (a tuple of rules: all must hold)."""

    reference: ast.Expr | None
    eligible: ast.Expr | tuple[str, ...]
    amount: ast.Expr | None
    deadlines: list[ast.Expr]
    values: list[ast.Expr]
    notes: list[ast.Expr | tuple[str, ...]]
    conditions: list[str]
    reported: list[str]  # the rules whose values the row gives back, to name the failed conditions
    window_open: Callable[[datetime.date], object] | None  # True or False on a date; None: the measure has no window


class Generated:
    """The generated code of one measure: its source and `row(facts, on)`.

    `row` gives (reference date, eligible, amount rounded, deadlines, values, notes shown, values
    of the reported rules: NOT_YET for one not evaluated), or raises one of CANNOT_DECIDE.
    """

    def __init__(self, source: str, row: Callable[[dict, datetime.date], tuple], frames: int):
        self.source = source
        self.row = row
        self.frames = frames  # the most frames it nests


def generate(name: str, typing, rules: dict, program: Program, parts: RowParts) -> Generated:
    """The row function of a measure (raises TooDeep when it would nest more than MOST_FRAMES frames)."""
    roots = [p for p in (parts.reference, parts.eligible, parts.amount, *parts.deadlines, *parts.values,
                         *parts.notes) if p is not None and not isinstance(p, tuple)]
    writer = _Writer(typing, program, _inlinable(typing, rules, program, roots, parts.conditions))
    for rule_name in [*parts.conditions, *parts.reported]:
        writer.rule_function(rule_name)

    def each(nodes: list) -> str:
        return "(" + "".join(f"{writer.part(n)}, " for n in nodes) + ")"

    lines = ["def row(F, on):", "", "    ref = on"]  # `on` while the reference date is worked out
    if parts.reference is not None:
        lines.append(f"    ref = {writer.expr(parts.reference)}")
    windowed = parts.window_open is not None
    # Outside the window: no eligibility, amount or notes, but the deadlines and values all the same.
    indent = "        " if windowed else "    "
    if windowed:
        lines += [f"    is_open = {writer.constant(parts.window_open, 'window')}(ref)", "    if is_open:"]
    lines.append(f"{indent}eligible = {writer.part(parts.eligible)}")
    amount = f"_round_cents({writer.expr(parts.amount)}) if eligible else None" if parts.amount is not None else "None"
    lines.append(f"{indent}amount = {amount}")
    if windowed:
        lines += ["    else:", "        eligible, amount = False, None"]
    lines += [f"    deadlines = {each(parts.deadlines)}",
              f"    values = {each(parts.values)}",
              f"    shown = {each(parts.notes)}" + (" if is_open else ()" if windowed else ""),
              "    return ref, eligible, amount, deadlines, values, shown, "
              f"({''.join(writer.rule_cell(r) + ', ' for r in parts.reported)})", ""]
    rule_lines = []
    for rule_name, function, body in writer.rule_bodies(rules):
        slot = writer.rule_cell(rule_name)
        rule_lines += [f"def {function}(F, ref, on, S):  # {rule_name!a}",
                       f"    {slot} = value = {body}",
                       "    return value", ""]
    frames = writer.nested_frames()
    if frames > MOST_FRAMES:
        raise TooDeep(frames)
    lines[1] = f"    S = [_NO] * {len(writer.rule_order)}"  # the memo of the rules, known once every body is written
    source = "\n".join(rule_lines + lines)
    namespace = writer.run(source, f"<rules of {name}>")
    return Generated(source, namespace["row"], frames)


def generate_expression(typing, node: ast.Expr, program: Program) -> Callable[[dict, datetime.date], object]:
    """A function `value(facts, on)` of one checked expression that reads no rules (for tests of the writer)."""
    writer = _Writer(typing, program, {})
    source = f"def value(F, on):\n    S, ref = [], on\n    return {writer.expr(node)}\n"
    return writer.run(source, "<expression>")["value"]


