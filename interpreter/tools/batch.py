"""Evaluate a measure over many cases: read JSON Lines (CSV and Parquet: `tables`), stream decisions out in input order.

A bad case becomes an error record with its line number; the run goes on. With several jobs,
each worker process loads and compiles the measure once and cases travel in chunks (JSON Lines
as byte ranges of the file: the workers read, decode and write them); the output order
is the input order either way.
"""
from __future__ import annotations

import datetime
import io
import re
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple, Sequence

from rulerun.dsl.deep import run_deep
from rulerun.dsl.errors import RulerunError
from rulerun.dsl.printable import printable

from ..engine.columns import Columns, decide_columns
from ..engine.evaluator import CompiledMeasure, load
from ..engine.trace import Decision
from ..formats.parquet_out import ParquetRecords, Unfit
from ..formats.receipt import SCHEMA_VERSION, Receipts
from ..formats.record_lines import RecordLines
from ..formats.records import Lines, RecordProblem, decode_json, lenient_id, too_long, utf8
from ..formats.render import decision_json
from ..formats.scalars import Refused, read_date, shown

RECORD_KEYS = ("id", "on", "facts")
_RECORD_KEYS = frozenset(RECORD_KEYS)


@dataclass(frozen=True)
class Item:
    """One input case: its line, its id, its own date, and either its raw facts or why it cannot be decided."""

    line: int
    id: str | None  # None when the record's id cannot be read: never another case's id
    on: datetime.date | None
    facts: object
    problem: str | None = None


class KnownCases(NamedTuple):
    """Cases whose facts are all checked and typed (read column by column), as columns: lines, ids, dates, facts."""

    lines: Sequence[int]
    ids: Sequence[str]
    ons: Sequence[datetime.date | None]
    facts: Sequence[dict]


class Known(NamedTuple):
    """An input case whose facts are already checked and typed (read column by column): its line, id, date, facts."""

    line: int
    id: str
    on: datetime.date | None
    facts: dict


def make_item(line: int, ident: str | None, on, facts) -> Item:
    """An Item, with its `on` read as a date once, here, rather than by every consumer."""
    if on is None:
        return Item(line, ident, on, facts)
    day = _iso_day(on)
    if day is not None:
        return Item(line, ident, day, facts)
    try:
        return Item(line, ident, read_date(on), facts)
    except Refused:
        return Item(line, ident, None, None, f"`on` must be a date written YYYY-MM-DD, not `{shown(on)}`")


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch


def _iso_day(on) -> datetime.date | None:
    """The date of the common shape of `on`, a text YYYY-MM-DD that is a calendar date; else None (read_date decides)."""
    if type(on) is not str or _ISO_DAY(on) is None:
        return None
    try:
        return datetime.date.fromisoformat(on)
    except ValueError:
        return None


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
    if not record.keys() <= _RECORD_KEYS:
        unknown = next(k for k in record if k not in RECORD_KEYS)
        return Item(number, ident, None, None, f"unknown key `{unknown}`; a line has id, on and facts")
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
    receipts = Receipts(compiled.measure)
    for item, outcome in outcomes(compiled, items, default_on):
        out: dict[str, object] = {"id": item.id, "line": item.line}
        records.append(out)
        if isinstance(outcome, str):
            out["error"] = outcome
            continue
        record = decision_json(outcome, trace=False)
        del record["measure"], record["notes"]
        out.update(record)
        # A decided record is the batch shape of schemas/decision.schema.json: versioned, with its receipt.
        out["schema_version"] = SCHEMA_VERSION
        out["receipt"] = receipts.of(outcome)
    return records


def decide_lines(compiled: CompiledMeasure, items: list[Item], default_on: datetime.date, lines: RecordLines,
                 summary: Summary) -> str:
    """The JSON Lines text of `decide_items`' records, written straight from the decisions; counted into `summary`."""
    entries, pairs = typed_cases(compiled, items, default_on)
    try:
        columns: Columns | None = decide_columns(compiled, pairs)
    except Exception:  # noqa: BLE001 - found again below, case by case
        columns = None
    if columns is None:
        return _lines_of_decisions(compiled, items, default_on, lines, summary)
    out: list[str] = []
    left = set(columns.left)
    for item, entry in zip(items, entries):
        if isinstance(entry, str) or entry in columns.errors:
            message = entry if isinstance(entry, str) else _message(columns.errors[entry])
            summary.add_error(message)
            out.append(lines.error(item.id, item.line, message))
        elif entry in left:  # decided by the traced back-end, as a Decision
            decision = columns.decided[entry]
            summary.add_decision(decision.eligible, decision.amount, bool(decision.amount_missing))
            out.append(lines.decided(item.id, item.line, decision))
        else:  # the common case, decided by the row function: written from the columns, no Decision
            verdict = columns.verdict(entry)
            summary.add_decision(verdict[0], verdict[1], bool(verdict[4]))
            out.append(lines.verdict(item.id, item.line, columns.evaluated_on[entry], columns.reference_date[entry],
                                     verdict, columns.deadline_rows[entry], columns.value_rows[entry], compiled.plan))
    return "".join(out)


