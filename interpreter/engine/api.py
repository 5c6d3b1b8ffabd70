"""The engine's public surface: what the `rulerun` package and the tools build on."""
from __future__ import annotations

from .columns import Columns, decide_columns
from .evaluator import CompiledMeasure, load
from .trace import Decision, ParameterRead, TraceNode, walk

Engine = CompiledMeasure

__all__ = ["Columns", "CompiledMeasure", "Decision", "Engine", "ParameterRead", "TraceNode", "decide_columns",
           "load", "walk"]
