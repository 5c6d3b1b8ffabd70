"""The decision and its trace: data built bottom-up, read-only once built, rendered elsewhere."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Iterator


# Slotted, not frozen: a frozen dataclass sets each field through object.__setattr__, which tripled
# the cost of building a decision.
@dataclass(slots=True)
class ParameterRead:
    """A parameter value a rule used, with the date it took effect (None when undated)."""

    name: str
    key: str | None
    value: object
    tag: str
    since: datetime.date | None
    source: str | None
    at: datetime.date | None = None  # read at this date (`plafond at werken.start`), not the reference date


@dataclass(slots=True)
class ItemRead:
    """One item of the list an aggregate went over: whether it passed the filter, and its value there."""

    number: int  # its place in the list, from 1
    item: object  # the item itself (a record's fields, or a plain value)
    kept: object  # the filter's result: True, False or Unknown (True without a filter)
    value: object  # the aggregate's body for this item; None when not evaluated


@dataclass(slots=True)
class AggregateRead:
    """One sum, count, min, max, any or all over a list, as a rule evaluated it: which items counted and why."""

    func: str
    var: str
    over: str  # the list, as written
    location: str
    tag: str  # the type of the body's value per item
    fields: tuple[tuple[str, str], ...]  # the fields of an item read, with their types; `var` for the item itself
    items: tuple[ItemRead, ...]
    not_needed: int = 0  # items left unread: `any`/`all` stop at the first item that decides


@dataclass(slots=True)
class TraceNode:
    """One evaluated rule: what it is, what it read and what it came to."""

    id: str
    label: dict
    kind: str
    expression: str
    location: str
    source: str | None
    value: object
    tag: str
    facts: tuple[tuple[str, tuple[object, str]], ...] = ()  # (path, (value, type tag)) of each fact read
    parameters: tuple[ParameterRead, ...] = ()
    children: tuple["TraceNode", ...] = ()
    not_needed: tuple[str, ...] = ()
    row: str | None = None
    note: str | None = None
    aggregates: tuple[AggregateRead, ...] = ()


@dataclass(slots=True)
class Decision:
    """The outcome of evaluating a measure for one case."""

    measure: str
    evaluated_on: datetime.date
    reference_date: datetime.date | None
    eligible: str
    amount: Decimal | None  # rounded to the cent; None when not eligible or not yet known
    deadlines: dict = field(default_factory=dict)
    failed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    notes: tuple[dict[str, str], ...] = ()  # each note in Dutch and English: {"nl": …, "en": …}
    trace: tuple[TraceNode, ...] = ()
    outcome: dict = field(default_factory=dict)
    amount_missing: tuple[str, ...] = ()  # eligible, but the amount needs these facts (all are in `missing`)


def walk(nodes: Iterable[TraceNode]) -> Iterator[TraceNode]:
    """Every node of a trace once (a rule needed twice is one node), depth first, in evaluation order."""
    seen: set[int] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop(0)
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack[:0] = list(node.children)
