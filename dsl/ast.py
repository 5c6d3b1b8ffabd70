"""The expression AST: frozen, positioned data with no behaviour of its own."""
from __future__ import annotations

from typing import Union

from .records import record
from .source import Span


@record(frozen=True, slots=True)
class Literal:
    """A constant: `kind` is number, money, percent, date, days, months, text or bool."""

    kind: str
    value: object
    span: Span


@record(frozen=True, slots=True)
class ListExpr:
    """A list literal `[a, b]`."""

    items: tuple[Expr, ...]
    span: Span


@record(frozen=True, slots=True)
class Name:
    """A dotted name: a fact path, a rule, a parameter, or a bound variable."""

    path: tuple[str, ...]
    span: Span

    @property
    def dotted(self) -> str:
        """The name as written, `a.b.c`."""
        return ".".join(self.path)


@record(frozen=True, slots=True)
class Field:
    """Field access on a computed value, `expr.name`."""

    target: Expr
    name: str
    span: Span


@record(frozen=True, slots=True)
class Index:
    """Keyed lookup, `parameter[key]`."""

    target: Expr
    key: Expr
    span: Span


@record(frozen=True, slots=True)
class At:
    """A dated parameter read at a date other than the reference date: `plafond at werken.start`."""

    target: Expr  # a parameter's Name, or an Index of one
    on: Expr
    span: Span


@record(frozen=True, slots=True)
class Unary:
    """`-x` (op `neg`) or `not x` (op `not`)."""

    op: str
    operand: Expr
    span: Span


@record(frozen=True, slots=True)
class Binary:
    """A binary operator: arithmetic, comparison, `in`, `not in`, `and`, `or`."""

    op: str
    left: Expr
    right: Expr
    span: Span


@record(frozen=True, slots=True)
class If:
    """`if cond then a else b`."""

    cond: Expr
    then: Expr
    otherwise: Expr
    span: Span


@record(frozen=True, slots=True)
class Call:
    """A built-in function applied to arguments."""

    func: str
    args: tuple[Expr, ...]
    span: Span


@record(frozen=True, slots=True)
class Aggregate:
    """`func(body for each var in source where filter else default)` over a list."""

    func: str
    var: str
    source: Expr
    body: Expr | None
    where: Expr | None
    default: Expr | None
    span: Span


Expr = Union[Literal, ListExpr, Name, Field, Index, At, Unary, Binary, If, Call, Aggregate]


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of `node`, in source order."""
    if isinstance(node, ListExpr):
        return node.items
    if isinstance(node, Field):
        return (node.target,)
    if isinstance(node, Index):
        return (node.target, node.key)
    if isinstance(node, At):
        return (node.target, node.on)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, If):
        return (node.cond, node.then, node.otherwise)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Aggregate):
        return tuple(n for n in (node.body, node.source, node.where, node.default) if n is not None)
    return ()
