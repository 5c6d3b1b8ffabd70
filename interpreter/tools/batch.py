"""Evaluate a measure over many cases: read JSON Lines (CSV and Parquet: `tables`), stream decisions out in input order.

A bad case becomes an error record with its line number; the run goes on. With several jobs,
each worker process loads and compiles the measure once and cases travel in chunks; the
output order is the input order either way.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Iterator

from rulerun.dsl.errors import RulerunError
from rulerun.dsl.printable import printable

from ..engine.evaluator import CompiledMeasure, load
from ..formats.receipt import SCHEMA_VERSION, Receipts
from ..formats.records import Lines, RecordProblem, decode_json, lenient_id, too_long, utf8
from ..formats.render import decision_json
from ..formats.scalars import Refused, read_date, shown

RECORD_KEYS = ("id", "on", "facts")


@dataclass(frozen=True)
class Item:
    """One input case: its line, its id, its own date, and either its raw facts or why it cannot be decided."""

    line: int
    id: str | None  # None when the record's id cannot be read: never another case's id
    on: datetime.date | None
    facts: object
    problem: str | None = None


def make_item(line: int, ident: str | None, on, facts) -> Item:
    """An Item, with its `on` read as a date once, here, rather than by every consumer."""
    if on is None:
        return Item(line, ident, on, facts)
    try:
        return Item(line, ident, read_date(on), facts)
    except Refused:
        return Item(line, ident, None, None, f"`on` must be a date written YYYY-MM-DD, not `{shown(on)}`")


BAD_ID = "`id` must be a text or a whole number"


def record_id(value, number: int) -> str | None:
    """A record's id as text (the line number when it has none), or None when it is not a text or whole number."""
    if value is None:
        return str(number)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value)


def read_jsonl(path: Path) -> Iterator[Item]:
    """Cases from JSON Lines: one object per line, `{"id": …, "on": …, "facts": {…}}`; a BOM may open the file."""
    with open(path, "rb") as handle:
        for number, raw in Lines(handle):
            item = line_item(number, raw)
            if item is not None:
                yield item


def line_item(number: int, line: bytes | str | None) -> Item | None:
    """One JSON Lines line (its bytes or text; None when too long to read) as an Item; None for a blank line."""
    text = line if isinstance(line, str) else None
    try:
        if line is None:
            raise too_long()
        text = line if isinstance(line, str) else utf8(line)
        if not text.strip():
            return None
        record = decode_json(text)
    except RecordProblem as problem:
        return Item(number, lenient_id(text) if text is not None else None, None, None, str(problem))
    return record_item(number, record)


def record_item(number: int, record) -> Item:
    """One decoded input record as an Item, or the reason it cannot be decided."""
    if not isinstance(record, dict):
        return Item(number, None, None, None, 'each line must be an object {"id": …, "facts": {…}}')
    ident = record_id(record.get("id"), number)
    if ident is None:
        return Item(number, None, None, None, BAD_ID)
    unknown = [k for k in record if k not in RECORD_KEYS]
    if unknown:
        return Item(number, ident, None, None, f"unknown key `{unknown[0]}`; a line has id, on and facts")
    if "facts" not in record:
        return Item(number, ident, None, None, "the line has no `facts`")
    return make_item(number, ident, record.get("on"), record["facts"])


def decide(compiled: CompiledMeasure, item: Item, default_on: datetime.date) -> dict:
    """The output record for one input case: the decision, or an error with the line number."""
    return decide_items(compiled, [item], default_on)[0]


def decide_items(compiled: CompiledMeasure, items: list[Item], default_on: datetime.date) -> list[dict]:
    """The output records for input cases, in order: facts checked one by one, decisions made together.

    A bug met by one case (an exception that is not a rulerun error) becomes that case's error
    record, starting with INTERNAL, so that the other cases' decisions are not lost; the command
    still ends with exit 70.
    """
    records: list[dict] = []
    pairs: list = []
    waiting: list[dict] = []  # the records of the cases in `pairs`, in the same order
    for item in items:
        out: dict[str, object] = {"id": item.id, "line": item.line}
        records.append(out)
        if item.problem is not None:
            out["error"] = item.problem
            continue
        try:
            pairs.append((compiled.read_facts(item.facts), item.on or default_on))
        except RulerunError as error:
            out["error"] = _message(error)
            continue
        except Exception as error:  # noqa: BLE001 - one case's bug must not lose the other cases
            out["error"] = _internal(error)
            continue
        waiting.append(out)
    receipts = Receipts(compiled.measure)
    for out, decision in zip(waiting, _decisions(compiled, pairs)):
        if isinstance(decision, Exception):
            out["error"] = _message(decision) if isinstance(decision, RulerunError) else _internal(decision)
            continue
        record = decision_json(decision, trace=False)
        del record["measure"], record["notes"]
        out.update(record)
        # A decided record is the batch shape of schemas/decision.schema.json: versioned, with its receipt.
        out["schema_version"] = SCHEMA_VERSION
        out["receipt"] = receipts.of(decision)
    return records


