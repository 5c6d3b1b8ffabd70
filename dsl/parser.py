"""Parse expression text into the AST: the quick parser where it can vouch for the tree, Lark otherwise."""
from __future__ import annotations

from . import ast, descent
from .errors import Diagnostic, MeasureError
from .literals import ESCAPES
from .source import Placement, standalone

__all__ = ["ESCAPES", "MAX_DEPTH", "MAX_LENGTH", "parse"]

#: Longest expression text accepted, in characters.
MAX_LENGTH = 4000
#: Deepest nesting of sub-expressions accepted.
MAX_DEPTH = 60


def parse(text: str, placement: Placement | None = None) -> ast.Expr:
    """Parse one expression; raise MeasureError with a positioned diagnostic on failure."""
    placement = placement or standalone(text)
    if not text.strip():
        raise MeasureError(Diagnostic("empty expression", placement.span(1, 1, 1, 2),
                                      "write an expression, e.g. `true` or `€ 500`"))
    if len(text) > MAX_LENGTH:
        raise MeasureError(Diagnostic(
            f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}",
            placement.span(1, 1, 1, 2), "split it into several rules that refer to each other"))
    node = descent.parse(text, placement)
    if node is None:  # not an expression the quick parser vouches for: Lark parses it, or words what is wrong
        from .lalr import parse_lalr  # here: Lark is imported only for such an expression
        node = parse_lalr(text, placement)
    _check_depth(node, placement)
    return node


def _check_depth(node: ast.Expr, placement: Placement) -> None:
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MeasureError(Diagnostic(
                f"expression nested more than {MAX_DEPTH} levels deep", current.span,
                "split it into several rules that refer to each other"))
        stack.extend((child, depth + 1) for child in ast.children(current))
