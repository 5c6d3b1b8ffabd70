"""The names a case's `expect` may use, taken from its measure, and a positioned error for each it does not know."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rulerun.dsl.names import did_you_mean
from rulerun.dsl.errors import CaseError, Diagnostic
from rulerun.dsl.names import normal_name
from rulerun.dsl.printable import printable
from rulerun.dsl.source import Span
from rulerun.dsl.yamlsource import Document

from .expectations import read_expected
from .scalars import shown

if TYPE_CHECKING:
    from ..engine.evaluator import CompiledMeasure

#: The item number in a missing fact of a list item (`aandeelhouders[0].activiteit_sinds`): the fact is the field.
_ITEM_NUMBER = re.compile(r"\[[0-9]+\]")


@dataclass(frozen=True)
class ExpectNames:
    """What a measure's decisions can hold: failed conditions, missing facts, deadlines, values, notes."""

    measure: str
    conditions: tuple[str, ...]   # every name a decision's `failed` can list
    rules: frozenset[str]
    facts: tuple[str, ...]        # every fact path a decision's `missing` can list
    deadlines: tuple[str, ...]
    values: dict[str, str]        # each reported value's id and type tag
    notes: tuple[str, ...]        # each note's text, in Dutch and in English
    amount: bool


def expect_names(compiled: CompiledMeasure) -> ExpectNames:
    """The names `expect` may use for the measure `compiled`."""
    measure = compiled.measure
    window = ("window",) if measure.window is not None else ()
    notes = tuple(text for note in (measure.decision.notes if measure.decision else ())
                  for text in (note.text.nl, note.text.en))
    return ExpectNames(
        measure=measure.id, conditions=(*compiled.reported, *window), rules=frozenset(compiled.program.rules),
        facts=tuple(_fact_paths(compiled.facts)), deadlines=tuple(compiled.deadline_ids),
        values={part.id: part.tag for part in compiled.values}, notes=notes, amount=compiled.amount is not None)


def _fact_paths(facts: dict, prefix: str = "") -> list[str]:
    """Every fact's dotted path, the fields of records and of list items included (as `missing` names them)."""
    out = []
    for name, fact in facts.items():
        out.append(prefix + name)
        if fact.fields:
            out += _fact_paths(fact.fields, f"{prefix}{name}.")
    return out


def unknown_names(expect: dict, names: ExpectNames, document: Document | None, base: tuple,
                  file: str) -> list[Diagnostic]:
    """A diagnostic for each name in `expect` that the measure cannot decide, with a did-you-mean hint."""
    problems: list[Diagnostic] = []

    def report(path: tuple, message: str, hint: str | None, key: bool = False) -> None:
        span = document.span(base + ("expect", *path), key=key) if document is not None else None
        problems.append(Diagnostic(message, span, hint, file=file))

    for i, item in _texts(expect.get("failed")):
        name = normal_name(item)
        if name in names.conditions:
            continue
        if name in names.rules:
            report(("failed", i), f"`expect.failed`: rule `{shown(item)}` is not a condition of {names.measure}, "
                                  "so no decision lists it as failed",
                   _among(name, names.conditions, "the conditions are"))
        else:
            report(("failed", i), f"`expect.failed`: {names.measure} has no condition `{shown(item)}`",
                   _among(name, names.conditions, "the conditions are"))
    for i, item in _texts(expect.get("missing")):
        if _ITEM_NUMBER.sub("", normal_name(item)) not in names.facts:
            report(("missing", i), f"`expect.missing`: {names.measure} has no fact `{shown(item)}`",
                   _among(normal_name(item), names.facts, "the facts are"))
    for key, known, what in (("deadlines", names.deadlines, "deadline"), ("values", tuple(names.values), "value")):
        entries = expect.get(key)
        for name in entries if isinstance(entries, dict) else ():
            if normal_name(str(name)) not in known:
                report((key, name), f"`expect.{key}`: {names.measure} has no {what} `{shown(name)}`",
                       _among(normal_name(str(name)), known, f"its {what}s are"), key=True)
    for i, text in _texts(expect.get("notes")):
        if text not in names.notes:
            report(("notes", i), f"`expect.notes`: no note of {names.measure} reads `{shown(_clipped(text))}`",
                   _note_hint(text, names.notes))
    if expect.get("amount") is not None and not names.amount:
        report(("amount",), f"`expect.amount`: {names.measure} decides no amount",
               "leave `amount` out, or write `amount: null`", key=True)
    return problems


def _note_hint(text: str, notes: tuple[str, ...]) -> str:
    whole = [note for note in notes if text and text in note]
    if whole:
        return f"`expect.notes` holds a note's whole text: \"{printable(whole[0])}\""
    return did_you_mean(text, notes) or ("copy a note's whole text, in Dutch or English, from the measure "
                                         "or from `rulerun explain`")


def _texts(value) -> list[tuple[int, str]]:
    # A malformed list was reported by the case reader; only its texts are looked up here.
    return [(i, item) for i, item in enumerate(value) if isinstance(item, str)] if isinstance(value, list) else []


def _among(name: str, known, what: str) -> str:
    known = list(known)
    if not known:
        return "the measure has none; leave the entry out"
    return did_you_mean(name, known) or (f"{what}: " + ", ".join(f"`{k}`" for k in known[:12])
                                         + (", …" if len(known) > 12 else ""))


def _clipped(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def checked_expect(expect: dict, names: ExpectNames, document: Document | None, base: tuple, file: str) -> dict:
    """`expect` checked against the measure and read by type (read_expected), before any case is run.

    Raises one CaseError with every unknown name and every value that cannot be read, in file order.
    """
    problems = unknown_names(expect, names, document, base, file)
    try:
        typed = read_expected(expect, names.values, document, base, file)
    except CaseError as error:
        problems += error.diagnostics
        typed = {}
    if problems:
        raise CaseError(sorted(problems, key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0)))
    return typed


def entry_span(document: Document, base: tuple, key: str, at_key: bool = True) -> Span | None:
    """Where the `expect` entry `key` (`amount`, `deadlines.betalen`, names in normal form) is: its key or value."""
    section, _, name = key.partition(".")
    path = base + ("expect", section)
    if name:
        entries = document.data
        for part in path:
            entries = entries.get(part) if isinstance(entries, dict) else None
        written = [k for k in entries if normal_name(str(k)) == name] if isinstance(entries, dict) else []
        path += (written[0] if written else name,)
    return document.span(path, key=at_key)
