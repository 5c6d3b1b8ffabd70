"""Static checking: resolve every name and infer every expression's type before any case runs."""
from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from . import ast
from .builtins import AGGREGATES, BINARY_HINTS, CONSTANTS, EQUALITY, FUNCTIONS, NUMERIC, ORDERING, operator_for
from .errors import Collector
from .names import did_you_mean
from .patterns import Pattern, PatternError, compile_pattern
from .records import field, record
from .types import (BOOL, BY_TAG, ERROR, NUMBER, ORDERED_TAGS, Type, comparable, enum, list_of,
                    unify)


@record(frozen=True)
class Ref:
    """What a name refers to: `kind` is fact, rule, parameter, var or constant."""

    kind: str
    name: str
    fields: tuple[str, ...]
    type: Type
    origin: str | None = None  # for a var: the fact path of the list it ranges over


@record(frozen=True)
class ParameterShape:
    """What the checker needs to know of a parameter: its value type and keys."""

    type: Type
    keys: tuple[str, ...] | None
    dated: bool = False  # has versions from given dates, so it can be read `at` a date


class Scope(Protocol):
    """The names an expression can use, supplied by the measure being checked."""

    def fact(self, name: str) -> Type | None: ...
    def rule(self, name: str) -> Type | None: ...
    def parameter(self, name: str) -> ParameterShape | None: ...
    def names(self) -> list[str]: ...
    def qualify(self, name: str) -> str: ...
    def unread(self, first: str) -> bool: ...


@record
class Typing:
    """Side tables the checker fills: types, name references and compiled patterns by node id."""

    types: dict[int, Type] = field(default_factory=dict)
    refs: dict[int, Ref] = field(default_factory=dict)
    patterns: dict[int, Pattern] = field(default_factory=dict)


def _literal_values(node: ast.Expr) -> list[ast.Literal] | None:
    if isinstance(node, ast.Literal) and node.kind == "text":
        return [node]
    if isinstance(node, ast.ListExpr) and node.items and all(
            isinstance(i, ast.Literal) and i.kind == "text" for i in node.items):
        return [i for i in node.items if isinstance(i, ast.Literal)]
    return None


