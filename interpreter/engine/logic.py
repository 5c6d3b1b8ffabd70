"""Kleene three-valued logic: true, false and Unknown."""
from __future__ import annotations

from .values import Unknown, unknown_of


def and3(left, right):
    """`false and unknown` is false; `true and unknown` is unknown."""
    return _kleene(left, right, False)


def or3(left, right):
    """`true or unknown` is true; `false or unknown` is unknown."""
    return _kleene(left, right, True)


def _kleene(left, right, decisive: bool):
    """`decisive` on either side decides alone; the other value on both sides gives it; else unknown."""
    if left is decisive or right is decisive:
        return decisive
    if left is not decisive and right is not decisive and type(left) is bool and type(right) is bool:
        return not decisive
    return unknown_of(left, right)


def not3(value):
    """`not unknown` is unknown."""
    if type(value) is Unknown:
        return value
    return not value
