"""Generate Python source from a lowered measure (ir.py): one row function that decides a case without trace.

The generated code is the traced back-end specialised to cases whose facts are known: the same
lowered nodes in the same order, with rules memoised per case, but on plain values instead of
three-valued ones. Where it meets what it was not made for (a fact the case leaves out, an error
to report), it raises `Undecided` and the traced back-end decides that case.
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Callable, Sequence

from . import ir
from .functions import LANGUAGE_ERRORS
from .runtime import CompiledParameter, Program
from .steps import zero_of
from .values import exact_sum, round_cents

#: Operators that are plain Python operators on the values the checker allows (whole days or months).
_OPERATORS = {"add_durations": "+", "sub_durations": "-"}
#: Date-and-days operators: (position of the date, position of the number of days) among the operands.
_DAYS_OPERATORS = {"date_plus_days": (0, 1), "days_plus_date": (1, 0), "date_minus_days": (0, 1)}
#: How the constant holding an implementation is named in the source, by the kind of operation.
_HINTS = {ir.ARITHMETIC: "op", ir.NEGATION: "neg", ir.QUOTIENT: "quotient", ir.MATCH: "match", ir.FUNCTION: "fn"}
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
    """The generated code cannot decide this case exactly; the traced back-end decides it."""


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
                raise Undecided  # no version covers the date: an error the traced back-end reports
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
    """Turns lowered nodes (ir.py) into Python expression text, collecting the constants they use."""

    def __init__(self, lowered: ir.LoweredMeasure | None, program: Program, inline: dict[str, ir.Node]):
        self.lowered = lowered  # None for one expression on its own, which reads no rules
        self.program = program  # the parameters' values, computed there once
        self.inline = inline  # rule name -> lowered body, for the rules written where they are used
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
        self.locals: dict[str, str] = {}  # rule -> the local variable of `row` that holds its value

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
        if name in self.locals:
            return self.locals[name]
        return f"S[{self.rule_function(name)[len('_rule'):]}]"

    def part(self, node: ir.Node | None) -> str:
        """A part of the decision, or a note's condition (None: always shown)."""
        return "True" if node is None else self.expr(node)

    def rule_bodies(self) -> list[tuple[str, str, str]]:
        """(rule, function, expression text) for every rule written so far, and the rules those need."""
        out: list[tuple[str, str, str]] = []
        while len(out) < len(self.rule_order):  # writing a body may add rules, at the end of the list
            rule_name = self.rule_order[len(out)]
            assert self.lowered is not None  # only a measure's expressions read rules
            body = self.lowered.rule(rule_name).body
            self.function = function = self.rule_names[rule_name]
            out.append((rule_name, function, _table(self, body) if isinstance(body, ir.Table) else self.expr(body)))
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
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - text written above, from lowered nodes
        return namespace

    def expr(self, node: ir.Node) -> str:
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

    def _inlined_rules(self, node: ir.Node) -> list[str]:
        return [n.name for n in ir.walk(node) if isinstance(n, ir.RuleRef) and n.name in self.inline]

    def _height(self, node: ir.Node) -> int:
        deepest = 0
        stack: list[tuple[ir.Node, int]] = [(node, 1)]
        while stack:
            current, depth = stack.pop()
            if isinstance(current, ir.RuleRef) and current.name in self.inline:
                depth += self.heights[current.name]
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in ir.children(current))
        return deepest

    def _literal(self, node: ir.Literal) -> str:
        value = node.value
        if value is True or value is False or value is None:
            return repr(value)
        if isinstance(value, str):
            return repr(value)
        return self.constant(value)

    def _list(self, node: ir.ListOf) -> str:
        items = [self.expr(i) for i in node.items]
        return "(" + "".join(f"{i}, " for i in items) + ")"

    def _fact(self, node: ir.FactRead) -> str:
        # An absent or empty fact is unknown: that case is for the traced back-end.
        keys = node.keys
        if self.iterable_depth:  # Python allows no `:=` in a comprehension's iterable
            return f"_fact(F, {keys!r})"
        # _fact written out: a record read on to its field only when the case gives it as one.
        walk = "".join(f"type(_t := {'F' if i == 0 else '_t'}.get({key!r})) is dict and "
                       for i, key in enumerate(keys[:-1]))
        return f"(_t if {walk}(_t := {'_t' if walk else 'F'}.get({keys[-1]!r})) is not None else _undecided())"

    def _loop_var(self, node: ir.LoopVar) -> str:
        if node.fields:  # an optional field of an item is unknown when the item leaves it out
            return f"_item_field({self.variable(node.name)}, {node.fields!r})"
        return self.variable(node.name)

    def _constant_read(self, node: ir.Constant) -> str:
        return "ref" if node.name == "reference_date" else "on"

    def _rule(self, node: ir.RuleRef) -> str:
        name = node.name
        if name in self.locals:
            return self.locals[name]
        if name in self.inline and self.aggregate_depth == 0 and self.depth + self.height(name) <= _INLINED_DEPTH:
            return f"({self.expr(self.inline[name])})"
        return self.rule_reference(name)

    def variable(self, name: str) -> str:
        """The Python name of the innermost aggregate variable called `name`.

        Generated names are ASCII (`_v0`, `_v1`, …): a measure's name goes into the source only as a
        string literal, never as an identifier Python could read differently (it folds `ａ` into `a`).
        """
        for measure_name, python_name in reversed(self.variables):
            if measure_name == name:
                return python_name
        raise KeyError(name)  # lowering resolved it to a variable: one is always bound here

    def _parameter_lookup(self, name: str) -> str:
        if name not in self.lookups:
            self.lookups[name] = self.constant(_lookup(self.program.parameters[name]), "parameter")
        return self.lookups[name]

    def _parameter(self, node: ir.ParameterRead) -> str:
        """The parameter on the reference date or `on` a date written in the measure, for its key, then its fields."""
        value = f"{self._parameter_lookup(node.name)}({'ref' if node.on is None else self.expr(node.on)})"
        if node.key is not None:
            value = self._entry(value, self.expr(node.key))
        return value + "".join(f"[{f!r}]" for f in node.fields)

    def _entry(self, table: str, key: str) -> str:
        """`table[key]`, Undecided for a key the table does not have (the traced back-end reports that error)."""
        if self.iterable_depth:
            return f"{self.constant(_entry, 'entry')}({table}, {key})"
        return f"(_t if (_t := {table}.get({key}, _NO)) is not _NO else _undecided())"

    def _field(self, node: ir.FieldAccess) -> str:
        return self.expr(node.target) + "".join(f"[{f!r}]" for f in node.fields)

    def _not(self, node: ir.Not) -> str:
        return f"(not {self.expr(node.operand)})"

    def _and(self, node: ir.And) -> str:
        return f"({self.expr(node.left)} and {self.expr(node.right)})"

    def _or(self, node: ir.Or) -> str:
        return f"({self.expr(node.left)} or {self.expr(node.right)})"

    def _if(self, node: ir.If) -> str:
        return f"({self.expr(node.then)} if {self.expr(node.cond)} else {self.expr(node.otherwise)})"

    def _given(self, node: ir.Given) -> str:
        # The read stops on a fact left out (Undecided): false.
        self.frames += 2  # the lambda, called by `_given`
        try:
            return f"_given(lambda: {self.expr(node.read)})"
        finally:
            self.frames -= 2

    def _apply(self, node: ir.Apply) -> str:
        """An operation bound by lowering: a Python operator where one computes the same, else a call."""
        operation = node.operation
        args = [self.expr(x) for x in node.operands]
        kind, key = operation.kind, operation.key
        if kind == ir.COMPARISON:
            return f"({args[0]} {_COMPARISONS[key]} {args[1]})"
        if kind == ir.ARITHMETIC and key in _OPERATORS:
            return f"({args[0]} {_OPERATORS[key]} {args[1]})"
        if kind == ir.ARITHMETIC and key in _DAYS_OPERATORS:
            day, days = _DAYS_OPERATORS[key]
            written = node.operands[days]
            if isinstance(written, ir.Literal) and type(written.value) is int:
                # A fixed number of days: one timedelta made once, added as `date + timedelta` (same OverflowError).
                step = self.constant(datetime.timedelta(days=written.value), "days")
                return f"({args[day]} {'-' if key == 'date_minus_days' else '+'} {step})"
        impl = self.implementation(operation.impl, _HINTS[kind])
        if operation.spread:
            return f"{impl}(({''.join(a + ', ' for a in args)}))"
        return f"{impl}({', '.join(args)})"

    def _aggregate(self, node: ir.Aggregate) -> str:
        self.iterable_depth += 1
        try:
            items = self.expr(node.items)
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
        loop = f"for {variable} in {items}{where}"
        if node.func in ("any", "all"):
            return f"{node.func}({body} {loop})"
        if node.func == "count":
            return f"{self.constant(Decimal, 'D')}(sum(1 {loop}))"
        if node.func == "sum":
            return f"_sum(({body} {loop}), {self.constant(zero_of(node.tag), 'zero')})"
        self.frames += 2
        try:
            default = self.expr(node.default) if node.default is not None else "_undecided()"
        finally:
            self.frames -= 2
        return f"_extreme({node.func}, [{body} {loop}], lambda: {default})"

    def _all_of(self, node: ir.AllOf) -> str:
        # `&` on yes/no values evaluates every condition, as a list of conditions is evaluated.
        return "(" + " & ".join(self.expr(r) for r in node.rules) + ")" if node.rules else "True"


