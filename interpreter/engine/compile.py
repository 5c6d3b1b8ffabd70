"""Compile checked expressions into closures, once per measure; evaluation only calls them."""
from __future__ import annotations

from decimal import Inexact, Overflow

from rulerun.dsl import ast
from rulerun.dsl.builtins import BINARY, FUNCTIONS
from rulerun.dsl.checker import Typing
from rulerun.dsl.errors import EvaluationError
from rulerun.dsl.exact import MAX_DIGITS

from .aggregates import compile_aggregate
from .functions import BINARY_IMPL, COMPARE_IMPL, FUNCTION_IMPL, QUOTIENT_IMPL, Refused, rounded_division
from .logic import not3
from .steps import Step, fail, zero_of
from .values import Unknown, negate, unknown_of

__all__ = ["Compiler", "Step", "fail", "zero_of"]


class Compiler:
    """Turns AST nodes into closures `step(env) -> value` using the checker's side tables."""

    def __init__(self, typing: Typing):
        self.typing = typing

    def compile(self, node: ast.Expr) -> Step:
        """The closure that evaluates `node`."""
        return getattr(self, "_" + type(node).__name__.lower())(node)

    def tag(self, node: ast.Expr) -> str:
        """The type tag the checker inferred for `node`."""
        return self.typing.types[id(node)].tag

    def _literal(self, node: ast.Literal) -> Step:
        value = node.value
        return lambda env: value

    def _listexpr(self, node: ast.ListExpr) -> Step:
        items = [self.compile(i) for i in node.items]

        def step(env):
            values = tuple(item(env) for item in items)
            if any(type(x) is Unknown for x in values):
                return unknown_of(*values)
            return values
        return step

    def _name(self, node: ast.Name) -> Step:
        ref = self.typing.refs[id(node)]
        fields = ref.fields
        name = ref.name
        if ref.kind == "fact":
            path = ".".join((name, *fields))
            keys = (name, *fields)
            tag = self.tag(node)
            if fields:
                return lambda env: env.fact(path, keys, tag)

            def fact(env):  # a top-level fact: the most common read, without the walk over keys
                value = env.facts.get(name)
                if value is None:
                    value = Unknown((path,))
                if env.frame is not None:
                    env.frame.facts[path] = (value, tag)
                return value
            return fact
        if ref.kind == "var":
            if not fields:
                return lambda env: env.vars[name]

            origin = ref.origin or name

            def var(env):
                value = env.vars[name]
                for i, f in enumerate(fields):
                    if f not in value:
                        # An optional field the case leaves out is unknown, like any absent fact.
                        return Unknown((".".join((origin, *fields[:i + 1])),))
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

    def _field(self, node: ast.Field) -> Step:
        return _field_chain(self.compile(node.target), (node.name,))

    def _index(self, node: ast.Index) -> Step:
        name = self.typing.refs[id(node.target)].name
        key = self.compile(node.key)

        def step(env):
            k = key(env)
            if type(k) is Unknown:
                return k
            return env.parameter(name, k, node)
        return step

    def _unary(self, node: ast.Unary) -> Step:
        operand = self.compile(node.operand)
        if node.op == "not":
            return lambda env: not3(operand(env))

        def neg(env):
            x = operand(env)
            if type(x) is Unknown:
                return x
            try:
                return negate(x)
            except ArithmeticError as error:
                raise _arith_error(node, error) from None
        return neg

    def _binary(self, node: ast.Binary) -> Step:
        left, right = self.compile(node.left), self.compile(node.right)
        if node.op == "and":
            return _and(left, right)
        if node.op == "or":
            return _or(left, right)
        if node.op in COMPARE_IMPL:
            impl = COMPARE_IMPL[node.op]
        else:
            impl = BINARY_IMPL[BINARY[(node.op, self.tag(node.left), self.tag(node.right))][1]]

        def step(env):
            a = left(env)
            b = right(env)
            if type(a) is Unknown or type(b) is Unknown:
                return unknown_of(a, b)
            try:
                return impl(a, b)
            except (ArithmeticError, OverflowError, ValueError) as error:
                raise _arith_error(node, error) from None
        return step

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
            return unknown_of(c, a, b)
        return step

    def _call(self, node: ast.Call) -> Step:
        division = rounded_division(node, self.typing)
        if division is not None:
            return self._rounded_division(node, division)
        args = [self.compile(a) for a in node.args]
        if node.func == "matches":
            pattern = self.typing.patterns[id(node)]
            text = args[0]

            def match(env):
                t = text(env)
                if type(t) is Unknown:
                    return t
                return pattern.fullmatch(t)
            return match
        impl = FUNCTION_IMPL[node.func]
        variadic = FUNCTIONS[node.func].variadic

        def call(env):
            values = [a(env) for a in args]
            for x in values:
                if type(x) is Unknown:
                    return unknown_of(*values)
            try:
                return impl(*values) if not variadic else impl(values)
            except (ArithmeticError, OverflowError, ValueError) as error:
                raise _arith_error(node, error) from None
        return call

    def _rounded_division(self, node: ast.Call, division: ast.Binary) -> Step:
        left, right, impl = self.compile(division.left), self.compile(division.right), QUOTIENT_IMPL[node.func]

        def step(env):
            a = left(env)
            b = right(env)
            if type(a) is Unknown or type(b) is Unknown:
                return unknown_of(a, b)
            try:
                return impl(a, b)
            except ArithmeticError as error:
                raise _arith_error(division, error) from None
        return step

    def _aggregate(self, node: ast.Aggregate) -> Step:
        return compile_aggregate(node, self.compile, self.tag(node))


def _field_chain(base: Step, fields: tuple[str, ...]) -> Step:
    def step(env):
        value = base(env)
        for f in fields:
            if type(value) is Unknown:
                return value
            value = value[f]
        return value
    return step


def _and(left: Step, right: Step) -> Step:
    def step(env):
        a = left(env)
        if a is False:
            return False
        b = right(env)
        if b is False:
            return False
        if a is True and b is True:
            return True
        return unknown_of(a, b)
    return step


def _or(left: Step, right: Step) -> Step:
    def step(env):
        a = left(env)
        if a is True:
            return True
        b = right(env)
        if b is True:
            return True
        if a is False and b is False:
            return False
        return unknown_of(a, b)
    return step


def _arith_error(node: ast.Expr, error: Exception) -> EvaluationError:
    if isinstance(error, Refused):
        return fail(node, error.message, error.hint)
    if isinstance(error, Inexact) and not isinstance(error, ZeroDivisionError):
        if isinstance(node, ast.Binary) and node.op == "/" and not isinstance(error, Overflow):
            return fail(node, "this division has no exact decimal result",
                        "write `round_cents(a / b)` for an amount or `round(a / b)` for a number where the "
                        "regulation rounds: the exact quotient is then rounded once")
        return fail(node, f"the result has more than {MAX_DIGITS} digits and cannot be held exactly",
                    "round an intermediate result with `round_cents` or `round`")
    if isinstance(error, ZeroDivisionError) or "Division" in type(error).__name__ or (
            isinstance(error, ArithmeticError) and "division" in str(error).lower()):
        return fail(node, "division by zero", "guard the division: `if d = 0 then … else x / d`")
    if isinstance(error, OverflowError) or "out of range" in str(error) or "year" in str(error):
        return fail(node, "the resulting date is out of range (years 1 to 9999)")
    return fail(node, str(error))
