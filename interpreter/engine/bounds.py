"""Declared bounds in three-valued evaluation: an unknown value within known limits can settle a result.

A money fact is never below € 0, a percentage lies between 0 % and 100 %, and a fact may declare
its own `minimum` and `maximum`. An unknown fact carries those limits (`Unknown.low`/`high`);
the operations below carry them through, and a comparison, `min` or `max` whose result the
limits decide is known: `min(€ 0, x)` is € 0 and `x >= € 0` is true whatever the amount x is.
Every limit here is sound: a result is settled only when every value within the limits gives it.
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Callable, Sequence

from rulerun.dsl.exact import EXACT
from rulerun.dsl.measure import Fact

from .values import Unknown, round_cents, round_down_cents, round_whole, unknown_of

#: An operation's rule for unknown operands: their values in, a settled value or a bounded Unknown out.
Settle = Callable[[Sequence[object]], object]

_ZERO = Decimal(0)
_ONE = Decimal(1)


def declared(fact: Fact | None) -> tuple[object, object]:
    """The (low, high) limits a fact's declaration guarantees; None where there is none."""
    if fact is None:
        return None, None
    kind = fact.type.kind
    low: Any = fact.minimum
    high: Any = fact.maximum
    if kind == "money":
        low = _ZERO if low is None else max(low, _ZERO)
    elif kind == "percent":
        low = _ZERO if low is None else max(low, _ZERO)
        high = _ONE if high is None else min(high, _ONE)
    elif kind == "duration":
        low = 0
    elif kind not in ("number", "date"):
        return None, None
    return low, high


def bounded(value: Unknown, low, high) -> Unknown:
    """`value` with the limits `low` and `high` (either may be None)."""
    return value if low is None and high is None else Unknown(value.missing, low, high)


def limits_of(value) -> tuple[object, object]:
    """The (low, high) limits of a value: its own for a known one, None where an Unknown has none."""
    return _limits(value)


def _limits(value) -> tuple[object, object]:
    if type(value) is Unknown:
        return value.low, value.high
    if isinstance(value, (Decimal, int, datetime.date)) and not isinstance(value, bool):
        return value, value
    return None, None


def hull(values: Sequence[object]) -> Unknown:
    """An Unknown missing what `values` miss, within the limits that hold for each of them."""
    result = unknown_of(*values)
    lows, highs = zip(*[_limits(v) for v in values]) if values else ((None,), (None,))
    low = None if any(x is None for x in lows) else min(lows)  # type: ignore[type-var]
    high = None if any(x is None for x in highs) else max(highs)  # type: ignore[type-var]
    return bounded(result, low, high)


def _compare(holds: Callable[[object, object, object, object], object]) -> Settle:
    def settle(values):
        (l1, h1), (l2, h2) = _limits(values[0]), _limits(values[1])
        verdict = holds(l1, h1, l2, h2)
        return unknown_of(*values) if verdict is None else verdict
    return settle


def _below(high, low) -> bool:
    """high < low, both given."""
    return high is not None and low is not None and high < low


def _at_most(high, low) -> bool:
    return high is not None and low is not None and high <= low


def _less(l1, h1, l2, h2):
    return True if _below(h1, l2) else False if _at_most(h2, l1) else None


def _less_or_equal(l1, h1, l2, h2):
    return True if _at_most(h1, l2) else False if _below(h2, l1) else None


def _apart(l1, h1, l2, h2) -> bool:
    return _below(h1, l2) or _below(h2, l1)


def _extreme(smallest: bool) -> Settle:
    """`min` (smallest) or `max`: settled when a known value is beyond every unknown's limit."""
    pick = min if smallest else max

    def settle(values):
        values = values[0] if len(values) == 1 and isinstance(values[0], tuple) else values
        known = [v for v in values if type(v) is not Unknown]
        unknown = [v for v in values if type(v) is Unknown]
        if known:
            best = pick(known)  # type: ignore[type-var]
            limits = [u.low if smallest else u.high for u in unknown]
            if all(x is not None and (best <= x if smallest else best >= x) for x in limits):
                return best
        lows = [_limits(v)[0] for v in values]
        highs = [_limits(v)[1] for v in values]
        if smallest:
            low = None if None in lows else min(lows)  # type: ignore[type-var]
            given = [h for h in highs if h is not None]
            high = min(given) if given else None
        else:
            given = [x for x in lows if x is not None]
            low = max(given) if given else None
            high = None if None in highs else max(highs)  # type: ignore[type-var]
        return bounded(unknown_of(*values), low, high)
    return settle


def _arithmetic(combine: Callable[[tuple, tuple], tuple]) -> Settle:
    def settle(values):
        result = unknown_of(*values)
        try:
            low, high = combine(_limits(values[0]), _limits(values[1]))
        except ArithmeticError:  # a limit too large to hold exactly: no limit, never a wrong one
            return result
        return bounded(result, low, high)
    return settle


def _add(x, y):
    """x + y for decimals (exactly) or whole days or months; None when either is unbounded."""
    if x is None or y is None:
        return None
    return EXACT.add(x, y) if isinstance(x, Decimal) else x + y


def _sum(a: tuple, b: tuple) -> tuple:
    return _add(a[0], b[0]), _add(a[1], b[1])


def _difference(a: tuple, b: tuple) -> tuple:
    return _add(a[0], None if b[1] is None else -b[1]), _add(a[1], None if b[0] is None else -b[0])


def _product(a: tuple, b: tuple) -> tuple:
    """Only for two factors that cannot be negative: the common case of an amount times a rate or a count."""
    if a[0] is None or b[0] is None or a[0] < 0 or b[0] < 0:
        return None, None
    return EXACT.multiply(a[0], b[0]), None if None in (a[1], b[1]) else EXACT.multiply(a[1], b[1])


def _monotone(function: Callable[[Decimal], Decimal]) -> Settle:
    def settle(values):
        low, high = _limits(values[0])
        try:
            return bounded(unknown_of(*values), None if low is None else function(low),
                           None if high is None else function(high))
        except ArithmeticError:
            return unknown_of(*values)
    return settle


def _negation(values):
    low, high = _limits(values[0])
    return bounded(unknown_of(*values), None if high is None else -high, None if low is None else -low)


#: The rule for unknown operands, by the operation's kind and implementation key (lower.Operation).
SETTLE: dict[tuple[str, str], Settle] = {
    ("comparison", "<"): _compare(_less),
    ("comparison", "<="): _compare(_less_or_equal),
    ("comparison", ">"): _compare(lambda l1, h1, l2, h2: _less(l2, h2, l1, h1)),
    ("comparison", ">="): _compare(lambda l1, h1, l2, h2: _less_or_equal(l2, h2, l1, h1)),
    ("comparison", "="): _compare(lambda l1, h1, l2, h2: False if _apart(l1, h1, l2, h2) else None),
    ("comparison", "!="): _compare(lambda l1, h1, l2, h2: True if _apart(l1, h1, l2, h2) else None),
    ("function", "min"): _extreme(True),
    ("function", "max"): _extreme(False),
    ("arithmetic", "add"): _arithmetic(_sum),
    ("arithmetic", "add_durations"): _arithmetic(_sum),
    ("arithmetic", "sub"): _arithmetic(_difference),
    ("arithmetic", "sub_durations"): _arithmetic(_difference),
    ("arithmetic", "mul"): _arithmetic(_product),
    ("function", "round_cents"): _monotone(round_cents),
    ("function", "round_down_cents"): _monotone(round_down_cents),
    ("function", "round"): _monotone(round_whole),
    ("negation", "neg"): _negation,
}
