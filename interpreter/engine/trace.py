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
