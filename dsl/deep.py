"""Room for deep measures: run work on a thread with a large stack and a raised recursion limit.

Generated measures chain thousands of rules and imports. Loading imports, checking rules (each
after the rules it names), graph walks, evaluation (a long chain is evaluated deepest first) and
trace rendering nest no call per link of a chain. Some work still can: checking a cycle of rules
goes round it rule inside rule before reporting it, generated code calls rule inside rule, pickle
(the cache) and JSON readers walk nested objects. That work runs here, on one thread whose stack
holds MAX_DEPTH levels: every command but `ask`, and `load`. Input deeper still is refused with
a message instead of crashing the interpreter.
"""
from __future__ import annotations

import sys
import threading
from typing import Callable, TypeVar

from .errors import Diagnostic, MeasureError

T = TypeVar("T")

#: Python frames allowed on a deep thread: room for chains of about 20,000 rules or imports.
MAX_DEPTH = 200_000
#: The stack of a deep thread: about 5 KiB per frame, more than a frame of the engine or of pickle uses.
STACK_BYTES = 1 << 30

_local = threading.local()
_limit_lock = threading.Lock()
_running: list[int] = []  # the recursion limit before the first deep thread still running started


def _enter() -> None:
    """Raise the recursion limit, which is one for all threads, while any deep thread runs."""
    with _limit_lock:
        if not _running:
            _running.append(sys.getrecursionlimit())
            sys.setrecursionlimit(MAX_DEPTH)
        else:
            _running.append(_running[0])


def _leave() -> None:
    with _limit_lock:
        previous = _running.pop()
        if not _running:
            sys.setrecursionlimit(previous)


def on_deep_thread() -> bool:
    """Whether the current thread is a deep thread (work started here needs no new one)."""
    return getattr(_local, "deep", False)


def too_deep(file: str | None = None) -> MeasureError:
    """The error for a measure (file) nested beyond what even a deep thread holds."""
    return MeasureError(Diagnostic(
        "the measure nests too deeply to be handled: its rules, imports or expressions form a chain of "
        f"more than about {MAX_DEPTH // 10} steps",
        hint="split the chain: let rules read facts or shorter chains of rules", file=file))


def run_deep(func: Callable[..., T], *args, **kwargs) -> T:
    """`func(*args, **kwargs)` on a deep thread; its result, or the exception it raised.

    On a deep thread already, `func` runs right there. A RecursionError becomes `too_deep()`.
    """
    if on_deep_thread():
        return func(*args, **kwargs)
    outcome: dict = {}

    def work() -> None:
        _local.deep = True
        try:
            outcome["value"] = func(*args, **kwargs)
        except RecursionError:
            outcome["error"] = too_deep()
        except BaseException as error:  # noqa: BLE001 - handed to the calling thread as is
            outcome["error"] = error

    _enter()
    try:
        with _limit_lock:
            previous = threading.stack_size()
            threading.stack_size(STACK_BYTES)
            try:
                thread = threading.Thread(target=work, name="rulerun-deep", daemon=True)
                thread.start()
            finally:
                threading.stack_size(previous)
        thread.join()
    finally:
        _leave()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
