"""A case's `expect`, checked before any comparison: every value in a form the comparison can read."""
from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from rulerun.dsl.errors import Diagnostic
from rulerun.dsl.yamlsource import Document

ELIGIBLE = ("yes", "no", "undetermined")


def described(value) -> str:
    """A value as quoted in a message: `abc`, or the kind of a list or mapping."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is True or value is False:
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _is_date(value) -> bool:
    if isinstance(value, datetime.date):
        return not isinstance(value, datetime.datetime)
    if not isinstance(value, str):
        return False
    try:
        datetime.date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, Decimal, bool, datetime.date))


class _Checker:
    """Collects one diagnostic per malformed entry of `expect`, at the entry's position."""

    def __init__(self, document: Document, base: tuple, name: str):
        self.document, self.base, self.name = document, base + ("expect",), name
        self.problems: list[Diagnostic] = []

    def fail(self, path: tuple, what: str, value, hint: str) -> None:
        where = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
        self.problems.append(Diagnostic(f"`expect.{where}` must be {what}, not {described(value)}",
                                        self.document.span(self.base + path), hint, file=self.name))

    def texts(self, key: str, value, each: str, hint: str) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            self.fail((key,), f"a list of {each}s", value, hint)
            return
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail((key, i), f"a {each}", item, hint)

    def mapping(self, key: str, value, each: str, accepts, hint: str) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.fail((key,), f"a mapping from names to {key}", value, hint)
            return
        for name, item in value.items():
            if not accepts(item):
                self.fail((key, name), each, item, hint)


def expect_problems(expect: dict, document: Document, base: tuple, name: str) -> list[Diagnostic]:
    """The diagnostics for malformed values in `expect` (unknown keys are reported by the case reader)."""
    check = _Checker(document, base, name)
    for key, value in expect.items():
        if key == "eligible" and not (value is True or value is False or value in ELIGIBLE):
            check.fail((key,), "yes, no or undetermined", value, "e.g. `eligible: yes`")
        # `amount` is read by the case reader as a fact's amount is (scalars.read_money).
        elif key == "failed":
            check.texts(key, value, "name", "list the ids of the conditions that fail, e.g. `failed: [is_kmo]`")
        elif key == "missing":
            check.texts(key, value, "name", "list the missing facts, e.g. `missing: [dienst.bedrag]`")
        elif key == "notes":
            check.texts(key, value, "text", "list texts that the notes contain, e.g. `notes: [de-minimis]`")
        elif key == "deadlines":
            check.mapping(key, value, "a date (YYYY-MM-DD) or null", lambda v: v is None or _is_date(v),
                          "e.g. `deadlines: {betalen: 2022-04-14}`")
        elif key == "values":
            check.mapping(key, value, "a single value", _is_scalar,
                          "give each rule's expected value as one text, number, date or yes/no, "
                          "e.g. `values: {steunpercentage: 30%}`")
    return check.problems
