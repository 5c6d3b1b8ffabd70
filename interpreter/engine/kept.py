"""Compiled measures kept in the cache folder: the loaded measure with its lowered form, so that a start needs no checker."""
from __future__ import annotations

import functools
import hashlib
import sys
from pathlib import Path

from rulerun.dsl import builtins, cache
from rulerun.dsl.measure import Measure, with_imports

from .ir import LoweredMeasure

KIND = "compiled"


@functools.cache
def _code() -> str:
    """What a lowered measure depends on besides its files: the modules of the language and the engine, and Python."""
    # Content, not only sizes and times: an edit, another version or a reinstall never meets an old entry.
    digest = hashlib.sha256(repr(sys.version_info[:3]).encode())
    for folder in (Path(cache.__file__).parent, Path(__file__).parent):  # the language and the engine
        for file in sorted([*folder.glob("*.py"), *folder.glob("*.lark")]):
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def recall(path: Path, display: str) -> tuple[Measure, LoweredMeasure] | None:
    """The measure and its lowered form made before from exactly the texts these files hold now, or None."""
    if not builtins.pristine():  # a function or operator added at run time: what was kept may not mean the same
        return None
    found = cache.recall_loaded(KIND, path, display, _code())
    if found is None or not isinstance(found[1], LoweredMeasure):
        return None
    return found[0], found[1]


def keeps() -> bool:
    """Whether `keep` keeps what it is given (nothing is while a program has changed the language's tables)."""
    return builtins.pristine()


def keep(display: str, measure: Measure, lowered: LoweredMeasure) -> None:
    """Remember a measure that checked without error, with its lowered form."""
    if keeps():
        cache.keep_loaded(KIND, display, measure, with_imports(measure), lowered, _code())