_WRITERS: dict[type, Callable[[_Writer, Any], str]] = {
    ir.Literal: _Writer._literal,
    ir.ListOf: _Writer._list,
    ir.FactRead: _Writer._fact,
    ir.LoopVar: _Writer._loop_var,
    ir.Constant: _Writer._constant_read,
    ir.RuleRef: _Writer._rule,
    ir.ParameterRead: _Writer._parameter,
    ir.FieldAccess: _Writer._field,
    ir.Not: _Writer._not,
    ir.And: _Writer._and,
    ir.Or: _Writer._or,
    ir.If: _Writer._if,
    ir.Given: _Writer._given,
    ir.Apply: _Writer._apply,
    ir.Aggregate: _Writer._aggregate,
    ir.AllOf: _Writer._all_of,
}


def _uses(lowered: ir.LoweredMeasure, roots: list[ir.Node]) -> tuple[dict[str, int], set[str]]:
    """How often each rule is referenced (in rule bodies and in `roots`), and the rules referenced inside an aggregate."""
    uses: dict[str, int] = {}
    in_aggregate: set[str] = set()
    pending: list[tuple[ir.Node | ir.Table, int]] = [(rule.body, 0) for rule in lowered.rules]
    pending += [(root, 0) for root in roots]
    while pending:  # without recursion: a long chain of `and`s is deep
        node, depth = pending.pop()
        if isinstance(node, ir.Table):
            pending += [(n, depth) for row in node.rows for n in (row.when, row.then) if n is not None]
        elif isinstance(node, ir.RuleRef):
            uses[node.name] = uses.get(node.name, 0) + 1
            if depth:
                in_aggregate.add(node.name)
        elif isinstance(node, ir.Aggregate):
            pending.append((node.items, depth))
            pending += [(n, depth + 1) for n in (node.body, node.where, node.default) if n is not None]
        else:
            pending += [(child, depth) for child in ir.children(node)]
    return uses, in_aggregate