def _lines_of_decisions(compiled: CompiledMeasure, items: list[Item], default_on: datetime.date, lines: RecordLines,
                        summary: Summary) -> str:
    """`decide_lines` through a Decision per case, each decided alone when deciding together met a bug."""
    out: list[str] = []
    for item, outcome in outcomes(compiled, items, default_on):
        if isinstance(outcome, str):
            summary.add_error(outcome)
            out.append(lines.error(item.id, item.line, outcome))
        else:
            summary.add_decision(outcome.eligible, outcome.amount, bool(outcome.amount_missing))
            out.append(lines.decided(item.id, item.line, outcome))
    return "".join(out)


def outcomes(compiled: CompiledMeasure, items: list[Item], default_on: datetime.date
             ) -> list[tuple[Item, Decision | str]]:
    """Each input case with its Decision, or the message of its error record; in order."""
    entries, pairs = typed_cases(compiled, items, default_on)
    decisions = [_outcome(decision) for decision in _decisions(compiled, pairs)]
    return [(item, entry if isinstance(entry, str) else decisions[entry]) for item, entry in zip(items, entries)]


def typed_cases(compiled: CompiledMeasure, cases: list, default_on: datetime.date
                ) -> tuple[list[str | int], list[tuple[dict, datetime.date]]]:
    """Per case (an Item, or Known) the message of its error record or the index of its (typed facts, date) pair."""
    entries: list[str | int] = []
    pairs: list[tuple[dict, datetime.date]] = []
    for case in cases:
        if type(case) is Known:
            entries.append(len(pairs))
            pairs.append((case.facts, case.on or default_on))
            continue
        if case.problem is not None:
            entries.append(case.problem)
            continue
        try:
            pairs.append((compiled.read_facts(case.facts), case.on or default_on))
        except RulerunError as error:
            entries.append(_message(error))
            continue
        except Exception as error:  # noqa: BLE001 - one case's bug must not lose the other cases
            entries.append(_internal(error))
            continue
        entries.append(len(pairs) - 1)
    return entries, pairs


def _outcome(decision: Decision | Exception) -> Decision | str:
    """A decision, or the error record's message of a case that met an error or a bug."""
    if isinstance(decision, Exception):
        return _message(decision) if isinstance(decision, RulerunError) else _internal(decision)
    return decision


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
    _WORKER["lines"] = RecordLines(_WORKER["measure"].measure)


def _decide_chunk(items: list[Item]) -> list[dict]:
    return decide_items(_WORKER["measure"], items, _WORKER["on"])


def _lines_of_items(items: list[Item]) -> tuple[str, Summary]:
    summary = Summary()
    return decide_lines(_WORKER["measure"], items, _WORKER["on"], _WORKER["lines"], summary), summary


def _lines_of_range(part: ByteRange) -> tuple[str, Summary]:
    """A worker's part of a JSON Lines run: it reads its own byte range, decodes it and writes its own output text.

    On a deep thread, as the command's own process reads lines: a deeply nested line gets the same record.
    """
    return run_deep(_decide_range, part)


def _decide_range(part: ByteRange) -> tuple[str, Summary]:
    texts: list[str] = []
    summary = Summary()
    for raw in chunks(range_lines(part), part.chunk):
        items = [item for item in (line_item(number, line) for number, line in raw) if item is not None]
        text, counts = _lines_of_items(items)
        texts.append(text)
        summary.merge(counts)
    return "".join(texts), summary


class ByteRange(NamedTuple):
    """Whole lines of a file: bytes `start` up to `end`, the first of them numbered `first`; read `chunk` at a time."""

    path: str
    start: int
    end: int
    first: int
    chunk: int


#: Longest range a worker reads into memory at once; only a range holding a very long line is longer.
_HELD_RANGE = 4 << 20


