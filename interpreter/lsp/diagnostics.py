"""rulerun's diagnostics as the editor's, grouped by the file they are in, with their quick fixes."""
from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from rulerun.dsl.errors import Diagnostic

from .fixes import fixes_for
from .positions import Units, to_range, utf16

_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
             "information": types.DiagnosticSeverity.Information}


def file_of(diagnostic: Diagnostic, default: Path) -> Path:
    """The file a diagnostic is about: its span's, else the file it names, else `default`."""
    name = diagnostic.span.source.name if diagnostic.span is not None else diagnostic.file
    return Path(name).resolve() if name else default


def by_file(diagnostics: list[Diagnostic], default: Path, units: Units = utf16) -> dict[Path, list[types.Diagnostic]]:
    """The editor's diagnostics for each file the given ones are in, each once."""
    out: dict[Path, list[types.Diagnostic]] = {}
    seen: set[tuple] = set()
    for diagnostic in diagnostics:
        path = file_of(diagnostic, default)
        converted = convert(diagnostic, units)
        key = (path, converted.message, converted.range.start.line, converted.range.start.character)
        if key not in seen:
            seen.add(key)
            out.setdefault(path, []).append(converted)
    return out


def convert(diagnostic: Diagnostic, units: Units = utf16) -> types.Diagnostic:
    """One diagnostic for the editor: its range, message and hint, and the edits its hint suggests."""
    if diagnostic.span is not None:
        where = to_range(diagnostic.span, units)
    else:
        where = types.Range(types.Position(0, 0), types.Position(0, 0))
    message = diagnostic.message + (f"\nhint: {diagnostic.hint}" if diagnostic.hint else "")
    fixes = fixes_for(diagnostic, units)
    return types.Diagnostic(where, message, _SEVERITY.get(diagnostic.severity, types.DiagnosticSeverity.Error),
                            source="rulerun", data={"fixes": fixes} if fixes else None)