def _inlinable(lowered: ir.LoweredMeasure, uses: dict[str, int], in_aggregate: set[str],
               reported: set[str]) -> dict[str, ir.Node]:
    """Rules that can be written where they are used: used once, outside any aggregate, not reported on."""
    inline: dict[str, ir.Node] = {}
    for name, n in uses.items():
        body = lowered.rule(name).body
        if n == 1 and name not in in_aggregate and name not in reported and not isinstance(body, ir.Table):
            inline[name] = body
    return inline


def _own_conditions(eligible: ir.Node, uses: dict[str, int]) -> list[str]:
    """The conditions of a list of conditions that nothing else reads: `row` evaluates them into local variables.

    Each is evaluated exactly once per case, in `row` itself, so it needs neither a function nor a memo.
    """
    if not isinstance(eligible, ir.AllOf):
        return []
    return [r.name for r in eligible.rules if uses.get(r.name) == 1]


def _table(writer: _Writer, table: ir.Table) -> str:
    text = "_undecided()"
    for row in reversed(table.rows):
        then = writer.expr(row.then)
        text = then if row.when is None else f"({then} if {writer.expr(row.when)} else {text})"
    return text


class Generated:
    """The generated code of one measure: its source and `row(facts, on)`.

    `row` gives (reference date, eligible, amount rounded, deadlines, values, notes shown, values
    of the reported rules: NOT_YET for one not evaluated), or raises one of CANNOT_DECIDE.
    """

    def __init__(self, source: str, row: Callable[[dict, datetime.date], tuple], frames: int):
        self.source = source
        self.row = row
        self.frames = frames  # the most frames it nests


