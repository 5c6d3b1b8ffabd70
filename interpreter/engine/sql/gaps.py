"""What the SQL back-end cannot express exactly: a gap, reported with the expression's position."""
from __future__ import annotations

from dataclasses import dataclass

from rulerun.dsl.errors import Diagnostic
from rulerun.dsl.source import Span


@dataclass(frozen=True)
class Gap:
    """A construct the SQL back-end does not compile, where it is and why."""

    span: Span | None
    what: str
    why: str

    @property
    def where(self) -> str:
        """file:line:column of the construct."""
        if self.span is None:
            return "?"
        return f"{self.span.source.name}:{self.span.line}:{self.span.column}"

    def __str__(self) -> str:
        return f"{self.where}: {self.what}: {self.why}"

    def diagnostic(self) -> Diagnostic:
        """The gap as an error diagnostic, as `check --engine duckdb` prints it."""
        return Diagnostic(f"the duckdb engine cannot compile {self.what}: {self.why}", self.span,
                          "decide this measure with the Python engine (leave out --engine duckdb)")


class Unsupported(Exception):
    """Raised inside the compiler for a construct it leaves as a gap."""

    def __init__(self, span: Span | None, what: str, why: str):
        super().__init__(what)
        self.gap = Gap(span, what, why)
