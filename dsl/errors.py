"""Diagnostics: every problem rulerun reports, as data, rendered in one place."""
from __future__ import annotations

from typing import Iterable

from .printable import printable
from .records import field, record
from .source import Span

#: Longest source line, quoted value or message shown, in characters; longer ones are cut with `…`.
SHOWN_LINE = 200
SHOWN_VALUE = 200
SHOWN_MESSAGE = 1000


def clip(text: str, limit: int = SHOWN_VALUE) -> str:
    """`text` cut to `limit` characters, keeping its start and end around an ellipsis."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return f"{text[:head]}…{text[len(text) - (limit - 1 - head):]}"


def quoted(value: object) -> str:
    """A value as a message quotes it: in backticks, cut when long."""
    return f"`{clip(str(value))}`"


@record(frozen=True)
class Diagnostic:
    """One problem: what is wrong, where, and what to do about it.

    `excerpt` is False for a file that is not (or not yet known to be) a measure or case: its
    position is given, but none of its text is shown.
    """

    message: str
    span: Span | None = None
    hint: str | None = None
    severity: str = "error"
    file: str | None = None
    excerpt: bool = True

    def __post_init__(self):
        # Whatever a message quotes, it never grows past a few lines.
        object.__setattr__(self, "message", clip(self.message, SHOWN_MESSAGE))
        if self.hint is not None:
            object.__setattr__(self, "hint", clip(self.hint, SHOWN_MESSAGE))

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


@record
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
    if d.span is not None and d.excerpt:
        text = d.span.source.line(d.span.line)
        if text:
            gutter = " " * len(str(d.span.line))
            width = (d.span.end_column - d.span.column) if d.span.end_line == d.span.line else (
                len(text) - d.span.column + 1)
            shown, column, width = _window(text, d.span.column, max(1, width))
            before, marked = shown[:column - 1], shown[column - 1:column - 1 + width]
            lines += [f"{gutter} |", f"{d.span.line} | {printable(shown)}",
                      f"{gutter} | {' ' * len(printable(before))}{'^' * max(1, len(printable(marked)))}"]
    if d.hint:
        lines.append(f"  = hint: {printable(d.hint, newlines=True)}")
    return "\n".join(lines)


def _window(text: str, column: int, width: int) -> tuple[str, int, int]:
    """At most SHOWN_LINE characters of a line around `column`, with the caret's new column and width."""
    if len(text) <= SHOWN_LINE:
        return text, column, width
    start = 0
    if column > SHOWN_LINE * 3 // 4:  # keep the line's start unless the caret would be near the cut
        start = max(0, min(column - 1 - SHOWN_LINE // 4, len(text) - SHOWN_LINE))
    end = start + SHOWN_LINE
    before = "…" if start else ""
    after = "…" if end < len(text) else ""
    column = column - start + len(before)
    width = max(1, min(width, end - (column - len(before) + start - 1)))
    return before + text[start:end] + after, column, width


def render_all(diagnostics: Iterable[Diagnostic]) -> str:
    """Render many diagnostics separated by blank lines."""
    return "\n\n".join(render(d) for d in diagnostics)
