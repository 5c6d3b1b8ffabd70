"""Scale out on an existing engine (Dask): a function to map over partitions of case records.

Each worker process loads, checks and compiles a measure once (cached by path) and then decides
the records of every partition it is given, exactly as `rulerun batch` does.
"""
from __future__ import annotations

import datetime
import functools
from typing import Iterable

from .batch import decide_items, record_item
from ..engine.evaluator import CompiledMeasure, load


@functools.lru_cache(maxsize=8)
def _compiled(path: str) -> CompiledMeasure:
    return load(path)


def decide_records(records: Iterable[dict], measure: str, on: datetime.date) -> list[dict]:
    """Output records (as `rulerun batch` writes them) for raw records `{"id": …, "on": …, "facts": {…}}`.

    `line` in the output is the record's position in this partition, counted from 1; give each
    record an `id` to tell them apart across partitions.
    """
    compiled = _compiled(str(measure))
    return decide_items(compiled, [record_item(number, record) for number, record in enumerate(records, 1)], on)