def generate(lowered: ir.LoweredMeasure, program: Program, reported: Sequence[str],
             window_open: Callable[[datetime.date], object] | None) -> Generated:
    """The row function of a lowered measure (raises TooDeep when it would nest more than MOST_FRAMES frames).

    `reported`: the rules whose values the row gives back, in this order, to name the failed conditions;
    `window_open`: True or False on a date (None: the measure has no window). Its parameters' values come
    from `program`, computed once there.
    """
    decision = lowered.decision
    reference = lowered.reference_date
    parts = [decision.eligible.body, *([decision.amount.body] if decision.amount is not None else []),
             *(p.body for p in decision.deadlines), *(p.body for p in decision.values)]
    roots = [*([reference] if reference is not None else []), *parts,
             *(n.when for n in decision.notes if n.when is not None)]
    # A list of conditions and every rule's top-level conjuncts are named when they fail: kept as rules.
    named = {*decision.conditions, *(c for rule in lowered.rules for c in rule.conjuncts)}
    uses, in_aggregate = _uses(lowered, roots)
    writer = _Writer(lowered, program, _inlinable(lowered, uses, in_aggregate, named))
    own = _own_conditions(decision.eligible.body, uses)
    writer.locals = {name: f"_cond{i}" for i, name in enumerate(own)}
    for rule_name in [*decision.conditions, *reported]:
        if rule_name not in writer.locals:
            writer.rule_function(rule_name)

    def each(nodes) -> str:
        return "(" + "".join(f"{writer.part(n)}, " for n in nodes) + ")"

    lines = ["def row(F, on):", "", "    ref = on"]  # `on` while the reference date is worked out
    if reference is not None:
        lines.append(f"    ref = {writer.expr(reference)}")
    windowed = window_open is not None
    # Outside the window: no eligibility, amount or notes, but the deadlines and values all the same.
    indent = "        " if windowed else "    "
    if windowed:
        lines += [f"    is_open = {writer.constant(window_open, 'window')}(ref)", "    if is_open:"]
    for name in own:
        condition = lowered.rule(name).body
        written = _table(writer, condition) if isinstance(condition, ir.Table) else writer.expr(condition)
        lines.append(f"{indent}{writer.locals[name]} = {written}  # {name!a}")
    lines.append(f"{indent}eligible = {writer.part(decision.eligible.body)}")
    if decision.amount is None:
        amount = "None"
    elif _in_cents(lowered, decision.amount.body):  # rounding again would change nothing
        amount = f"{writer.expr(decision.amount.body)} if eligible else None"
    else:
        amount = f"_round_cents({writer.expr(decision.amount.body)}) if eligible else None"
    lines.append(f"{indent}amount = {amount}")
    if windowed:
        lines += ["    else:", "        eligible, amount = False, None"]
        lines += ["        " + "".join(f"{writer.locals[n]} = " for n in own) + "_NO"] if own else []
    lines += [f"    deadlines = {each(p.body for p in decision.deadlines)}",
              f"    values = {each(p.body for p in decision.values)}",
              f"    shown = {each(n.when for n in decision.notes)}" + (" if is_open else ()" if windowed else ""),
              "    return ref, eligible, amount, deadlines, values, shown, "
              f"({''.join(writer.rule_cell(r) + ', ' for r in reported)})", ""]
    rule_lines = []
    for rule_name, function, body in writer.rule_bodies():
        slot = writer.rule_cell(rule_name)
        rule_lines += [f"def {function}(F, ref, on, S):  # {rule_name!a}",
                       f"    {slot} = value = {body}",
                       "    return value", ""]
    frames = writer.nested_frames()
    if frames > MOST_FRAMES:
        raise TooDeep(frames)
    # The memo of the rules, known once every body is written.
    lines[1] = f"    S = [_NO] * {len(writer.rule_order)}" if writer.rule_order else "    S = None"
    source = "\n".join(rule_lines + lines)
    namespace = writer.run(source, f"<rules of {lowered.measure_id}>")
    return Generated(source, namespace["row"], frames)


def generate_expression(node: ir.Node, program: Program) -> Callable[[dict, datetime.date], object]:
    """A function `value(facts, on)` of one lowered expression that reads no rules (for tests of the writer)."""
    writer = _Writer(None, program, {})
    source = f"def value(F, on):\n    S, ref = [], on\n    return {writer.expr(node)}\n"
    return writer.run(source, "<expression>")["value"]


#: Functions whose result is already a whole number of cents (rounding it again to the cent is the identity).
_CENTS = frozenset(("round_cents", "round_down_cents"))


def _in_cents(lowered: ir.LoweredMeasure, body: ir.Node | ir.Table) -> bool:
    """Whether the amount is the result of a rounding to the cent, directly or through rules naming it."""
    seen: set[str] = set()
    while isinstance(body, ir.RuleRef) and body.name not in seen:
        seen.add(body.name)
        body = lowered.rule(body.name).body
    return (isinstance(body, ir.Apply) and body.operation.kind in (ir.FUNCTION, ir.QUOTIENT)
            and body.operation.key in _CENTS)