class Checker:
    """Infers types for expressions in one scope, reporting into a collector."""

    def __init__(self, scope: Scope, collector: Collector, typing: Typing | None = None):
        self.scope = scope
        self.report = collector
        self.typing = typing or Typing()
        self._vars: list[tuple[str, Type, str | None]] = []

    def check(self, node: ast.Expr, expect: Type | None = None, what: str = "expression") -> Type:
        """Infer `node`'s type; when `expect` is given, report a mismatch."""
        result = self._infer(node)
        self.typing.types[id(node)] = result
        if expect is not None and result != ERROR and unify(result, expect) is None:
            self.report.error(f"{what} must be {_article(expect)}, but this is {_article(result)}", node.span,
                              _expect_hint(expect, result))
        return result

    def condition(self, node: ast.Expr, what: str = "a condition") -> Type:
        """Check a node that must be boolean."""
        return self.check(node, BOOL, what)

    # -- dispatch -----------------------------------------------------------------------------

    def _infer(self, node: ast.Expr) -> Type:
        method = getattr(self, "_" + type(node).__name__.lower())
        return method(node)

    def _literal(self, node: ast.Literal) -> Type:
        if node.kind == "text":
            return enum([node.value])
        return BY_TAG[node.kind]

    def _listexpr(self, node: ast.ListExpr) -> Type:
        element: Type | None = None
        for item in node.items:
            t = self.check(item)
            if element is None:
                element = t
            else:
                joined = unify(element, t)
                if joined is None:
                    self.report.error(f"a list holds values of one type; this item is {_article(t)} "
                                      f"where the others are {_article(element)}", item.span)
                    return ERROR
                element = joined
        return list_of(element)

    def _name(self, node: ast.Name) -> Type:
        ref = self._resolve(node)
        if ref is None:
            return ERROR
        self.typing.refs[id(node)] = ref
        return ref.type

    def _resolve(self, node: ast.Name) -> Ref | None:
        path = node.path
        for name, var_type, origin in reversed(self._vars):
            if path[0] == name:
                return self._fields(node, Ref("var", name, (), var_type, origin), path[1:])
        for k in range(len(path), 0, -1):
            key = ".".join(path[:k])
            rule_type = self.scope.rule(key)
            if rule_type is not None:
                return self._fields(node, Ref("rule", self.scope.qualify(key), (), rule_type), path[k:])
            shape = self.scope.parameter(key)
            if shape is not None:
                if shape.keys is not None and k == len(path):
                    self.report.error(f"parameter `{key}` has a value per key; look one up with "
                                      f"`{key}[...]`", node.span, "keys: " + ", ".join(shape.keys))
                    return None
                return self._fields(node, Ref("parameter", self.scope.qualify(key), (), shape.type), path[k:])
        fact_type = self.scope.fact(path[0])
        if fact_type is not None:
            return self._fields(node, Ref("fact", path[0], (), fact_type), path[1:])
        if path[0] in CONSTANTS and len(path) == 1:
            return Ref("constant", path[0], (), BY_TAG[CONSTANTS[path[0]]])
        if self.scope.unread(path[0]):
            return None  # it may be declared in an import that failed, which was reported already
        candidates = [v for v, _, _ in self._vars] + self.scope.names() + list(CONSTANTS)
        hint = did_you_mean(node.dotted, candidates) or "declare it under `facts`, `parameters` or `rules`"
        if len(path) > 1 and self.scope.fact(path[1]) is not None:
            hint = f"facts are shared by all files of a measure: write `{'.'.join(path[1:])}`"
        self.report.error(f"unknown name `{node.dotted}`", node.span, hint)
        return None

    def _origin(self, source: ast.Expr) -> str | None:
        """The fact path a list expression reads, so that an item's absent field can be named."""
        ref = self.typing.refs.get(id(source)) if isinstance(source, ast.Name) else None
        if ref is None or ref.kind not in ("fact", "var"):
            return None
        base = ref.name if ref.kind == "fact" else ref.origin
        return ".".join((base, *ref.fields)) if base else None

    def _fields(self, node: ast.Name, ref: Ref, rest: tuple[str, ...]) -> Ref | None:
        current = ref.type
        walked = list(ref.fields)
        for name in rest:
            if current == ERROR:
                return Ref(ref.kind, ref.name, tuple(walked), ERROR, ref.origin)
            if current.kind != "record":
                hint = ("a list has no fields; use an aggregate such as `sum(x.field for each x in list)`"
                        if current.kind == "list" else None)
                self.report.error(f"`{'.'.join((ref.name, *walked))}` is {_article(current)}, which has no "
                                  f"field `{name}`", node.span, hint)
                return None
            field_type = current.field(name)
            if field_type is None:
                self.report.error(f"`{'.'.join((ref.name, *walked))}` has no field `{name}`", node.span,
                                  did_you_mean(name, [n for n, _ in current.fields or ()]))
                return None
            walked.append(name)
            current = field_type
        return Ref(ref.kind, ref.name, tuple(walked), current, ref.origin)

    def _field(self, node: ast.Field) -> Type:
        target = self.check(node.target)
        if target == ERROR:
            return ERROR
        found = target.field(node.name) if target.kind == "record" else None
        if found is None:
            self.report.error(f"{_article(target)} has no field `{node.name}`", node.span)
            return ERROR
        return found

    def _index(self, node: ast.Index) -> Type:
        key_type = self.check(node.key)
        if not isinstance(node.target, ast.Name):
            self.report.error("only a parameter can be looked up by key", node.span)
            return ERROR
        shape = self.scope.parameter(node.target.dotted)
        if shape is None:
            self.report.error(f"`{node.target.dotted}` is not a parameter with keys", node.target.span,
                              did_you_mean(node.target.dotted, self.scope.names()))
            return ERROR
        if shape.keys is None:
            self.report.error(f"parameter `{node.target.dotted}` has one value, not a value per key",
                              node.span, f"write `{node.target.dotted}` without `[...]`")
            return ERROR
        self.typing.refs[id(node.target)] = Ref("parameter", self.scope.qualify(node.target.dotted), (), shape.type)
        if key_type.kind == "enum":
            literal = _literal_values(node.key)
            missing = [v for v in key_type.values or () if v not in shape.keys]
            if missing:
                self.report.error(f"parameter `{node.target.dotted}` has no value for "
                                  + ", ".join(f"`{m}`" for m in missing), node.key.span,
                                  "add a value for every value the key can take"
                                  if literal is None else did_you_mean(missing[0], shape.keys))
        elif key_type.kind != "text" and key_type != ERROR:
            self.report.error(f"a parameter key must be an enum or a text, not {_article(key_type)}", node.key.span)
        return shape.type

    def _at(self, node: ast.At) -> Type:
        on = self.check(node.on)
        target = node.target.target if isinstance(node.target, ast.Index) else node.target
        name = target.dotted if isinstance(target, ast.Name) else None
        shape = self.scope.parameter(name) if name is not None else None
        if shape is None:
            self.check(node.target)
            self.report.error("`at` reads a dated parameter at a date: the left of `at` must be a parameter",
                              node.target.span, "e.g. `plafond at werken.start`, or `tarief[grootte] at aanvraag.datum`")
            return ERROR
        if not shape.dated:
            self.check(node.target)
            self.report.error(f"parameter `{name}` has one value for every date; `at` reads a parameter with "
                              "dated versions", node.target.span, f"write `{name}` without `at …`")
            return ERROR
        result = self.check(node.target)
        if on != ERROR and on.kind != "date":
            self.report.error(f"the date after `at` must be a date, but this is {_article(on)}", node.on.span,
                              "e.g. `werken.start` or `aanvraag.datum + 30 days`")
            return ERROR
        return result

    def _unary(self, node: ast.Unary) -> Type:
        if node.op == "not":
            self.condition(node.operand, "the operand of `not`")
            return BOOL
        t = self.check(node.operand)
        if t != ERROR and operator_for("-", t.tag) is None:
            self.report.error(f"cannot negate {_article(t)}", node.span)
            return ERROR
        return t

    def _binary(self, node: ast.Binary) -> Type:
        if node.op in ("and", "or"):
            self.condition(node.left, f"each side of `{node.op}`")
            self.condition(node.right, f"each side of `{node.op}`")
            return BOOL
        left, right = self.check(node.left), self.check(node.right)
        if ERROR in (left, right):
            return BOOL if node.op in ORDERING + EQUALITY + ("in", "not in") else ERROR
        if node.op in EQUALITY:
            self._comparable(node, left, right)
            return BOOL
        if node.op in ("in", "not in"):
            if right.kind != "list":
                self.report.error(f"the right side of `{node.op}` must be a list, not {_article(right)}",
                                  node.right.span, 'write a list: `x in ["a", "b"]`')
            elif right.element is not None:
                self._comparable(node, left, right.element)
            return BOOL
        if node.op in ORDERING:
            if left.tag != right.tag or left.tag not in ORDERED_TAGS:
                self._mismatch(node, left, right, "compare")
            return BOOL
        entry = operator_for(node.op, left.tag, right.tag)
        if entry is None:
            self._mismatch(node, left, right, {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}[node.op])
            return ERROR
        return BY_TAG[entry.result]

    def _comparable(self, node: ast.Binary, left: Type, right: Type) -> None:
        if not comparable(left, right):
            self._mismatch(node, left, right, "compare")
            return
        if left.kind == "enum" and right.kind == "enum":
            self._enum_values(node.right, left, node.left) or self._enum_values(node.left, right, node.right)
            known_left, known_right = set(left.values or ()), set(right.values or ())
            if (_literal_values(node.left) is None and _literal_values(node.right) is None
                    and not known_left & known_right):
                self.report.error(f"these can never be equal: one takes {_values(left)}, the other {_values(right)}",
                                  node.span)

    def _enum_values(self, literal_side: ast.Expr, enum_type: Type, other: ast.Expr) -> bool:
        literals = _literal_values(literal_side)
        if literals is None or _literal_values(other) is not None:
            return False
        for lit in literals:
            if lit.value not in (enum_type.values or ()):
                what = f"`{other.dotted}`" if isinstance(other, ast.Name) else "the other side"
                self.report.error(f'"{lit.value}" is not a value {what} can take; it takes {_values(enum_type)}',
                                  lit.span, did_you_mean(str(lit.value), enum_type.values or ()))
        return True

    def _mismatch(self, node: ast.Binary, left: Type, right: Type, verb: str) -> None:
        if verb == "compare" and {left.tag, right.tag} == {"days", "months"}:
            self.report.error("cannot compare a duration in days with a duration in months", node.span,
                              "months have different lengths; compare dates instead, e.g. `start + 6 months >= end`")
            return
        hint = BINARY_HINTS.get((node.op, left.tag, right.tag))
        if verb == "compare" and "percent" in (left.tag, right.tag) and "number" in (left.tag, right.tag):
            hint = "write the number as a percentage: `50%`"
        preposition = {"add": "and", "subtract": "from", "compare": "with"}.get(verb, "by")
        a, b = (right, left) if verb == "subtract" else (left, right)
        self.report.error(f"cannot {verb} {_article(a)} {preposition} {_article(b)}", node.span, hint)

    def _if(self, node: ast.If) -> Type:
        self.condition(node.cond, "the condition of `if`")
        then, otherwise = self.check(node.then), self.check(node.otherwise)
        joined = unify(then, otherwise)
        if joined is None:
            self.report.error(f"both branches of `if` must have one type; `then` is {_article(then)}, "
                              f"`else` is {_article(otherwise)}", node.span, _expect_hint(then, otherwise))
            return ERROR
        return joined

    def _call(self, node: ast.Call) -> Type:
        func = FUNCTIONS.get(node.func)
        if func is None:
            self.report.error(f"unknown function `{node.func}`", node.span,
                              did_you_mean(node.func, list(FUNCTIONS) + list(AGGREGATES)))
            for arg in node.args:
                self.check(arg)
            return ERROR
        types = [self.check(arg) for arg in node.args]
        if func.name == "given":
            return self._given(node, types)
        if func.variadic:
            if not types:
                self.report.error(f"`{func.name}` needs at least one argument", node.span)
                return ERROR
        elif len(types) != len(func.params):
            self.report.error(f"`{func.name}` takes {len(func.params)} argument"
                              f"{'s' if len(func.params) != 1 else ''}, not {len(types)}", node.span,
                              f"{func.name}: {func.doc}")
            return ERROR
        if func.name == "date":
            self._whole_date_parts(node)
        params = func.params * len(types) if func.variadic else func.params
        result: Type | None = None
        for arg, t, want in zip(node.args, types, params):
            if t == ERROR:
                return ERROR
            if not self._accepts(want, t, arg, node):
                self.report.error(f"`{func.name}` cannot take {_article(t)} here ({func.doc})", arg.span)
                return ERROR
            if func.result == "same":
                joined = t if result is None else unify(result, t)
                if joined is None:
                    self.report.error(f"the arguments of `{func.name}` must have one type", arg.span)
                    return ERROR
                result = joined
        if func.result != "same":
            return BY_TAG[func.result]
        assert result is not None, "a function whose result has its arguments' type takes at least one"
        return result

    def _given(self, node: ast.Call, types: list[Type]) -> Type:
        """`given(fact)`: its one argument names a fact, or a field of a list item."""
        if len(types) != 1:
            self.report.error(f"`given` takes 1 argument, not {len(types)}", node.span,
                              "given: " + FUNCTIONS["given"].doc)
            return ERROR
        (arg,) = node.args
        ref = self.typing.refs.get(id(arg)) if isinstance(arg, ast.Name) else None
        if types[0] != ERROR and (ref is None or ref.kind not in ("fact", "var")):
            self.report.error("`given` asks whether the case gives a fact: its argument must name a fact",
                              arg.span, "e.g. `given(stortingen_eigen_bijdrage)` or `given(a.activiteit_sinds)`")
            return ERROR
        return BOOL

    def _whole_date_parts(self, node: ast.Call) -> None:
        """A fraction written as a part of `date(…)`: refused here, as evaluation would refuse it."""
        for part, arg in zip(("year", "month", "day"), node.args):
            if (isinstance(arg, ast.Literal) and arg.kind == "number" and isinstance(arg.value, Decimal)
                    and arg.value != arg.value.to_integral_value()):
                self.report.error(f"`date` takes a whole {part}, not {arg.value}", arg.span,
                                  "write a whole number: a date has no fraction of a year, month or day")

    def _accepts(self, want: str, t: Type, arg: ast.Expr, call: ast.Call) -> bool:
        if want == "ordered":
            return t.tag in ORDERED_TAGS
        if want == "numeric":
            return t.tag in NUMERIC
        if want == "text":
            return t.kind in ("text", "enum")
        if want == "pattern":
            if not (isinstance(arg, ast.Literal) and arg.kind == "text"):
                self.report.error("the pattern must be written as a text literal", arg.span)
                return True
            try:
                self.typing.patterns[id(call)] = compile_pattern(arg.value)
            except PatternError as error:
                self.report.error(f"invalid pattern: {error}", arg.span, error.hint)
            return True
        return t.tag == want

    def _aggregate(self, node: ast.Aggregate) -> Type:
        spec = AGGREGATES.get(node.func)
        if spec is None:
            hint = did_you_mean(node.func, AGGREGATES) or "aggregates are " + ", ".join(AGGREGATES)
            self.report.error(f"`{node.func}` cannot aggregate over a list", node.span, hint)
            return ERROR
        body_rule, _ = spec
        source = self.check(node.source)
        element = ERROR
        if source != ERROR:
            if source.kind != "list":
                self.report.error(f"`for each {node.var} in …` needs a list, not {_article(source)}", node.source.span)
            else:
                element = source.element or ERROR
        self._vars.append((node.var, element, self._origin(node.source)))
        try:
            if node.where is not None:
                self.condition(node.where, "the `where` filter")
            result = BOOL if body_rule == "bool-or-none" else NUMBER
            if body_rule == "none":
                if node.body is not None:
                    self.report.error("`count` counts items; write `count(each x in list where …)`", node.body.span)
            elif body_rule == "bool-or-none":
                if node.body is not None:
                    self.condition(node.body, f"the body of `{node.func}`")
                elif node.where is None:
                    self.report.error(f"`{node.func}` needs a condition: `{node.func}(each x in list where …)`",
                                      node.span)
            else:
                if node.body is None:
                    self.report.error(f"`{node.func}` needs a value: `{node.func}(x.field for each x in list)`",
                                      node.span)
                    return ERROR
                result = self.check(node.body)
                allowed = NUMERIC + ("days", "months") if body_rule == "summable" else tuple(ORDERED_TAGS)
                if result != ERROR and result.tag not in allowed:
                    self.report.error(f"cannot take the {node.func} of {_article(result)}", node.body.span)
                    result = ERROR
        finally:
            self._vars.pop()
        if node.default is not None:
            if body_rule not in ("ordered", "summable"):
                self.report.error(f"`{node.func}` has a result for an empty list; `else` is not needed",
                                  node.default.span)
            else:
                default = self.check(node.default)
                if unify(result, default) is None:
                    self.report.error(f"the `else` value must be {_article(result)}, not {_article(default)}",
                                      node.default.span)
        return result


def _article(t: Type) -> str:
    text = str(t)
    if t.kind == "enum" and t.values and len(t.values) == 1:
        return f'the text "{t.values[0]}"'
    if t.kind in ("enum", "list", "record", "duration"):
        return f"a {text}"
    return ("an " if text[0] in "aeiou" else "a ") + text


def _values(t: Type) -> str:
    return ", ".join(t.values or ())


def _expect_hint(expect: Type, actual: Type) -> str | None:
    if expect.tag == "money" and actual.tag == "number":
        return "write amounts with the euro sign: `€ 0`"
    if expect.tag == "percent" and actual.tag == "number":
        return "write percentages with `%`: `30%`"
    if expect.tag == "bool":
        return "a condition is a comparison or a yes/no fact, e.g. `x >= € 500`"
    return None


def check_expression(node: ast.Expr, scope: Scope, expect: Type | None = None) -> tuple[Type, Typing, Collector]:
    """Check a single expression in `scope`; return its type, the side tables and the diagnostics."""
    collector = Collector()
    checker = Checker(scope, collector)
    result = checker.check(node, expect)
    return result, checker.typing, collector
