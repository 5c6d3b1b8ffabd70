"""The execution receipt of a decision: what was run, on which files, for which dates — to reproduce and audit it."""
from __future__ import annotations

import functools
import hashlib

from rulerun.dsl.measure import Measure

from ..engine.trace import Decision

#: The version of the decision's JSON shape (schemas/decision.schema.json); raised when a key changes meaning.
SCHEMA_VERSION = "1"


@functools.cache  # reading the package metadata takes a millisecond; it does not change while running
def rulerun_version() -> str:
    """The installed rulerun version."""
    # Imported here: importlib.metadata brings email, zipfile and sockets, which a report without receipt never needs.
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("rulerun")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def file_hashes(measure: Measure) -> dict[str, str]:
    """SHA-256 of the measure file and of every file it imports (directly or not), as read, by the path reports show."""
    out: dict[str, str] = {}
    pending = [measure]
    while pending:  # a list, not recursion: imports can chain a thousand files deep
        current = pending.pop()
        if current.path in out:
            continue
        # The text that was read and evaluated, not the file as it may be by now (changed, or gone).
        content = current.source.text.encode("utf-8")
        out[current.path] = hashlib.sha256(content).hexdigest()
        pending += list(current.uses.values())
    return dict(sorted(out.items()))


def receipt(measure: Measure, decision: Decision) -> dict:
    """The receipt: rulerun version, measure id, file hashes, evaluation and reference dates."""
    return Receipts(measure).of(decision)


class Receipts:
    """The receipts of many decisions under one measure: its files hashed once, not once per decision."""

    def __init__(self, measure: Measure):
        self.fixed = {"rulerun_version": rulerun_version(), "measure": measure.id, "measure_file": measure.path,
                      "files": file_hashes(measure)}

    def of(self, decision: Decision) -> dict:
        """The receipt of one decision."""
        return {**self.fixed,
                "evaluated_on": decision.evaluated_on.isoformat(),
                "reference_date": decision.reference_date.isoformat() if decision.reference_date else None}
