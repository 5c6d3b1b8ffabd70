"""Compile checked expressions into closures, once per measure; evaluation only calls them."""
from __future__ import annotations

from decimal import DecimalException, Inexact, Overflow
from typing import Any, Callable

from rulerun.dsl import ast
from rulerun.dsl.checker import Typing
from rulerun.dsl.errors import EvaluationError
from rulerun.dsl.exact import MAX_DIGITS
from rulerun.dsl.measure import Fact

from .aggregates import compile_aggregate
from .bounds import SETTLE, Settle, bounded, declared, hull, limits_of
from .functions import LANGUAGE_ERRORS, Refused
from .logic import and3, not3, or3
from .lower import Operation, bind
from .steps import Step, fail
from .values import Unknown, unknown_of

__all__ = ["Compiler", "lift"]


class Compiler:
    """Turns AST nodes into closures `step(env) -> value` using the checker's side tables."""

    def __init__(self, typing: Typing, facts: dict[str, Fact] | None = None):
        self.typing = typing
        self.facts = facts or {}  # the declarations, for the bounds an unknown fact keeps

    def compile(self, node: ast.Expr) -> Step:
        """The closure that evaluates `node`."""
        return _COMPILERS[type(node)](self, node)

    def tag(self, node: ast.Expr) -> str:
        """The type tag the checker inferred for `node`."""
        return self.typing.types[id(node)].tag

    def _literal(self, node: ast.Literal) -> Step:
        value = node.value
        return lambda env: value

    def _listexpr(self, node: ast.ListExpr) -> Step:
        return lift(node, lambda *values: values, [self.compile(i) for i in node.items])

    def _name(self, node: ast.Name) -> Step:
        ref = self.typing.refs[id(node)]
        fields = ref.fields
        name = ref.name
        if ref.kind == "fact":
            path = ".".join((name, *fields))
            keys = (name, *fields)
            tag = self.tag(node)
            low, high = declared(self._declaration(keys))
            if fields:
                if low is None and high is None:
                    return lambda env: env.fact(path, keys, tag)

                def bounded_fact(env):
                    value = env.fact(path, keys, tag)
                    return bounded(value, low, high) if type(value) is Unknown else value
                return bounded_fact

            def fact(env):  # a top-level fact: the most common read, without the walk over keys
                value = env.facts.get(name)
                if value is None:
                    value = bounded(Unknown((path,)), low, high)
                if env.frame is not None:
                    env.frame.facts[path] = (value, tag)
                return value
            return fact
        if ref.kind == "var":
            if not fields:
                return lambda env: env.vars[name]  # an item of a list not given is that list's Unknown

            origin = ref.origin or name

            def var(env):
                value = env.vars[name]
                if type(value) is Unknown:  # an item of a list not given
                    return value
                for i, f in enumerate(fields):
                    if f not in value:
                        # An optional field the case leaves out is unknown, like any absent fact,
                        # and named with its item: `aandeelhouders[0].activiteit_sinds`.
                        return Unknown((".".join((item_path(env, name) or origin, *fields[:i + 1])),))
                    value = value[f]
                return value
            return var
        if ref.kind == "constant":
            if name == "reference_date":
                return lambda env: env.reference_date()
            return lambda env: env.on
        if ref.kind == "rule":
            base = lambda env: env.rule(name)  # noqa: E731
        else:
            base = lambda env: env.parameter(name, None, node)  # noqa: E731
        if not fields:
            return base
        return _field_chain(base, fields)

    def _declaration(self, keys: tuple[str, ...]) -> Fact | None:
        """The declaration of the fact at `keys` (a record's field too), or None."""
        fact = self.facts.get(keys[0])
        for key in keys[1:]:
            fact = fact.fields.get(key) if fact is not None else None
        return fact

    def _field(self, node: ast.Field) -> Step:
        return _field_chain(self.compile(node.target), (node.name,))

    def _index(self, node: ast.Index) -> Step:
        name = self.typing.refs[id(node.target)].name
        key = self.compile(node.key)

        def step(env):
            k = key(env)
            if type(k) is Unknown:
                return k
            return env.parameter(name, k, node)  # needs the environment: not a lifted value function
        return step

    def _at(self, node: ast.At) -> Step:
        target = node.target
        keyed = isinstance(target, ast.Index)
        name_node = target.target if isinstance(target, ast.Index) else target
        ref = self.typing.refs[id(name_node)]
        name, fields = ref.name, ref.fields
        key = self.compile(target.key) if isinstance(target, ast.Index) else None
        on = self.compile(node.on)

        def step(env):
            day = on(env)
            if type(day) is Unknown:
                return day
            k = key(env) if key is not None else None
            if type(k) is Unknown:
                return k
            value = env.parameter(name, k if keyed else None, node, day)
            for f in fields:
                value = value[f]
            return value
        return step

    def _unary(self, node: ast.Unary) -> Step:
        if node.op == "not":
            operand = self.compile(node.operand)
            return lambda env: not3(operand(env))
        return self._operation(bind(node, self.typing))

    def _binary(self, node: ast.Binary) -> Step:
        if node.op == "and":
            return _and(self.compile(node.left), self.compile(node.right))
        if node.op == "or":
            return _or(self.compile(node.left), self.compile(node.right))
        return self._operation(bind(node, self.typing))

    def _if(self, node: ast.If) -> Step:
        cond, then, otherwise = self.compile(node.cond), self.compile(node.then), self.compile(node.otherwise)

        def step(env):
            c = cond(env)
            if c is True:
                return then(env)
            if c is False:
                return otherwise(env)
            a, b = then(env), otherwise(env)
            if type(a) is not Unknown and type(b) is not Unknown and a == b:
                return a
            return bounded(unknown_of(c, a, b), *limits_of(hull((a, b))))
        return step

    def _call(self, node: ast.Call) -> Step:
        if node.func == "given":  # never unknown: whether the case gives the fact
            read = self.compile(node.args[0])

            def given(env):
                frame, env.frame = env.frame, None  # an optional fact left out is not shown as missing
                try:
                    return type(read(env)) is not Unknown
                finally:
                    env.frame = frame
            return given
        return self._operation(bind(node, self.typing))

    def _operation(self, operation: Operation) -> Step:
        impl = operation.impl
        settle = SETTLE.get((operation.kind, operation.key))
        if operation.spread:
            return lift(operation.at, lambda *values: impl(values), [self.compile(x) for x in operation.operands],
                        settle)
        return lift(operation.at, impl, [self.compile(x) for x in operation.operands], settle)

    def _aggregate(self, node: ast.Aggregate) -> Step:
        return compile_aggregate(node, self.compile, self.tag(node), self.tag, self._list_path(node.source))

    def _list_path(self, source: ast.Expr) -> Callable[[Any], str | None]:
        """Where the list `source` reads is in the case: a fact's path, or a field of an enclosing item."""
        ref = self.typing.refs.get(id(source)) if isinstance(source, ast.Name) else None
        if ref is None or ref.kind not in ("fact", "var"):
            return lambda env: None
        suffix = "".join("." + f for f in ref.fields)
        if ref.kind == "fact":
            text = ref.name + suffix
            return lambda env: text
        name = ref.name
        return lambda env: (lambda base: None if base is None else base + suffix)(item_path(env, name))


