"""Kleene three-valued logic: true, false and Unknown."""
from __future__ import annotations

from typing import Callable

from .values import Unknown, unknown_of


def _kleene(decisive: bool) -> Callable[[object, object], object]:
    """`decisive` on either side decides alone; the other value on both sides gives it; else unknown.

    One body for `and` (decisive false) and `or` (decisive true), built once: no extra call per use.
    """
    other = not decisive

    def combine(left, right):
        if left is decisive or right is decisive:
            return decisive
        if left is other and right is other:
            return other
        return unknown_of(left, right)
    return combine


#: `false and unknown` is false; `true and unknown` is unknown.
and3 = _kleene(False)
#: `true or unknown` is true; `false or unknown` is unknown.
or3 = _kleene(True)


def not3(value):
    """`not unknown` is unknown."""
    if type(value) is Unknown:
        return value
    return not value
