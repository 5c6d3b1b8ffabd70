"""The files the editor works on: texts being edited, the measures they belong to, and their analyses."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rulerun.dsl.analysis import CheckedMeasure, check_measure
from rulerun.dsl.errors import Diagnostic, MeasureError
from rulerun.dsl.files import MAX_FILE_BYTES
from rulerun.dsl.loader import load_measure_texts, load_problems
from rulerun.dsl.measure import Measure
from rulerun.dsl.names import normal_name
from rulerun.dsl.yamlsource import YamlProblem, parse_yaml, read_text

from .model import Model


INTERNAL = ("internal error: this is a bug in rulerun, not in your files, met while checking this file; "
            "please report it with the file")
_MEASURE_KEY = re.compile(r"^(measure|definitions):", re.M)


@dataclass
class Analysis:
    """What checking one measure file (with the files it imports) found, and its names for navigation."""

    root: Path
    diagnostics: list[Diagnostic]
    measure: Measure | None = None       # the last model that loaded: stale while the text does not load
    checked: CheckedMeasure | None = None
    stale: bool = False
    _model: Model | None = field(default=None, repr=False)
    _compiled: object = field(default=None, repr=False)

    def model(self, cases: dict[Path, str]) -> Model | None:
        """The names, their declarations and their uses, in the measure's files and in `cases`."""
        if self._model is None and self.measure is not None:
            self._model = Model(self.measure, cases)
        return self._model

    def compiled(self):
        """The measure compiled for running cases, or None when it does not check."""
        if self._compiled is None and self.checked is not None and not self.stale:
            from rulerun.interpreter.engine.evaluator import CompiledMeasure
            self._compiled = CompiledMeasure(self.checked)
        return self._compiled


def is_case_file(path: Path) -> bool:
    """A case file lives in `cases/<measure id>/` beside its measure."""
    return path.parent.parent.name == "cases"


def measure_of_case(path: Path) -> Path:
    """The measure file a case file belongs to."""
    return path.parent.parent.parent / f"{path.parent.name}.yaml"


def cases_of(measure: Path) -> list[Path]:
    """The case files of a measure file."""
    folder = measure.parent / "cases" / measure.stem
    return sorted(p.resolve() for p in folder.glob("*.yaml")) if folder.is_dir() else []


class Workspace:
    """The texts open in the editor, over the files on disk, and the analyses made from them."""

    def __init__(self) -> None:
        self.texts: dict[Path, str] = {}
        self._analyses: dict[Path, Analysis] = {}
        self._good: dict[Path, tuple[Measure, CheckedMeasure | None]] = {}

    def edit(self, path: Path, text: str | None) -> None:
        """The editor's text of `path` (None: closed, the file on disk counts again)."""
        if text is None:
            self.texts.pop(path, None)
        else:
            self.texts[path] = text
        if is_case_file(path):
            for analysis in self._analyses.values():
                analysis._model = None  # a case's names are in the model; the measure's check stands
        else:
            self._analyses.clear()  # an edit can change any measure that imports the file

    def text(self, path: Path) -> str | None:
        """The text of `path`: the editor's when open, else the file's; None when it cannot be read."""
        if path in self.texts:
            return self.texts[path]
        try:
            return read_text(path)
        except YamlProblem:
            return None

    def roots(self, path: Path) -> list[Path]:
        """The measure files whose analysis `path` takes part in: itself, or its measure, and every importer."""
        if is_case_file(path):
            return [measure_of_case(path).resolve()]
        if not self.is_measure(path):
            return []  # another YAML file (a CI configuration, say): not rulerun's to judge
        found = [path]
        candidates = set(self.texts) | {p.resolve() for folder in (path.parent, path.parent.parent)
                                        for p in folder.glob("*.yaml")}
        imports = {p: self._imports(p) for p in sorted(candidates) if not is_case_file(p)}
        changed = True
        while changed:
            changed = False
            for candidate, used in imports.items():
                if candidate not in found and any(u in found for u in used):
                    found.append(candidate)
                    changed = True
        return found

    def is_measure(self, path: Path) -> bool:
        """A measure or definitions file: `measure:` or `definitions:` at the top, or a file that does not read."""
        text = self.text(path)
        if text is None:
            return False
        if len(text.encode("utf-8")) > MAX_FILE_BYTES:
            return True  # reported as too large by the analysis
        try:
            data = parse_yaml(text, str(path), dates_as_text=True).data
        except YamlProblem:
            return _MEASURE_KEY.search(text) is not None  # invalid YAML in a measure is reported, not dropped
        return isinstance(data, dict) and ("measure" in data or "definitions" in data)

    def _imports(self, path: Path) -> list[Path]:
        text = self.text(path)
        if text is None:
            return []
        try:
            data = parse_yaml(text, str(path), dates_as_text=True).data
        except YamlProblem:
            return []
        uses = data.get("uses") if isinstance(data, dict) else None
        if not isinstance(uses, dict):
            return []
        return [(path.parent / str(relative)).resolve() for relative in uses.values()]

    def analyse(self, root: Path) -> Analysis:
        """Load and check `root` from the editor's texts; keep the last model that loaded."""
        if root not in self._analyses:
            try:
                self._analyses[root] = self._analyse(root)
            except Exception:  # noqa: BLE001 - a bug met by one file must not end the editing session
                self._analyses[root] = self._stale(root, [Diagnostic(INTERNAL, file=str(root))])
        return self._analyses[root]

    def _analyse(self, root: Path) -> Analysis:
        try:
            measure = load_measure_texts(root, self.texts, str(root))
        except MeasureError as error:
            return self._stale(root, error.diagnostics)
        if _missing_import(measure):
            # The loader keeps going past an import that did not load (too large, invalid, outside
            # the folder...), but every name through that import would then read as unknown: the
            # measure does not load, as when its own file does not. Its load errors are all shown.
            return self._stale(root, load_problems(measure))
        try:
            checked = check_measure(measure)
        except MeasureError as error:
            self._good[root] = (measure, None)
            return Analysis(root, error.diagnostics, measure)
        self._good[root] = (measure, checked)
        return Analysis(root, list(checked.warnings), measure, checked)

    def _stale(self, root: Path, diagnostics: list[Diagnostic]) -> Analysis:
        measure, checked = self._good.get(root, (None, None))
        return Analysis(root, diagnostics, measure, checked, stale=True)

    def case_texts(self, root: Path) -> dict[Path, str]:
        """The texts of the case files of the measure `root`, the editor's where open."""
        out = {}
        for path in cases_of(root):
            text = self.text(path)
            if text is not None:
                out[path] = text
        return out


def _missing_import(measure: Measure) -> bool:
    """Whether an import declared under `uses:` in the measure's files did not load."""
    seen: set[str] = set()
    pending = [measure]
    while pending:
        current = pending.pop()
        if current.file in seen:
            continue
        seen.add(current.file)
        try:
            data = parse_yaml(current.source.text, current.source.name, dates_as_text=True).data
        except YamlProblem:
            continue  # it loaded from this text, so this does not happen
        uses = data.get("uses") if isinstance(data, dict) else None
        if isinstance(uses, dict) and any(normal_name(str(alias)) not in current.uses for alias in uses):
            return True
        pending.extend(current.uses.values())
    return False
