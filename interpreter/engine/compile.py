"""Compile the lowered form (ir.py) into closures, once per measure; evaluation only calls them.

Where a node's `unknown` is False no case can make its value Unknown, so its closure does without
the Unknown checks: an operation over a literal checks only its other operand, a condition that is
always known needs no three-valued logic.
"""
from __future__ import annotations

from decimal import DecimalException, Inexact, Overflow
from typing import Any, Callable, Sequence

from rulerun.dsl import ast
from rulerun.dsl.errors import EvaluationError
from rulerun.dsl.exact import MAX_DIGITS

from . import ir
from .aggregates import compile_aggregate
from .bounds import SETTLE, Settle, bounded, hull, limits_of
from .functions import LANGUAGE_ERRORS, Refused
from .logic import and3, not3, or3
from .steps import Step, fail, item_path
from .values import Unknown, unknown_of

__all__ = ["Compiler", "lift"]


class Compiler:
    """Turns IR nodes into closures `step(env) -> value`."""

    def compile(self, node: ir.Node) -> Step:
        """The closure that evaluates `node`."""
        return _COMPILERS[type(node)](self, node)

    def _literal(self, node: ir.Literal) -> Step:
        value = node.value
        return lambda env: value

    def _list(self, node: ir.ListOf) -> Step:
        return lift(node.source, lambda *values: values, [self.compile(i) for i in node.items],
                    known=[not i.unknown for i in node.items])

    def _fact(self, node: ir.FactRead) -> Step:
        path, keys, tag, low, high = node.path, node.keys, node.tag, node.low, node.high
        if len(keys) > 1:
            if low is None and high is None:
                return lambda env: env.fact(path, keys, tag)

            def bounded_fact(env):
                value = env.fact(path, keys, tag)
                return bounded(value, low, high) if type(value) is Unknown else value
            return bounded_fact
        name = keys[0]

        def fact(env):  # a top-level fact: the most common read, without the walk over keys
            value = env.facts.get(name)
            if value is None:
                value = bounded(Unknown((path,)), low, high)
            if env.frame is not None:
                env.frame.facts[path] = (value, tag)
            return value
        return fact

    def _loop_var(self, node: ir.LoopVar) -> Step:
        name, fields = node.name, node.fields
        if not fields:
            return lambda env: env.vars[name]  # an item of a list not given is that list's Unknown
        origin = node.origin or name

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

    def _constant(self, node: ir.Constant) -> Step:
        if node.name == "reference_date":
            return lambda env: env.reference_date()
        return lambda env: env.on

    def _rule(self, node: ir.RuleRef) -> Step:
        name = node.name
        return lambda env: env.rule(name)

    def _parameter(self, node: ir.ParameterRead) -> Step:
        name, at, fields = node.name, node.source, node.fields
        if node.key is None and node.on is None:
            base = lambda env: env.parameter(name, None, at)  # noqa: E731
            return _field_chain(base, fields) if fields else base
        key = self.compile(node.key) if node.key is not None else None
        on = self.compile(node.on) if node.on is not None else None

        def step(env):
            day = None
            if on is not None:
                day = on(env)
                if type(day) is Unknown:
                    return day
            k = None
            if key is not None:
                k = key(env)
                if type(k) is Unknown:
                    return k
            value = env.parameter(name, k, at, day)  # needs the environment: not a lifted value function
            for f in fields:  # read `at` a known date: never unknown
                value = value[f]
            return value
        return step

    def _field(self, node: ir.FieldAccess) -> Step:
        return _field_chain(self.compile(node.target), node.fields)

    def _not(self, node: ir.Not) -> Step:
        operand = self.compile(node.operand)
        if not node.unknown:
            return lambda env: not operand(env)
        return lambda env: not3(operand(env))

    def _and(self, node: ir.And) -> Step:
        left, right = self.compile(node.left), self.compile(node.right)
        if not node.unknown:
            return lambda env: left(env) and right(env)

        def step(env):
            a = left(env)
            return False if a is False else and3(a, right(env))  # the right side only when it can matter
        return step

    def _or(self, node: ir.Or) -> Step:
        left, right = self.compile(node.left), self.compile(node.right)
        if not node.unknown:
            return lambda env: left(env) or right(env)

        def step(env):
            a = left(env)
            return True if a is True else or3(a, right(env))
        return step

    def _if(self, node: ir.If) -> Step:
        cond, then, otherwise = self.compile(node.cond), self.compile(node.then), self.compile(node.otherwise)
        if not node.cond.unknown:
            return lambda env: then(env) if cond(env) else otherwise(env)

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

    def _given(self, node: ir.Given) -> Step:
        read = self.compile(node.read)

        def given(env):
            frame, env.frame = env.frame, None  # an optional fact left out is not shown as missing
            try:
                return type(read(env)) is not Unknown
            finally:
                env.frame = frame
        return given

    def _apply(self, node: ir.Apply) -> Step:
        operation = node.operation
        impl = operation.impl
        settle = SETTLE.get((operation.kind, operation.key))
        args = [self.compile(x) for x in node.operands]
        known = [not x.unknown for x in node.operands]
        if operation.spread:
            return lift(operation.at, lambda *values: impl(values), args, settle, known)
        return lift(operation.at, impl, args, settle, known)

    def _aggregate(self, node: ir.Aggregate) -> Step:
        return compile_aggregate(node, self.compile)

    def _all_of(self, node: ir.AllOf) -> Step:
        """Every condition evaluated (no short-circuit, so that every failure is reported)."""
        names = [r.name for r in node.rules]

        def step(env):
            value: object = True
            for name in names:
                value = and3(value, env.rule(name))
            return value
        return step


