"""A case's `expect`, checked before any comparison: every value in a form the comparison can read."""
from __future__ import annotations

import datetime
from decimal import Decimal

from rulerun.dsl.names import did_you_mean
from rulerun.dsl.errors import CaseError, Diagnostic
from rulerun.dsl.names import normal_name
from rulerun.dsl.yamlsource import Document

from .facts import as_written
from .scalars import (
    Refused, read_date, read_duration, read_money, read_number, read_percent, read_yes_no, shown, what_it_is,
)

ELIGIBLE = ("yes", "no", "undetermined")


def described(value) -> str:
    """A value as quoted in a message: `abc`, or the kind of a list or mapping."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is True or value is False:
        return f"`{str(value).lower()}`"
    return f"`{shown(value)}`"


def _is_date(value) -> bool:
    """Whether a value, as written, is a date YYYY-MM-DD (read as a fact's date is)."""
    try:
        read_date(value)
    except Refused:
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
            if not accepts(as_written(self.document, self.base + (key, name), item)):
                self.fail((key, name), each, item, hint)


def expect_problems(expect: dict, document: Document, base: tuple, name: str) -> list[Diagnostic]:
    """The diagnostics for malformed values in `expect` (unknown keys are reported by the case reader)."""
    check = _Checker(document, base, name)
    for key, value in expect.items():
        if key == "eligible" and not (value is True or value is False or value in ELIGIBLE):
            check.fail((key,), "yes, no or undetermined", value, _eligible_hint(value))
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


#: Words for the three outcomes in Dutch, as a case written in Dutch may use them.
_DUTCH = {"ja": "yes", "nee": "no", "neen": "no", "onbepaald": "undetermined", "onbeslist": "undetermined"}


def _eligible_hint(value) -> str:
    """A did-you-mean for an outcome word: a Dutch word, a misspelling, or an example."""
    word = str(value).strip().lower() if isinstance(value, str) else ""
    if word in _DUTCH:
        return f"did you mean `{_DUTCH[word]}`? `expect` uses the words yes, no and undetermined in every language"
    return did_you_mean(word, ELIGIBLE) or "e.g. `eligible: yes`"


#: The readers of the values a rule reports, by the value's type.
_READERS = {"money": read_money, "percent": read_percent, "number": read_number, "date": read_date,
            "bool": read_yes_no}


def _expected(tag: str, value):
    if tag in _READERS:
        return _READERS[tag](value)
    if tag in ("days", "months"):
        return read_duration(value, tag)
    if isinstance(value, str):
        return value
    raise Refused(f"must be a text, not {what_it_is(value)}", f"quote it: \"{shown(value)}\"")


def read_expected(expect: dict, value_types: dict[str, str], document: Document | None, base: tuple,
                  name: str) -> dict:
    """`expect` with every name in its normal form and every value read as a fact of its type is.

    An expected value is read by the reader of the type of the value it names (`value_types` maps
    each value the measure reports to its type tag), so `0.3` for a percentage is refused as in a
    case's facts, and an amount has at most two decimals; a wrong one is a CaseError at its entry.
    """
    typed = dict(expect)
    for key in ("failed", "missing"):
        if isinstance(expect.get(key), list):
            typed[key] = [normal_name(item) for item in expect[key]]
    deadlines = expect.get("deadlines") or {}  # checked when the case was read: each a date or null
    typed["deadlines"] = {normal_name(k): v and read_date(_written(document, base, ("deadlines", k), v))
                          for k, v in deadlines.items()}
    problems: list[Diagnostic] = []
    values: dict = {}
    for key, want in (expect.get("values") or {}).items():
        ident = normal_name(str(key))
        if want is None or ident not in value_types:
            values[ident] = want
            continue
        try:
            values[ident] = _expected(value_types[ident], _written(document, base, ("values", key), want))
        except Refused as refused:
            span = document.span(base + ("expect", "values", key)) if document else None
            problems.append(Diagnostic(f"`expect.values.{key}`: {refused.message}", span, refused.hint, file=name))
    if problems:
        raise CaseError(problems)
    typed["values"] = values
    return typed


def _written(document: Document | None, base: tuple, path: tuple, value):
    return as_written(document, base + ("expect", *path), value)
