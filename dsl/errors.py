"""Diagnostics: every problem rulerun reports, as data, rendered in one place."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .printable import printable
from .source import Span


@dataclass(frozen=True)
class Diagnostic:
    """One problem: what is wrong, where, and what to do about it."""

    message: str
    span: Span | None = None
    hint: str | None = None
    severity: str = "error"
    file: str | None = None

    @property
    def where(self) -> str:
        """`file:line:col`, `file`, or '' when nothing is known."""
        if self.span is not None:
            return self.span.location
        return self.file or ""


class RulerunError(Exception):
    """Base of every error rulerun raises for bad input."""

    kind = "error"
    exit_code = 1

    def __init__(self, diagnostics: Iterable[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__(render_all(self.diagnostics))


class MeasureError(RulerunError):
    """A measure file is invalid (YAML, schema, syntax, names, types)."""

    kind = "invalid measure"
    exit_code = 2


class CaseError(RulerunError):
    """A case (the facts) is invalid for the measure."""

    kind = "invalid case"
    exit_code = 3


class EvaluationError(RulerunError):
    """Evaluation failed on valid input (division by zero, date out of range)."""

    kind = "evaluation error"
    exit_code = 4


class UsageError(RulerunError):
    """A file or argument given on the command line cannot be used."""

    kind = "usage error"
    exit_code = 64


class InputOutputError(RulerunError):
    """Reading or writing failed at the system's level (a closed stream, a full disk, permission denied)."""

    kind = "input/output error"
    exit_code = 74


@dataclass
class Collector:
    """Gathers diagnostics so that all problems are reported, not only the first."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, message: str, span: Span | None = None, hint: str | None = None,
              file: str | None = None) -> None:
        """Record an error."""
        self.items.append(Diagnostic(message, span, hint, "error", file))

    def warning(self, message: str, span: Span | None = None, hint: str | None = None,
                file: str | None = None) -> None:
        """Record a warning."""
        self.items.append(Diagnostic(message, span, hint, "warning", file))

    @property
    def errors(self) -> list[Diagnostic]:
        """The error-severity diagnostics."""
        return [d for d in self.items if d.severity == "error"]

    def raise_if_errors(self, error_class: type[RulerunError] = MeasureError) -> None:
        """Raise `error_class` carrying every diagnostic when any is an error."""
        if self.errors:
            raise error_class(sorted(self.items, key=_order))


def _order(d: Diagnostic) -> tuple:
    if d.span is None:
        return (d.file or "", 0, 0)
    return (d.span.source.name, d.span.line, d.span.column)


def render(d: Diagnostic) -> str:
    """Render one diagnostic rustc-style: location, message, excerpt with caret, hint."""
    # Messages quote the input, which may hold terminal control sequences: shown escaped, never obeyed.
    message = printable(d.message, newlines=True)
    head = f"{d.where}: {d.severity}: {message}" if d.where else f"{d.severity}: {message}"
    lines = [head]
    if d.span is not None:
        text = d.span.source.line(d.span.line)
        if text:
            gutter = " " * len(str(d.span.line))
            width = (d.span.end_column - d.span.column) if d.span.end_line == d.span.line else (
                len(text) - d.span.column + 1)
            width = max(1, width)
            before, marked = text[:d.span.column - 1], text[d.span.column - 1:d.span.column - 1 + width]
            lines += [f"{gutter} |", f"{d.span.line} | {printable(text)}",
                      f"{gutter} | {' ' * len(printable(before))}{'^' * max(1, len(printable(marked)))}"]
    if d.hint:
        lines.append(f"  = hint: {printable(d.hint, newlines=True)}")
    return "\n".join(lines)


def render_all(diagnostics: Iterable[Diagnostic]) -> str:
    """Render many diagnostics separated by blank lines."""
    return "\n\n".join(render(d) for d in diagnostics)
