"""Decimal contexts that never round silently: the language's numbers are exact."""
from __future__ import annotations

from decimal import Context, DivisionByZero, Inexact, InvalidOperation, Overflow

#: Significant digits a number may hold: far beyond any amount, and a bound on memory and time.
MAX_DIGITS = 100

#: Arithmetic for `+ - * /`: a result that would need rounding raises `Inexact` instead, and so does
#: one of 10^100 or more (`Overflow` is an `Inexact`), so that no value grows without bound.
EXACT = Context(prec=MAX_DIGITS, Emax=MAX_DIGITS - 1, Emin=-MAX_DIGITS,
                traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])

#: Explicit rounding (`round_cents`, display): wide enough that rounding to a quantum never overflows.
ROUNDING = Context(prec=2 * MAX_DIGITS + 10, traps=[InvalidOperation, DivisionByZero, Overflow])