def item_path(env, var: str) -> str | None:
    """The path of the item loop variable `var` is bound to, `aandeelhouders[0]`, or None when not known.

    Items are counted from 0, as the errors in a case file count them.
    """
    where = env.items.get(var)
    if where is None or where[0] is None:
        return None
    return f"{where[0]}[{where[1]}]"


def _field_chain(base: Step, fields: tuple[str, ...]) -> Step:
    def step(env):
        value = base(env)
        for f in fields:
            if type(value) is Unknown:
                return value
            value = value[f]
        return value
    return step


def lift(node: ast.Expr, impl: Callable, args: list[Step], settle: Settle | None = None) -> Step:
    """`impl` over the values of `args`: Unknown when any is unknown, a language error located at `node`.

    The one place Unknown propagates through an operator or function; the fixed arities are
    written out because this runs for every operation of every case. `settle` (bounds.SETTLE)
    takes the values when one is unknown: it may settle the result from the declared bounds.
    """
    if len(args) == 1:
        (only,) = args

        def one(env):
            a = only(env)
            if type(a) is Unknown:
                return a if settle is None else settle((a,))
            try:
                return impl(a)
            except LANGUAGE_ERRORS as error:
                raise _arith_error(node, error) from None
        return one
    if len(args) == 2:
        left, right = args

        def two(env):
            a = left(env)
            b = right(env)
            if type(a) is Unknown or type(b) is Unknown:
                return unknown_of(a, b) if settle is None else settle((a, b))
            try:
                return impl(a, b)
            except LANGUAGE_ERRORS as error:
                raise _arith_error(node, error) from None
        return two

    def many(env):
        values = [a(env) for a in args]
        for x in values:
            if type(x) is Unknown:
                return unknown_of(*values) if settle is None else settle(values)
        try:
            return impl(*values)
        except LANGUAGE_ERRORS as error:
            raise _arith_error(node, error) from None
    return many


def _and(left: Step, right: Step) -> Step:
    def step(env):
        a = left(env)
        return False if a is False else and3(a, right(env))  # the right side only when it can matter
    return step


def _or(left: Step, right: Step) -> Step:
    def step(env):
        a = left(env)
        return True if a is True else or3(a, right(env))
    return step


def _signals(error: Exception) -> tuple[type, ...]:
    """The decimal signals an exception of the decimal module carries (C decimal lists them), else its class."""
    if isinstance(error, DecimalException) and error.args and isinstance(error.args[0], list):
        return tuple(error.args[0])
    return (type(error),)


def _arith_error(node: ast.Expr, error: Exception) -> EvaluationError:
    if isinstance(error, Refused):
        return fail(node, error.message, error.hint)
    signals = _signals(error)
    if any(issubclass(s, ZeroDivisionError) for s in signals):
        return fail(node, "division by zero", "guard the division: `if d = 0 then … else x / d`")
    if any(issubclass(s, Inexact) for s in signals):
        if isinstance(node, ast.Binary) and node.op == "/" and not any(issubclass(s, Overflow) for s in signals):
            return fail(node, "this division has no exact decimal result",
                        "write `round_cents(a / b)` for an amount or `round(a / b)` for a number where the "
                        "regulation rounds: the exact quotient is then rounded once")
        return fail(node, f"the result has more than {MAX_DIGITS} digits and cannot be held exactly",
                    "round an intermediate result with `round_cents` or `round`")
    if isinstance(error, OverflowError):
        return fail(node, "the resulting date is out of range (years 1 to 9999)")
    return fail(node, str(error))


_COMPILERS: dict[type, Callable[[Compiler, Any], Step]] = {
    ast.Literal: Compiler._literal,
    ast.ListExpr: Compiler._listexpr,
    ast.Name: Compiler._name,
    ast.Field: Compiler._field,
    ast.Index: Compiler._index,
    ast.At: Compiler._at,
    ast.Unary: Compiler._unary,
    ast.Binary: Compiler._binary,
    ast.If: Compiler._if,
    ast.Call: Compiler._call,
    ast.Aggregate: Compiler._aggregate,
}
