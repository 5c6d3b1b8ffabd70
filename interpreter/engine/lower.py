"""Lowering: each operator and function of a checked expression bound once to its implementation.

Both back-ends take an operation from here: the closures apply `impl` through `compile.lift`, the
code writer writes a call of it (or a Python operator for the keys it knows). A new back-end
reads the same `Operation`: its key says what to compute, `tag` the type of the result.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from rulerun.dsl import ast
from rulerun.dsl.builtins import COMPARING, FUNCTIONS, OPERATORS
from rulerun.dsl.checker import Typing

from .functions import rounded_division

#: The kind of an operation, for a back-end that writes it out rather than calling `impl`.
COMPARISON, ARITHMETIC, NEGATION, QUOTIENT, MATCH, FUNCTION = (
    "comparison", "arithmetic", "negation", "quotient", "match", "function")


@dataclass(frozen=True, slots=True)
class Operation:
    """An operator or function bound to its implementation, with its operands and result type."""

    kind: str
    key: str  # what it computes: an operator's key ("<=", "add", "date_plus_days"), a function's name
    impl: Callable[..., Any]
    operands: tuple[ast.Expr, ...]
    at: ast.Expr  # where an error of the implementation is reported
    tag: str  # the type of the result
    spread: bool = False  # variadic: `impl` takes one tuple of all the operands


def bind(node: ast.Binary | ast.Unary | ast.Call, typing: Typing) -> Operation:
    """The operation `node` computes (not `and`, `or` or `not`: those are three-valued logic)."""
    tag = typing.types[id(node)].tag
    if isinstance(node, ast.Unary):
        entry = OPERATORS[("-", typing.types[id(node.operand)].tag)]  # the only unary operator besides `not`
        return Operation(NEGATION, entry.key, entry.impl, (node.operand,), node, tag)
    if isinstance(node, ast.Binary):
        if node.op in COMPARING:
            entry = OPERATORS[(node.op,)]
            return Operation(COMPARISON, entry.key, entry.impl, (node.left, node.right), node, tag)
        entry = OPERATORS[(node.op, typing.types[id(node.left)].tag, typing.types[id(node.right)].tag)]
        return Operation(ARITHMETIC, entry.key, entry.impl, (node.left, node.right), node, tag)
    function = FUNCTIONS[node.func]
    division = rounded_division(node, typing)
    if division is not None and function.quotient is not None:
        return Operation(QUOTIENT, node.func, function.quotient, (division.left, division.right), division, tag)
    if function.impl is None:  # `matches`: the pattern is checked text, compiled once by the checker
        return Operation(MATCH, node.func, typing.patterns[id(node)].fullmatch, (node.args[0],), node, tag)
    return Operation(FUNCTION, node.func, function.impl, tuple(node.args), node, tag, function.variadic)
