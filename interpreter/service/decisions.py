"""Decision ids, receipts and the decision log: what lets a decision be audited afterwards."""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import uuid
from importlib import metadata
from pathlib import Path

from rulerun.dsl.errors import InputOutputError

from ..engine.evaluator import CompiledMeasure
from ..engine.trace import Decision
from ..formats.receipt import receipt as decision_receipt
from .registry import Version

RULERUN_VERSION = metadata.version("rulerun")


def new_id() -> str:
    """A fresh decision id."""
    return str(uuid.uuid4())


def input_hash(facts, on) -> str:
    """`sha256:…` of the case's facts and date, written canonically (so whitespace and key order do not count)."""
    text = json.dumps({"facts": facts, "on": on}, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def receipt(version: Version, decided_at: datetime.datetime, inputs: str) -> dict:
    """What a decision was made with: rulerun's version, the measure's id and hash, the input's hash, the time."""
    return {"rulerun": RULERUN_VERSION, "measure": version.compiled.measure.id, "measure_hash": version.hash,
            "input_hash": inputs, "decided_at": decided_at.isoformat(timespec="milliseconds")}


#: Execution receipts already written, by measure version and the decision's two dates (see `execution_receipt`).
_RECEIPTS: dict[tuple, dict] = {}
#: Most receipts kept; the table is emptied when it is full (dates are few, versions change rarely).
MAX_RECEIPTS = 4096


def execution_receipt(compiled: CompiledMeasure, decision: Decision) -> dict:
    """The receipt `rulerun explain` gives a decision, written once per measure version and dates.

    It depends on nothing else (the installed version, the files' hashes, the evaluation and reference
    dates), and writing it reads the package metadata and hashes every file: milliseconds per request.
    The dict returned is shared: copy it before changing it.
    """
    key = (compiled, decision.evaluated_on, decision.reference_date)
    found = _RECEIPTS.get(key)
    if found is None:
        if len(_RECEIPTS) >= MAX_RECEIPTS:
            _RECEIPTS.clear()
        found = _RECEIPTS[key] = decision_receipt(compiled.measure, decision)
    return found


def now() -> datetime.datetime:
    """The current time in UTC."""
    return datetime.datetime.now(datetime.timezone.utc)


class DecisionLog:
    """An append-only file of one JSON line per decision; several worker processes may share it."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as error:
            raise InputOutputError(f"cannot open the decision log `{path}`: {error.strerror or error}") from None

    def write(self, records: list[dict]) -> None:
        """Append these records in one write to a file opened for appending, so lines of several processes never mix."""
        data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode("utf-8")
        while data:
            written = os.write(self._fd, data)
            data = data[written:]

    def close(self) -> None:
        """Close the file."""
        os.close(self._fd)


def log_record(decision_id: str, version: Version, inputs: str, decided_at: datetime.datetime,
               outcome: dict, endpoint: str) -> dict:
    """One line of the decision log."""
    return {"decision_id": decision_id, "time": decided_at.isoformat(timespec="milliseconds"),
            "measure": version.compiled.measure.id, "measure_hash": version.hash, "input_hash": inputs,
            "endpoint": endpoint, "outcome": {k: outcome.get(k) for k in ("eligible", "amount", "missing", "failed")}}