def range_lines(part: ByteRange) -> Iterator[tuple[int, bytes | None]]:
    """The numbered lines of one byte range, read as `Lines` reads the whole file (a too-long line skipped)."""
    with open(part.path, "rb") as handle:
        handle.seek(part.start)
        if part.end - part.start <= _HELD_RANGE:  # read at once: cheaper per line than asking where each ends
            yield from Lines(io.BytesIO(handle.read(part.end - part.start)), part.first)
            return
        # A range ends at a line's end, so the line read last ends at `end` exactly, never past it.
        for line in Lines(handle, part.first):
            yield line
            if handle.tell() >= part.end:
                return


#: Bytes read at once while cutting a file into ranges: the main process never holds more of it.
_SCAN_BLOCK = 1 << 20


def byte_ranges(path: Path, size: int) -> Iterator[tuple[int, int, int]]:
    """The file cut into runs of whole lines of `size` bytes or more (the last may be shorter): start, end, first line.

    The newlines are found and counted by `bytes.find` and `bytes.count` a block at a time, so
    the lines are never read one by one here and a very long line is never held whole.
    """
    start, first, newlines, position = 0, 1, 0, 0  # `newlines`: those between `start` and the block
    with open(path, "rb") as handle:
        while block := handle.read(_SCAN_BLOCK):
            base, offset = position, 0
            position += len(block)
            while True:
                # A newline at or after `want` ends a range of at least `size` bytes.
                want = max(start + size - 1 - base, offset)
                cut = block.find(b"\n", want) if want < len(block) else -1
                if cut < 0:
                    newlines += block.count(b"\n", offset)
                    break
                newlines += block.count(b"\n", offset, cut + 1)
                yield start, base + cut + 1, first
                start, first, newlines, offset = base + cut + 1, first + newlines, 0, cut + 1
    if position > start:
        yield start, position, first


