"""`POST /check`: a measure's YAML text checked as `rulerun check` checks a file in the measures folder."""
from __future__ import annotations

import re
from pathlib import Path

from rulerun.dsl.analysis import check_measure
from rulerun.dsl.errors import Diagnostic, MeasureError
from rulerun.dsl.loader import load_measure_texts
from rulerun.dsl.yamlsource import YamlProblem, parse_yaml

from .problems import diagnostic_json

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


class Checker:
    """Checks posted measure texts as if they were files of the measures folder, without writing any."""

    def __init__(self, folder: Path):
        self.folder = folder

    def check(self, text: str) -> dict:
        """The diagnostics of a posted measure; its imports are read relative to the measures folder."""
        name = f"{_declared_id(text)}.yaml"
        outside = _imports_outside(text, name, self.folder)
        if outside:
            return _result(outside)
        path = self.folder.resolve() / name
        try:
            # The text stands in for the file (never cached); imports stay inside the measures folder.
            checked = check_measure(load_measure_texts(path, {path: text}, name))
        except MeasureError as error:
            return _result(error.diagnostics)
        return _result(checked.warnings)

    def close(self) -> None:
        """Nothing to release: no file is written."""


def _declared_id(text: str) -> str:
    """The id the text gives itself (so that the file-name check passes), or `measure` when it gives none."""
    try:
        data = parse_yaml(text, "measure.yaml", dates_as_text=True).data
    except YamlProblem:
        return "measure"
    if isinstance(data, dict):
        for key in ("measure", "definitions"):
            if isinstance(data.get(key), str) and _ID.match(data[key]):
                return data[key]
    return "measure"


def _imports_outside(text: str, name: str, folder: Path) -> list[Diagnostic]:
    """An import that would read a file outside the measures folder: refused, a posted text reads nothing else."""
    try:
        document = parse_yaml(text, name, dates_as_text=True)
    except YamlProblem:
        return []  # the loader reports it
    uses = document.data.get("uses") if isinstance(document.data, dict) else None
    if not isinstance(uses, dict):
        return []
    root = folder.resolve()
    problems = []
    for alias, relative in uses.items():
        if isinstance(relative, str) and not (root / relative).resolve().is_relative_to(root):
            problems.append(Diagnostic(f"imported file `{relative}` is outside the measures folder",
                                       document.span(("uses", alias)),
                                       "a measure checked by the server may import files of its measures folder only"))
    return problems


def _result(diagnostics: list[Diagnostic]) -> dict:
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = sum(d.severity == "warning" for d in diagnostics)
    return {"ok": not diagnostics, "errors": errors, "warnings": warnings,
            "diagnostics": [diagnostic_json(d) for d in diagnostics]}
