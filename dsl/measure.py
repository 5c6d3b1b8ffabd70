"""The loaded measure: facts, parameters, rules and decision, each with its position."""
from __future__ import annotations

import datetime

from . import ast
from .patterns import Pattern
from .records import field, record
from .source import Source, Span
from .types import Type


@record(frozen=True)
class Text:
    """A Dutch and English text."""

    nl: str
    en: str

    def get(self, lang: str) -> str:
        """The text in `lang` (nl or en)."""
        return self.en if lang == "en" else self.nl

    def as_dict(self) -> dict:
        """`{"nl": …, "en": …}`."""
        return {"nl": self.nl, "en": self.en}


@record(frozen=True)
class Citation:
    """A reference to one of the measure's sources, optionally to a section of it."""

    ref: str
    section: str | None
    span: Span | None

    def __str__(self) -> str:
        return f"{self.ref} {self.section}" if self.section else self.ref


@record(frozen=True)
class SourceDoc:
    """A public document that rules cite."""

    id: str
    title: str
    url: str
    note: str | None = None


@record
class Fact:
    """An input of the case."""

    name: str
    type: Type
    label: Text
    question: Text | None
    span: Span | None
    fields: dict[str, "Fact"] = field(default_factory=dict)
    item: "Fact | None" = None
    minimum: object = None
    maximum: object = None
    pattern: Pattern | None = None
    optional: bool = False
    note: str | None = None


@record
class Version:
    """One dated (or undated) value of a parameter: a literal, or a literal per key."""

    since: datetime.date | None
    value: ast.Expr | None
    values: dict[str, ast.Expr | None] | None  # a value that did not parse is None (a partial load)
    source: Citation | None
    span: Span | None
    until: datetime.date | None = None


@record
class Parameter:
    """A named value from the regulation."""

    name: str
    label: Text
    source: Citation
    versions: list[Version]
    span: Span | None
    note: str | None = None

    @property
    def keys(self) -> tuple[str, ...] | None:
        """The keys of a keyed parameter (of its latest version), or None."""
        values = self.versions[-1].values
        return tuple(values) if values is not None else None


@record
class Row:
    """A decision-table row; `when` is None for the `otherwise` row."""

    when: ast.Expr | None
    then: ast.Expr | None  # None when it did not parse: the measure is then loaded only partially
    label: str | None
    span: Span | None


def row_label(index: int, row: Row) -> str:
    """How traces and reports name a table row: `2`, `1 (groot project)`, `otherwise`."""
    name = "otherwise" if row.when is None else f"{index + 1}"
    return name + (f" ({row.label})" if row.label else "")


@record
class Rule:
    """A named expression or decision table."""

    id: str
    label: Text
    source: Citation
    span: Span | None
    text: str
    expr: ast.Expr | None = None
    rows: list[Row] = field(default_factory=list)
    note: str | None = None


@record
class Named:
    """A labelled expression of the decision (a deadline or a reported value)."""

    name: str
    label: Text | None
    expr: ast.Expr
    text: str
    span: Span | None


@record
class Note:
    """A remark shown with the decision, when its condition holds."""

    text: Text
    when: ast.Expr | None


@record
class Decision:
    """What the measure decides."""

    conditions: list[tuple[str, Span | None]] | None
    eligible: ast.Expr | None
    eligible_text: str | None
    amount: ast.Expr | None
    amount_text: str | None
    deadlines: list[Named] = field(default_factory=list)
    values: list[Named] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    span: Span | None = None


@record
class Window:
    """When applications are accepted."""

    start: datetime.date | None
    end: datetime.date | None
    source: Citation | None
    span: Span | None


@record
class Measure:
    """A measure file, or a file of shared definitions (`kind` = definitions)."""

    id: str
    kind: str
    path: str
    file: str
    source: Source
    title: Text
    summary: Text | None
    authority: str | None
    sources: dict[str, SourceDoc]
    facts: dict[str, Fact]
    parameters: dict[str, Parameter]
    rules: dict[str, Rule]
    uses: dict[str, "Measure"] = field(default_factory=dict)
    window: Window | None = None
    reference_date: ast.Expr | None = None
    reference_text: str | None = None
    decision: Decision | None = None
    #: Errors found while loading that leave the rest checkable (an expression that does not parse).
    problems: list = field(default_factory=list)
    #: Import aliases whose file could not be used; that was reported, so names through them are not.
    unusable_imports: set = field(default_factory=set)


def with_imports(measure: Measure) -> list[Measure]:
    """The measure and every file it imports, directly or not, depth first."""
    out: list[Measure] = []
    pending = [measure]
    while pending:  # not recursion: generated measures chain thousands of imports
        current = pending.pop()
        out.append(current)
        pending += reversed(current.uses.values())
    return out
