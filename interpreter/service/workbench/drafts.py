"""A measure's text as the editor holds it (saved or not), loaded, checked and compiled without writing a file."""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from rulerun.dsl.analysis import check_measure
from rulerun.dsl.errors import Diagnostic, MeasureError
from rulerun.dsl.loader import load_measure_texts
from rulerun.dsl.yamlsource import read_text

from ...engine.evaluator import CompiledMeasure, load
from ..checking import Checker
from ..problems import Problem


def text_hash(text: str) -> str:
    """`sha256:…` of a file's text: what the editor saw, so a save never overwrites a change it did not see."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def saved_text(path: Path) -> str:
    """The text of the measure file as it is on disk."""
    return read_text(path)


def saved(path: Path) -> CompiledMeasure:
    """The measure as saved, compiled (a file with errors is a 422 problem with its diagnostics)."""
    try:
        return _compiled_file(path, text_hash(saved_text(path)))
    except MeasureError as error:
        raise _invalid(error.diagnostics, "The saved measure has errors") from None


def draft(checker: Checker, path: Path, text: str) -> CompiledMeasure:
    """The measure as the editor holds it, compiled; its diagnostics (the check endpoint's) are a 422 problem."""
    result = checker.check(text)  # refuses imports from outside the measures folder, as /check does
    if result["errors"]:
        first = next(d for d in result["diagnostics"] if d["severity"] == "error")
        # `errors` as /check gives them: every diagnostic with its line, column and hint.
        raise Problem(422, "invalid-measure", "The edited measure has errors", Diagnostic(first["message"]),
                      errors=result["diagnostics"])
    try:
        return _compiled_text(str(path), text)
    except MeasureError as error:
        raise _invalid(error.diagnostics, "The edited measure has errors") from None


@functools.lru_cache(maxsize=16)
def _compiled_file(path: Path, _digest: str) -> CompiledMeasure:
    """Compiled once per content of the file (the digest is the key), not once per request."""
    return load(path, str(path))


@functools.lru_cache(maxsize=16)
def _compiled_text(path: str, text: str) -> CompiledMeasure:
    """Compiled once per edited text: the case panel asks again on every change of a fact."""
    resolved = Path(path).resolve()
    return CompiledMeasure(check_measure(load_measure_texts(resolved, {resolved: text}, path)))


def _invalid(diagnostics, title: str) -> Problem:
    return Problem(422, "invalid-measure", title, list(diagnostics))