def range_size(path: Path, jobs: int) -> int:
    """Bytes per range: about 1 MiB, less for a small file so that every worker still gets a few ranges."""
    return max(1 << 14, min(1 << 20, path.stat().st_size // (4 * jobs)))


def chunks(items: Iterable, size: int) -> Iterator[list]:
    """The items in lists of `size` (the last one shorter)."""
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextmanager
def _pool(path: Path, compiled: CompiledMeasure, on: datetime.date, jobs: int) -> Iterator[Callable]:
    """Map a worker function over tasks in `jobs` processes: results in task order, at most a few tasks ahead.

    `Pool.imap` would read every task ahead of the workers; here the tasks in flight are bounded,
    so a run's memory stays flat whatever the number of cases.
    """
    import multiprocessing
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, initializer=_start_worker, initargs=(str(path), on, compiled.measure.path)) as pool:
        def ordered(func: Callable, tasks: Iterable) -> Iterator:
            pending: deque = deque()
            for task in tasks:
                pending.append(pool.apply_async(func, (task,)))
                if len(pending) >= 4 * jobs:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
        yield ordered


def decide_all(path: Path, compiled: CompiledMeasure, items: Iterator[Item], on: datetime.date,
               jobs: int = 1, chunk: int = 500) -> Iterator[dict]:
    """Output records in input order, computed in this process or in `jobs` worker processes."""
    if jobs <= 1:
        for part in chunks(items, chunk):
            yield from decide_items(compiled, part, on)
        return
    with _pool(path, compiled, on, jobs) as ordered:
        for records in ordered(_decide_chunk, chunks(items, chunk)):
            yield from records


def decide_jsonl(path: Path, compiled: CompiledMeasure, source: Path | Iterator[Item], on: datetime.date,
                 jobs: int = 1, chunk: int = 500, range_bytes: int | None = None) -> Iterator[tuple[str, Summary]]:
    """JSON Lines output text a chunk of cases at a time, with the chunk's counts, in input order.

    `source` is a JSON Lines file, or cases already read (CSV, Parquet). With several jobs, the
    workers read byte ranges of a JSON Lines file themselves (`range_bytes` each, by default
    `range_size`), decode their lines and write their output text: this process only finds where
    the ranges end and joins the texts, so it does not hold the run back.
    """
    if jobs <= 1:
        lines = RecordLines(compiled.measure)
        for part in chunks(read_jsonl(source) if isinstance(source, Path) else source, chunk):
            summary = Summary()
            yield decide_lines(compiled, part, on, lines, summary), summary
        return
    with _pool(path, compiled, on, jobs) as ordered:
        if isinstance(source, Path):
            size = range_bytes or range_size(source, jobs)
            parts = (ByteRange(str(source), *cut, chunk) for cut in byte_ranges(source, size))
            yield from ordered(_lines_of_range, parts)
        else:
            yield from ordered(_lines_of_items, chunks(source, chunk))


# -- Parquet output -----------------------------------------------------------------------------

def decide_parquet(compiled: CompiledMeasure, chunks: Iterable[list | KnownCases], on: datetime.date,
                   records: ParquetRecords) -> Iterator[Summary]:
    """Decide chunks of cases into Parquet rows, a row group a chunk; yields each chunk's counts.

    A chunk is a list of cases (Items, or Known cases read column by column) or KnownCases. The
    typed facts of a chunk are decided together as columns (`decide_columns`) and each case's row
    is written from them, without a Decision; a case the row function leaves is decided by the
    traced back-end and written from its Decision. A bug met while deciding together makes the
    chunk be decided case by case, so the bug stays with its own case.
    """
    for chunk in chunks:
        summary = Summary()
        ids: Sequence[str | None]
        lines: Sequence[int]
        entries: Sequence[str | int]
        if isinstance(chunk, KnownCases):
            ids, lines = chunk.ids, chunk.lines
            pairs = [(facts, day or on) for facts, day in zip(chunk.facts, chunk.ons)]
            entries = range(len(pairs))
        else:
            ids, lines = [case.id for case in chunk], [case.line for case in chunk]
            entries, pairs = typed_cases(compiled, chunk, on)
        try:
            columns: Columns | None = decide_columns(compiled, pairs)
        except Exception:  # noqa: BLE001 - found again below, case by case
            columns = None
        left = set(columns.left) if columns is not None else set()
        for ident, line, entry in zip(ids, lines, entries):
            message: str | None
            if isinstance(entry, str):
                message = entry
            elif columns is not None and entry not in left:
                try:  # the common case, decided by the row function: written from the columns
                    verdict = columns.verdict(entry)
                    records.decided(ident, line, columns.evaluated_on[entry], columns.reference_date[entry],
                                    verdict, columns.deadline_rows[entry], columns.value_rows[entry])
                    summary.add_decision(verdict[0], verdict[1], bool(verdict[4]))
                    continue
                except Unfit as unfit:
                    message = str(unfit)
                except Exception as error:  # noqa: BLE001 - one case's bug must not lose the other cases
                    message = _internal(error)
            else:
                message = _parquet_row(compiled, records, ident, line, entry, columns, pairs, summary)
            if message is not None:
                summary.add_error(message)
                records.error(ident, line, message)
        records.flush()
        yield summary


def _parquet_row(compiled: CompiledMeasure, records: ParquetRecords, ident: str | None, line: int, index: int,
                 columns: Columns | None, pairs: list, summary: Summary) -> str | None:
    """Write the row of a case decided alone or by the traced back-end, and count it; else its error's message."""
    try:
        outcome: Decision | str
        if columns is None:
            outcome = _outcome(_decide_alone(compiled, *pairs[index]))
        elif index in columns.errors:
            outcome = _message(columns.errors[index])
        else:
            outcome = columns.decided[index]  # a case the row function left has its decision or its error
        if isinstance(outcome, str):
            return outcome
        records.decision(ident, line, outcome)
        summary.add_decision(outcome.eligible, outcome.amount, bool(outcome.amount_missing))
        return None
    except Unfit as unfit:
        return str(unfit)
    except Exception as error:  # noqa: BLE001 - one case's bug must not lose the other cases
        return _internal(error)


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
        """Count one output record."""
        if "error" in record:
            self.add_error(record["error"])
        else:
            amount = record.get("amount")
            self.add_decision(record.get("eligible"), None if amount is None else Decimal(amount),
                              bool(record.get("amount_missing")))

    def add_error(self, message: str) -> None:
        """Count a case that could not be decided."""
        self.cases += 1
        self.errors += 1
        self.internal += message.startswith(INTERNAL)

    def add_decision(self, state: object, amount: Decimal | None, amount_missing: bool) -> None:
        """Count a decided case: its eligibility, and its amount when known."""
        self.cases += 1
        if state == "yes":
            self.eligible += 1
            if amount is not None:
                self.total += amount
            elif amount_missing:
                self.amount_unknown += 1
        elif state == "no":
            self.not_eligible += 1
        else:
            self.undetermined += 1

    def merge(self, other: Summary) -> None:
        """Add the counts of another part of the run."""
        for name in ("cases", "eligible", "not_eligible", "undetermined", "errors", "internal", "amount_unknown",
                     "total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

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

