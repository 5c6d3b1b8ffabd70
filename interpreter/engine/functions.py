"""What the engine needs beyond the tables of rulerun.dsl.builtins: the language errors, and rounded divisions."""
from __future__ import annotations

from decimal import DecimalException

from rulerun.dsl import ast
from rulerun.dsl.builtins import FUNCTIONS, operator_for
from rulerun.dsl.checker import Typing
from rulerun.dsl.library import Refused

__all__ = ["LANGUAGE_ERRORS", "Refused", "rounded_division"]

#: What the implementations raise for a value they cannot take (a division by zero, a result out of
#: range): a language error, reported at the expression. Anything else is a bug in the engine.
LANGUAGE_ERRORS = (ArithmeticError, ValueError)


def rounded_division(node: ast.Call, typing: Typing) -> ast.Binary | None:
    """The division `node` rounds directly (`round_cents(a / b)`), or None.

    A division is otherwise exact or an error; written straight inside a rounding function, its
    quotient need not be exact, as it is rounded once to what the regulation asks.
    """
    if FUNCTIONS[node.func].quotient is None or len(node.args) != 1:
        return None
    inner = node.args[0]
    if not isinstance(inner, ast.Binary) or inner.op != "/":
        return None
    entry = operator_for(inner.op, typing.types[id(inner.left)].tag, typing.types[id(inner.right)].tag)
    return inner if entry is not None and entry.key == "div" else None
