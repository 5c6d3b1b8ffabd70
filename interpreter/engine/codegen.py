"""Generate Python source for a checked measure's rules, for deciding without trace.

The generated code is the closure evaluator specialised to cases whose facts are known: the
same expressions in the same order, with rules memoised in the same cache, but on plain values
instead of three-valued ones. Where it meets what it was not made for (a fact the case leaves
out, an error to report), it raises `Undecided` and the closure evaluator decides that case.
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Callable, Hashable

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
#: Most rule functions nested in one batch function: Python's compiler takes time that grows with
#: their square (each sees all the others' variables). A larger measure decides batches by closures.
_BATCH_RULES = 2000
#: Deepest expression written with rules inlined: the parser's limit for one expression, so that
#: the text stays far from Python's 200 nested parentheses however long a chain of rules is.
_INLINED_DEPTH = 60


class Undecided(Exception):
    """The generated code cannot decide this case exactly; the closure evaluator decides it."""


#: What stops the generated code on a case, so that the traced back-end decides it: `Undecided` (an
#: unknown fact, no parameter version), a language error to report with its position (LANGUAGE_ERRORS),
#: a key or field the case leaves out (LookupError), or a chain of rules deeper than Python nests.
#: Anything else (a TypeError, a NameError) is a bug in the generated code and is not caught.
CANNOT_DECIDE = (Undecided, *LANGUAGE_ERRORS, LookupError, RecursionError)


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


def _known(value):
    if value is None:
        raise Undecided
    return value


def _given(read) -> bool:
    """Whether the case gives the fact `read` reads."""
    try:
        read()
    except (Undecided, LookupError):
        return False
    return True


def _extreme(func, items: list, default):
    return func(items) if items else default()


class _Writer:
    """Turns checked expressions into Python expression text, collecting the constants they use."""

    def __init__(self, typing, program: Program, inline: dict[str, ast.Expr], cells: bool = False):
        self.typing = typing
        self.cells = cells  # rules memoised in local variables of one batch function, not in a dict
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
        if name not in self.rule_names:
            self.rule_names[name] = f"_rule{len(self.rule_names)}"
            self.rule_order.append(name)
        return self.rule_names[name]

    def rule_reference(self, name: str) -> str:
        function = self.rule_function(name)
        if self.cells:
            cell = _cell(function)
            return f"({cell} if {cell} is not _NO else {function}())"
        return f"{function}(F, M, ref, on)"

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
            out.append((rule_name, self.rule_names[rule_name],
                        self.expr(rule.expr) if rule.expr is not None else _table(self, rule)))
        return out

    def run(self, source: str, filename: str) -> dict:
        """Compile and run the generated source; its namespace."""
        namespace = {"_NO": object(), "_undecided": _undecided, "_CANNOT_DECIDE": CANNOT_DECIDE, "_known": _known, "_extreme": _extreme, "_given": _given,
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
            keys = "".join(f"[{k!r}]" for k in (ref.name, *ref.fields))
            # An absent or empty fact is unknown: that case is for the closure evaluator.
            if self.iterable_depth:  # Python allows no `:=` in a comprehension's iterable
                return f"_known(F{keys})"
            return f"(_t if (_t := F{keys}) is not None else _undecided())"
        if ref.kind == "var":
            return f"{self.variable(ref.name)}{fields}"
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
        return f"{self._parameter_lookup(name)}(ref)[{self.expr(node.key)}]"

    def _at(self, node: ast.At) -> str:
        target = node.target
        name_node = target.target if isinstance(target, ast.Index) else target
        ref = self.typing.refs[id(name_node)]
        fields = "".join(f"[{f!r}]" for f in ref.fields)
        key = f"[{self.expr(target.key)}]" if isinstance(target, ast.Index) else ""
        return f"{self._parameter_lookup(ref.name)}({self.expr(node.on)}){key}{fields}"

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
            return f"_given(lambda: {self.expr(node.args[0])})"
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
        try:
            body = self.expr(node.body) if node.body is not None else "True"
            where = f" if {self.expr(node.where)}" if node.where is not None else ""
        finally:
            self.aggregate_depth -= 1
            self.variables.pop()
        loop = f"for {variable} in {source}{where}"
        if node.func in ("any", "all"):
            return f"{node.func}({body} {loop})"
        if node.func == "count":
            return f"{self.constant(Decimal, 'D')}(sum(1 {loop}))"
        if node.func == "sum":
            zero = self.constant(zero_of(self.typing.types[id(node)].tag), "zero")
            return f"_sum(({body} {loop}), {zero})"
        default = self.expr(node.default) if node.default is not None else "_undecided()"
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


class Generated:
    """The generated functions of one measure: each takes (facts, memo, reference date, evaluation date)."""

    def __init__(self, source: str, namespace: dict, parts: dict[Hashable, str]):
        self.source = source
        self.parts: dict[Hashable, Callable] = {key: namespace[name] for key, name in parts.items()}


def generate(name: str, typing, rules: dict, program: Program, parts: dict[str, ast.Expr | tuple[str, ...]],
             conditions: list[str]) -> Generated:
    """Source and functions for `parts` (expressions, or tuples of rules that must all hold) and their rules."""
    writer = _writer(typing, rules, program, parts, conditions, cells=False)
    for condition in conditions:
        writer.rule_function(condition)
    part_lines = []
    part_names: dict[Hashable, str] = {}
    for i, (key, node) in enumerate(parts.items()):
        part_names[key] = f"_part{i}"
        part_lines += [f"def _part{i}(F, M, ref, on):  # {key!a}", f"    return {writer.part(node)}", ""]
    rule_lines = []
    for rule_name, function, body in writer.rule_bodies(rules):
        rule_lines += [f"def {function}(F, M, ref, on):  # {rule_name!a}",
                       f"    value = M.get({rule_name!r}, _NO)",
                       "    if value is _NO:",
                       f"        value = M[{rule_name!r}] = {body}",
                       "    return value", ""]
    source = "\n".join(rule_lines + part_lines)
    return Generated(source, writer.run(source, f"<rules of {name}>"), part_names)


def _writer(typing, rules: dict, program: Program, parts: dict, conditions: list[str], cells: bool) -> _Writer:
    inline = _inlinable(typing, rules, program, [p for p in parts.values() if not isinstance(p, tuple)], conditions)
    return _Writer(typing, program, inline, cells)


def _cell(function: str) -> str:
    """The local variable that holds a rule's value in a batch function."""
    return function.replace("_rule", "r")


