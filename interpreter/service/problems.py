"""Problem details (RFC 9457) for every error the service answers, with the CLI's messages and positions."""
from __future__ import annotations

from rulerun.dsl.errors import (CaseError, Diagnostic, EvaluationError, InputOutputError, MeasureError,
                                RulerunError, UsageError)
from rulerun.dsl.printable import printable

MEDIA_TYPE = "application/problem+json"
PREFIX = "urn:rulerun:problem:"

#: The status and title of each kind of rulerun error when a request meets it.
_BY_KIND: dict[type, tuple[int, str, str]] = {
    CaseError: (422, "invalid-case", "The case is invalid"),
    EvaluationError: (422, "evaluation-error", "The case could not be decided"),
    MeasureError: (422, "invalid-measure", "The measure is invalid"),
    UsageError: (400, "bad-request", "The request cannot be used"),
    InputOutputError: (400, "bad-request", "The request cannot be used"),
}


class Problem(Exception):
    """An answer other than success: an HTTP status, a problem type, a title, and the diagnostics behind it."""

    def __init__(self, status: int, name: str, title: str, diagnostics: list[Diagnostic] | Diagnostic | str,
                 headers: dict[str, str] | None = None, **extra):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.status, self.name, self.title = status, name, title
        self.diagnostics = list(diagnostics)
        self.headers = headers or {}
        self.extra = extra
        super().__init__(title)

    def body(self, instance: str | None = None) -> dict:
        """The problem+json document."""
        out = {"type": PREFIX + self.name, "title": self.title, "status": self.status,
               "detail": self.diagnostics[0].message if self.diagnostics else self.title}
        if instance:
            out["instance"] = instance
        out["errors"] = [diagnostic_json(d) for d in self.diagnostics]
        out.update(self.extra)
        return out


def from_error(error: RulerunError) -> Problem:
    """The problem for a rulerun error met while answering a request."""
    status, name, title = next((v for k, v in _BY_KIND.items() if isinstance(error, k)),
                               (400, "bad-request", "The request cannot be used"))
    return Problem(status, name, title, error.diagnostics)


def diagnostic_json(d: Diagnostic) -> dict:
    """One diagnostic as data: message, file, line, column (when known), hint, severity."""
    out: dict = {"severity": d.severity, "message": printable(d.message, newlines=True)}
    if d.span is not None:
        out.update({"file": d.span.source.name, "line": d.span.line, "column": d.span.column,
                    "end_line": d.span.end_line, "end_column": d.span.end_column})
    elif d.file:
        out["file"] = d.file
    out["hint"] = printable(d.hint, newlines=True) if d.hint else None
    return out
