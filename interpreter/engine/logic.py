"""Kleene three-valued logic: true, false and Unknown."""
from __future__ import annotations

from .values import Unknown, unknown_of


def and3(left, right):
    """`false and unknown` is false; `true and unknown` is unknown."""
    if left is False or right is False:
        return False
    if left is True and right is True:
        return True
    return unknown_of(left, right)


def or3(left, right):
    """`true or unknown` is true; `false or unknown` is unknown."""
    if left is True or right is True:
        return True
    if left is False and right is False:
        return False
    return unknown_of(left, right)


def not3(value):
    """`not unknown` is unknown."""
    if type(value) is Unknown:
        return value
    return not value