def generate_batch(name: str, typing, rules: dict, program: Program, parts: dict, conditions: list[str],
                   reported: list[str], windowed: bool):
    """One function deciding many cases into columns: `batch(cases, window_open, columns)`, or None.

    None for a measure with more than _BATCH_RULES rules to write.

    `cases` are (facts, date) pairs. Per case it appends to the columns' lists (reference date,
    eligible, amount, deadlines, values, notes shown, and the reported rules' values right after
    eligibility), or, for a case the closure evaluator must decide, placeholders and its index to
    `columns.left`. Rules are memoised in local variables reset per case: evaluated as one by one.
    """
    writer = _writer(typing, rules, program, parts, conditions, cells=True)
    for rule_name in reported:
        writer.rule_function(rule_name)

    def text(key):
        return writer.part(parts[key])

    reference = text("reference") if "reference" in parts else "on"
    eligible = text("eligible")
    amount = f"_round_cents({text('amount')})" if "amount" in parts else "None"
    others = {kind: "(" + "".join(f"{text(k)}, " for k in parts if isinstance(k, tuple) and k[0] == kind) + ")"
              for kind in ("deadline", "value", "note")}
    snapshot = "(" + "".join(f"{_cell(writer.rule_function(r))}, " for r in reported) + ")"
    bodies = writer.rule_bodies(rules)
    if len(bodies) > _BATCH_RULES:
        return None
    cells = [_cell(function) for _rule, function, _body in bodies]
    reset = " = ".join(cells + ["_NO"]) if cells else "pass"
    lines = ["def batch(cases, window_open, columns):",
             "    F = ref = on = None",
             f"    {reset}"]
    for rule_name, function, body in bodies:
        cell = _cell(function)
        lines += [f"    def {function}():  # {rule_name!a}", f"        nonlocal {cell}", f"        {cell} = {body}",
                  f"        return {cell}"]
    window = "window_open(ref)" if windowed else "True"
    lines += ["    add_reference, add_eligible, add_amount = (columns.reference_date.append, "
              "columns.eligible.append, columns.amount.append)",
              "    add_deadlines, add_values, add_notes, add_reported = (columns.deadline_rows.append, "
              "columns.value_rows.append, columns.note_rows.append, columns.reported.append)",
              "    index = len(columns.eligible) - 1",
              "    for F, on in cases:",
              "        index += 1",
              f"        {reset}",
              "        try:",
              f"            ref = {reference}",
              f"            if {window}:",
              f"                eligible = {eligible}",
              f"                reported = {snapshot}",
              f"                amount = {amount} if eligible else None",
              f"                deadlines, values, notes = {others['deadline']}, {others['value']}, {others['note']}",
              "                eligible = 'yes' if eligible else 'no'",
              "            else:",
              "                eligible, amount, notes, reported = 'no', None, None, None",
              f"                deadlines, values = {others['deadline']}, {others['value']}",
              "        except _CANNOT_DECIDE:  # an unknown fact or an error to report: the traced back-end decides",
              "            ref = eligible = amount = deadlines = values = notes = reported = None",
              "            columns.left.append(index)",
              "        add_reference(ref); add_eligible(eligible); add_amount(amount); add_deadlines(deadlines)",
              "        add_values(values); add_notes(notes); add_reported(reported)"]
    source = "\n".join(lines) + "\n"
    namespace = writer.run(source, f"<batch of {name}>")
    function = namespace["batch"]
    function.source = source
    return function
