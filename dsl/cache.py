"""Work already done on unchanged texts, kept in the cache folder: schema passes, loaded measures, parser tables."""
from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path
from typing import Iterable

from . import cachestore
from .measure import Measure
from .files import FileProblem, read_bytes
_HERE = Path(__file__).parent


def _name(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def passed(kind: str, *parts: str) -> bool:
    """True when exactly these texts passed the check `kind` before (a stamp this user signed)."""
    return cachestore.enabled() and cachestore.read(kind, _name(*parts)) is not None


def remember(kind: str, *parts: str) -> None:
    """Record that these texts passed the check `kind`."""
    if cachestore.enabled():
        cachestore.write(kind, _name(*parts), b"")


def _code() -> str:
    """What the loaded model depends on besides the files: this package's code and the Python version."""
    stats = [(f.name, f.stat()) for f in sorted([*_HERE.glob("*.py"), _HERE / "grammar.lark"])]
    return repr((sys.version_info[:3], [(name, st.st_size, st.st_mtime_ns) for name, st in stats]))


def _text(path: Path) -> str | None:
    """The text of a file as the loader would read it now; None when it cannot be (then the loader says why)."""
    try:
        return read_bytes(path).decode("utf-8-sig")
    except (FileProblem, UnicodeDecodeError):
        return None


def _digest(text: str | None) -> str | None:
    return None if text is None else _name(text)


def _measure_name(display: str, file: str, text: str, code: str = "") -> str:
    return _name(_code(), code, display, file, text)


def recall_measure(path: Path, display: str) -> Measure | None:
    """The measure loaded before from exactly the texts these files hold now, or None."""
    found = recall_loaded("measures", path, display)
    return None if found is None else found[0]


def keep_measure(display: str, measure: Measure, loaded: Iterable[Measure]) -> None:
    """Remember a measure loaded without error, keyed on the very texts parsed for it and for its imports."""
    keep_loaded("measures", display, measure, loaded, None)


def recall_loaded(kind: str, path: Path, display: str, code: str = "") -> tuple[Measure, object] | None:
    """A measure kept as `kind` with what was made from it (by code stamped `code`), from exactly these texts."""
    if not cachestore.enabled():
        return None
    text = _text(path)
    if text is None:
        return None
    payload = cachestore.read(kind, _measure_name(display, str(path.resolve()), text, code))
    if payload is None:
        return None
    try:
        files, measure, made = pickle.loads(payload)
        fresh = all(_digest(_text(Path(file))) == digest for file, digest in files)
    except Exception:  # noqa: BLE001 - an entry of the wrong shape is a miss, loaded again and replaced
        return None
    return (measure, made) if fresh and isinstance(measure, Measure) else None


def keep_loaded(kind: str, display: str, measure: Measure, loaded: Iterable[Measure], made: object,
                code: str = "") -> None:
    """Remember a measure loaded without error and what was made from it, keyed on the texts parsed for it."""
    if not cachestore.enabled():
        return
    # The texts held by the model, not a second read of the files: one saved meanwhile is never served stale.
    files = [(m.file, _digest(m.source.text)) for m in loaded]
    try:
        payload = pickle.dumps((files, measure, made), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - what cannot be kept is made again next time
        return
    cachestore.write(kind, _measure_name(display, measure.file, measure.source.text, code), payload)


def recall_parser(grammar: str, maker: str) -> bytes | None:
    """The parser tables built before from this grammar by this code and `maker` (the parser library), or None."""
    return cachestore.read("parser", _name(_code(), maker, grammar)) if cachestore.enabled() else None


def keep_parser(grammar: str, maker: str, tables: bytes) -> None:
    """Remember the parser tables built from this grammar."""
    if cachestore.enabled():
        cachestore.write("parser", _name(_code(), maker, grammar), tables)