def _field_chain(base: Step, fields: tuple[str, ...]) -> Step:
    def step(env):
        value = base(env)
        for f in fields:
            if type(value) is Unknown:
                return value
            value = value[f]
        return value
    return step


def lift(node: ast.Expr, impl: Callable, args: list[Step], settle: Settle | None = None,
         known: Sequence[bool] | None = None) -> Step:
    """`impl` over the values of `args`: Unknown when any is unknown, a language error located at `node`.

    The one place Unknown propagates through an operator or function; the fixed arities are
    written out because this runs for every operation of every case. `settle` (bounds.SETTLE)
    takes the values when one is unknown: it may settle the result from the declared bounds.
    `known[i]` says the i-th argument is never Unknown (ir: `unknown` False): it is not checked.
    """
    known = known if known is not None else [False] * len(args)
    if all(known):
        return _plain(node, impl, args)
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
        if known[0] or known[1]:
            check_left = not known[0]

            def half(env):  # one side is never unknown: only the other is checked
                a = left(env)
                b = right(env)
                if type(a if check_left else b) is Unknown:
                    return unknown_of(a, b) if settle is None else settle((a, b))
                try:
                    return impl(a, b)
                except LANGUAGE_ERRORS as error:
                    raise _arith_error(node, error) from None
            return half

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


def _plain(node: ast.Expr, impl: Callable, args: list[Step]) -> Step:
    """`impl` over arguments that are never Unknown."""
    if len(args) == 1:
        (only,) = args

        def one(env):
            a = only(env)
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
            try:
                return impl(a, b)
            except LANGUAGE_ERRORS as error:
                raise _arith_error(node, error) from None
        return two

    def many(env):
        values = [a(env) for a in args]
        try:
            return impl(*values)
        except LANGUAGE_ERRORS as error:
            raise _arith_error(node, error) from None
    return many


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
    ir.Literal: Compiler._literal,
    ir.ListOf: Compiler._list,
    ir.FactRead: Compiler._fact,
    ir.LoopVar: Compiler._loop_var,
    ir.Constant: Compiler._constant,
    ir.RuleRef: Compiler._rule,
    ir.ParameterRead: Compiler._parameter,
    ir.FieldAccess: Compiler._field,
    ir.Not: Compiler._not,
    ir.And: Compiler._and,
    ir.Or: Compiler._or,
    ir.If: Compiler._if,
    ir.Given: Compiler._given,
    ir.Apply: Compiler._apply,
    ir.Aggregate: Compiler._aggregate,
    ir.AllOf: Compiler._all_of,
}
