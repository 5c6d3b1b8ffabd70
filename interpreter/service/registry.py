"""The measures served: loaded and checked at start, re-checked when a file changes, swapped in only when clean.

Requests read an immutable snapshot (`Entry`); the reloader builds new entries and replaces
the whole table in one assignment, so a request never sees half a swap and a broken edit
never takes a measure down: the version before it keeps answering.
"""
from __future__ import annotations

import datetime
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from rulerun.dsl.errors import Diagnostic, MeasureError, RulerunError
from rulerun.dsl.measure import Measure
from rulerun.dsl.yamlsource import YamlProblem, read_text

from rulerun.dsl.analysis import check_measure
from rulerun.dsl.loader import load_measure

from ..engine.evaluator import CompiledMeasure


@dataclass(frozen=True)
class Version:
    """One loaded, checked and compiled version of a measure, with its content hash."""

    compiled: CompiledMeasure
    hash: str
    warnings: tuple[Diagnostic, ...]
    loaded_at: datetime.datetime


@dataclass(frozen=True)
class Entry:
    """A measure file: the version that answers (if any) and the errors of the file's current text (if any)."""

    id: str
    path: Path
    served: Version | None
    errors: tuple[Diagnostic, ...] = ()
    files: tuple[Path, ...] = ()
    seen: str = ""
    hidden: bool = False  # a file of shared definitions: watched, not served

    @property
    def status(self) -> str:
        """`ok`, `stale` (the file's new text has errors; the previous version answers) or `unavailable`."""
        if self.served is None:
            return "unavailable"
        return "stale" if self.errors else "ok"


def content_hash(measure: Measure) -> str:
    """`sha256:…` over the texts of the measure file and of every file it imports, with their names."""
    digest = hashlib.sha256()
    for loaded in _with_imports(measure):
        for part in (loaded.path, loaded.source.text):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
    return "sha256:" + digest.hexdigest()


def _with_imports(measure: Measure) -> list[Measure]:
    out = [measure]
    for used in measure.uses.values():
        out += _with_imports(used)
    return out


def _texts_digest(files: tuple[Path, ...]) -> str:
    """What the files hold now, as one digest; a file that cannot be read counts as its own state."""
    texts = []
    for path in files:
        try:
            texts.append(read_text(path))
        except (YamlProblem, OSError) as problem:
            texts.append(f"\0unreadable: {problem}")
    return _digest(texts)


def _digest(texts: list[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


class Registry:
    """The measures of one folder, by id."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()  # one refresh at a time; readers never take it
        self.refresh()

    def get(self, ident: str) -> Entry | None:
        """The entry of measure `ident`, or None."""
        entry = self._entries.get(ident)
        return None if entry is None or entry.hidden else entry

    def entries(self) -> list[Entry]:
        """Every entry, by id."""
        return [self._entries[k] for k in sorted(self._entries) if not self._entries[k].hidden]

    def refresh(self) -> list[str]:
        """Re-check every measure whose files changed, and pick up new ones; the ids whose entry changed."""
        with self._lock:
            table = dict(self._entries)
            changed = []
            paths = {p.stem: p for p in sorted(self.folder.glob("*.yaml")) if p.is_file()}
            for ident in sorted(set(paths) | set(table)):
                entry = table.get(ident)
                path = paths[ident] if ident in paths else table[ident].path  # a file's, or a known entry's
                fresh = self._examine(ident, path, entry)
                if fresh is None:
                    table.pop(ident, None)
                    changed.append(ident)
                elif fresh is not entry:
                    table[ident] = fresh
                    changed.append(ident)
            self._entries = table  # the swap: one assignment
            return changed

    def _examine(self, ident: str, path: Path, entry: Entry | None) -> Entry | None:
        files = entry.files if entry else (path,)
        seen = _texts_digest(files)
        if entry is not None and seen == entry.seen:
            return entry
        if not path.is_file():
            if entry is None or entry.served is None:
                return None
            return Entry(ident, path, entry.served, (Diagnostic(
                f"the measure file `{path}` no longer exists", file=str(path),
                hint="the version loaded before keeps answering; put the file back to change it"),), files, seen)
        try:
            measure = load_measure(path, str(path))
            compiled = CompiledMeasure(check_measure(measure)) if measure.kind == "measure" else None
        except Exception as error:  # noqa: BLE001 - whatever a file does, the version before keeps answering
            if not isinstance(error, RulerunError):
                error = RulerunError(Diagnostic("internal error while loading the measure: this is a bug in rulerun",
                                                file=str(path), hint="please report it with the measure file"))
            served = entry.served if entry else None
            diagnostics = error.diagnostics if isinstance(error, MeasureError) else [
                Diagnostic(d.message, d.span, d.hint, "error", d.file or str(path)) for d in error.diagnostics]
            return Entry(ident, path, served, tuple(diagnostics), files, seen)
        loaded = _with_imports(measure)
        files = tuple(Path(m.file) for m in loaded)
        seen = _digest([m.source.text for m in loaded])  # the texts checked, not a second read
        if compiled is None:  # a file of shared definitions: served through the measures that use it
            return Entry(ident, path, None, (), files, seen, hidden=True)
        version = Version(compiled, content_hash(measure), tuple(compiled.checked.warnings),
                          datetime.datetime.now(datetime.timezone.utc))
        return Entry(ident, path, version, (), files, seen)


class Reloader:
    """A background thread that refreshes the registry every `interval` seconds."""

    def __init__(self, registry: Registry, interval: float):
        self.registry = registry
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rulerun-reloader", daemon=True)

    def start(self) -> None:
        """Start watching (nothing when the interval is 0)."""
        if self.interval > 0:
            self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.registry.refresh()
            except Exception:  # noqa: BLE001 - a failed look at the folder must not end the watching
                continue