def _decisions(compiled: CompiledMeasure, pairs: list) -> list:
    """Decisions made together; when that meets a bug, made one by one so the bug stays with its own case."""
    try:
        return list(compiled.decide_many(pairs, chunk=max(len(pairs), 1)))
    except Exception:  # noqa: BLE001 - found again below, case by case
        return [_decide_alone(compiled, facts, on) for facts, on in pairs]


def _decide_alone(compiled: CompiledMeasure, facts: dict, on: datetime.date):
    try:
        return compiled.evaluate(facts, on, trace=False)
    except Exception as error:  # noqa: BLE001 - a rulerun error or a bug, returned as this case's outcome
        return error


#: How the error record of a case that met a bug in rulerun starts.
INTERNAL = "internal error: a bug in rulerun, not in this case"


def _internal(error: Exception) -> str:
    return f"{INTERNAL} ({type(error).__name__}); please report it with this case's line"


def _message(error: RulerunError) -> str:
    return "; ".join(d.message for d in error.diagnostics)


# -- worker processes ---------------------------------------------------------------------------

_WORKER: dict = {}


def _start_worker(path: str, on: datetime.date, display: str) -> None:
    _WORKER["measure"] = load(path, display)  # named as in this process: the receipts' paths are the same
    _WORKER["on"] = on


def _decide_chunk(items: list[Item]) -> list[dict]:
    return decide_items(_WORKER["measure"], items, _WORKER["on"])


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def decide_all(path: Path, compiled: CompiledMeasure, items: Iterator[Item], on: datetime.date,
               jobs: int = 1, chunk: int = 500) -> Iterator[dict]:
    """Output records in input order, computed in this process or in `jobs` worker processes."""
    if jobs <= 1:
        for part in _chunks(items, chunk):
            yield from decide_items(compiled, part, on)
        return
    import multiprocessing
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, initializer=_start_worker, initargs=(str(path), on, compiled.measure.path)) as pool:
        for records in pool.imap(_decide_chunk, _chunks(items, chunk)):
            yield from records


# -- output -------------------------------------------------------------------------------------

def csv_columns(compiled: CompiledMeasure) -> list[str]:
    """The CSV output header: fixed columns, then one per deadline and reported value."""
    return (["id", "line", "eligible", "amount", "failed", "missing", "evaluated_on", "reference_date"]
            + [f"deadlines.{p.id}" for p in compiled.deadlines] + [f"values.{p.id}" for p in compiled.values]
            + ["error"])


def csv_row(record: dict, columns: list[str]) -> list[str]:
    """One output record as CSV cells: control characters written as escapes, formulas guarded."""
    flat = dict(record)
    for group in ("deadlines", "values"):
        for key, value in (record.get(group) or {}).items():
            flat[f"{group}.{key}"] = value
    for key in ("failed", "missing"):
        if key in flat:
            flat[key] = ";".join(flat[key])
    return ["" if flat.get(c) is None else spreadsheet_text(printable(str(flat[c]))) for c in columns]


#: What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?%?")


def spreadsheet_text(cell: str) -> str:
    """A cell that a spreadsheet shows rather than runs: text from a case that starts like a formula gets a `'`.

    A plain number such as a negative amount is left as it is; it cannot be a formula.
    """
    if cell.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


@dataclass
class Summary:
    """Counts and the total amount over a run."""

    cases: int = 0
    eligible: int = 0
    not_eligible: int = 0
    undetermined: int = 0
    errors: int = 0
    internal: int = 0
    amount_unknown: int = 0  # eligible, but the amount needs facts not given: not in the total
    total: Decimal = Decimal("0.00")

    def add(self, record: dict) -> None:
        self.cases += 1
        state = record.get("eligible")
        if "error" in record:
            self.errors += 1
            self.internal += record["error"].startswith(INTERNAL)
        elif state == "yes":
            self.eligible += 1
            if record.get("amount") is not None:
                self.total += Decimal(record["amount"])
            elif record.get("amount_missing"):
                self.amount_unknown += 1
        elif state == "no":
            self.not_eligible += 1
        else:
            self.undetermined += 1

    def __str__(self) -> str:
        unknown = (f" ({self.amount_unknown} of them with the amount still unknown, not in the total)"
                   if self.amount_unknown else "")
        text = (f"{self.cases} case(s): {self.eligible} eligible{unknown}, {self.not_eligible} not eligible, "
                f"{self.undetermined} undetermined, {self.errors} error(s); total amount € {self.total:.2f}")
        if self.internal:
            text += (f"\ninternal error: {self.internal} case(s) met a bug in rulerun, not in your file; "
                     "please report it with those cases (their records say which)")
        return text

    @property
    def exit_code(self) -> int:
        """70 when a case met a bug in rulerun, 1 when a case could not be decided, else 0."""
        return 70 if self.internal else 1 if self.errors else 0

