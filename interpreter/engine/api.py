"""The engine's public surface: what the `rulerun` package and the tools build on."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .evaluator import CompiledMeasure, load
from .trace import Decision, ParameterRead, TraceNode, walk

if TYPE_CHECKING:  # many cases at once: imported when first asked for, not to explain one
    from .columns import Columns, decide_columns

Engine = CompiledMeasure

__all__ = ["Columns", "CompiledMeasure", "Decision", "Engine", "ParameterRead", "TraceNode", "decide_columns",
           "load", "walk"]


def __getattr__(name: str) -> object:
    """`Columns` and `decide_columns`, imported on first use."""
    if name in ("Columns", "decide_columns"):
        from . import columns
        return getattr(columns, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
