"""An operator or function bound to its implementation (`lower.bind` makes them), kept by reference to its entry."""
from __future__ import annotations

import pickle
from typing import Any, Callable

from rulerun.dsl import ast
from rulerun.dsl.builtins import FUNCTIONS, OPERATORS
from rulerun.dsl.records import record

from .ir import ARITHMETIC, COMPARISON, MATCH, NEGATION, QUOTIENT


@record(frozen=True, slots=True)
class Operation:
    """An operator or function bound to its implementation, with its operands and result type."""

    kind: str
    key: str  # what it computes: an operator's key ("<=", "add", "date_plus_days"), a function's name
    impl: Callable[..., Any]
    operands: tuple[ast.Expr, ...]
    at: ast.Expr  # where an error of the implementation is reported
    tag: str  # the type of the result
    spread: bool = False  # variadic: `impl` takes one tuple of all the operands

    def __reduce__(self) -> tuple:
        # Kept (in the cache folder) as the name of its entry in the language's tables, not as code: an
        # implementation may be a lambda. The cache keeps nothing while the tables differ from the language's own.
        return _bound, (self.kind, self.key, _entry(self), self.operands, self.at, self.tag, self.spread)


def _entry(operation: Operation) -> object:
    """What names the implementation of `operation` in the tables (a compiled pattern is itself)."""
    if operation.kind == MATCH:
        return operation.impl
    if operation.kind in (NEGATION, COMPARISON, ARITHMETIC):
        found = [k for k, e in OPERATORS.items() if e.impl is operation.impl and e.key == operation.key]
        if found:
            return found[0]
    elif FUNCTIONS.get(operation.key) is not None:
        function = FUNCTIONS[operation.key]
        if (function.quotient if operation.kind == QUOTIENT else function.impl) is operation.impl:
            return operation.key
    raise pickle.PicklingError(f"no entry in the tables implements `{operation.key}`")


def _bound(kind: str, key: str, entry: Any, operands: tuple, at: ast.Expr, tag: str, spread: bool) -> Operation:
    """The operation kept by `Operation.__reduce__`, bound again to the entry of the same name."""
    if kind == MATCH:
        impl = entry
    elif kind in (NEGATION, COMPARISON, ARITHMETIC):
        operator = OPERATORS[entry]
        if operator.key != key:
            raise pickle.UnpicklingError(f"the operator `{entry}` now computes `{operator.key}`, not `{key}`")
        impl = operator.impl
    else:
        function = FUNCTIONS[entry]
        impl = function.quotient if kind == QUOTIENT else function.impl
    if impl is None:
        raise pickle.UnpicklingError(f"`{key}` has no implementation for a {kind}")
    return Operation(kind, key, impl, operands, at, tag, spread)
