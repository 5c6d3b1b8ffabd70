"""A folder that remembers work already done on unchanged files: schema passes and loaded measures."""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path

from .files import FileProblem, read_bytes

#: Environment variable naming the cache folder; set it empty to keep no cache.
FOLDER_VARIABLE = "RULERUN_CACHE_DIR"
_HERE = Path(__file__).parent


def folder() -> Path | None:
    """Where the cache is kept, or None when it is switched off."""
    chosen = os.environ.get(FOLDER_VARIABLE)
    if chosen is not None:
        return Path(chosen) if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rulerun"


def _entry(kind: str, *parts: str | bytes) -> Path | None:
    place = folder()
    if place is None:
        return None
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return place / kind / digest.hexdigest()


def _write(entry: Path, data: bytes) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        partial = entry.with_name(f"{entry.name}.{os.getpid()}")
        partial.write_bytes(data)
        partial.replace(entry)  # whole or not at all, also when two processes write at once
    except OSError:
        pass  # the cache only saves time; without an entry the work is done again next time


def passed(kind: str, *parts: str) -> bool:
    """True when exactly these texts passed the check `kind` before."""
    entry = _entry(kind, *parts)
    return entry is not None and entry.is_file()


def remember(kind: str, *parts: str) -> None:
    """Record that these texts passed the check `kind`."""
    entry = _entry(kind, *parts)
    if entry is not None:
        _write(entry, b"")


def _code() -> str:
    """What the loaded model depends on besides the files: this package's code and the Python version."""
    stats = [(f.name, f.stat()) for f in sorted([*_HERE.glob("*.py"), _HERE / "grammar.lark"])]
    return repr((sys.version_info[:3], [(name, st.st_size, st.st_mtime_ns) for name, st in stats]))


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(read_bytes(path)).hexdigest()
    except FileProblem:
        return None


def recall_measure(path: Path, display: str):
    """The measure loaded from these unchanged files before, or None."""
    try:
        entry = _entry("measures", _code(), display, str(path.resolve()), path.read_bytes())
        if entry is None or not entry.is_file():
            return None
        files, measure = pickle.loads(entry.read_bytes())
    except Exception:  # noqa: BLE001 - an unreadable or stale entry is simply not used
        return None
    if any(_digest(Path(name)) != digest for name, digest in files):
        return None
    return measure


def keep_measure(path: Path, display: str, measure, files: list[str]) -> None:
    """Remember a measure loaded without error from `path` and the files it imports."""
    try:
        entry = _entry("measures", _code(), display, str(path.resolve()), path.read_bytes())
        data = pickle.dumps(([(name, _digest(Path(name))) for name in files], measure),
                            protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - a measure that cannot be kept is loaded again next time
        return
    if entry is not None:
        _write(entry, data)
