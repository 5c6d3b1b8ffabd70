"""What the engine needs beyond the tables of rulerun.dsl.builtins: the language errors, and rounded divisions."""
from __future__ import annotations

from decimal import DecimalException
from typing import TYPE_CHECKING

from rulerun.dsl import ast
from rulerun.dsl.builtins import FUNCTIONS, operator_for
from rulerun.dsl.library import Refused

if TYPE_CHECKING:  # the side tables only as a type: deciding a case never imports the checker
    from rulerun.dsl.checker import Typing

__all__ = ["LANGUAGE_ERRORS", "Refused", "rounded_division"]

#: What the implementations raise for a value they cannot take, a language error reported at the
#: expression: `Refused` (with a hint), a signal of the exact decimal context (an inexact or too long
#: result, a division by zero), ZeroDivisionError (`divide_rounded`) and OverflowError (a date past
#: the year 9999). Nothing broader: any other exception, a plain ValueError or a TypeError included,
#: is a bug in the engine or in an implementation, and surfaces as an internal error.
LANGUAGE_ERRORS: tuple[type[Exception], ...] = (Refused, DecimalException, ZeroDivisionError, OverflowError)


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
