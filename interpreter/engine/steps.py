"""What every compiled step shares: its type, how it reports an error, the zero of a sum."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from rulerun.dsl import ast
from rulerun.dsl.errors import Diagnostic, EvaluationError

#: A compiled expression: evaluates in an environment (runtime.Env) to a value or Unknown.
Step = Callable[[Any], Any]


def fail(node: ast.Expr, message: str, hint: str | None = None) -> EvaluationError:
    """An evaluation error located at `node`."""
    return EvaluationError(Diagnostic(message, node.span, hint))


def zero_of(tag: str) -> int | Decimal:
    """The sum of an empty list of values of type `tag`."""
    return 0 if tag in ("days", "months") else Decimal(0)


def item_path(env: Any, var: str) -> str | None:
    """The path of the item loop variable `var` is bound to, `aandeelhouders[0]`, or None when not known.

    Items are counted from 0, as the errors in a case file count them.
    """
    where = env.items.get(var)
    if where is None or where[0] is None:
        return None
    return f"{where[0]}[{where[1]}]"
