"""Evaluate a measure over many cases: read JSON Lines or CSV, stream decisions out in input order.

A bad case becomes an error record with its line number; the run goes on. With several jobs,
each worker process loads and compiles the measure once and cases travel in chunks; the
output order is the input order either way.
"""
from __future__ import annotations

import csv
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Iterator

from rulerun.dsl.errors import Diagnostic, RulerunError, UsageError

from .evaluator import CompiledMeasure, load
from .facts import from_text
from .render import decision_json

RECORD_KEYS = ("id", "on", "facts")


@dataclass(frozen=True)
class Item:
    """One input case: its line, its id, its own date, and either its raw facts or why it cannot be decided."""

    line: int
    id: str
    on: datetime.date | None
    facts: object
    problem: str | None = None


def make_item(line: int, ident: str, on, facts) -> Item:
    """An Item, with its `on` read as a date once, here, rather than by every consumer."""
    if on is None or (isinstance(on, datetime.date) and not isinstance(on, datetime.datetime)):
        return Item(line, ident, on, facts)
    try:
        return Item(line, ident, datetime.date.fromisoformat(str(on)), facts)
    except ValueError:
        return Item(line, ident, None, None, f"`on` must be a date written YYYY-MM-DD, not `{on}`")


def read_jsonl(path: Path) -> Iterator[Item]:
    """Cases from JSON Lines: one object per line, `{"id": …, "on": …, "facts": {…}}`."""
    with open(path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, 1):
            item = line_item(number, text)
            if item is not None:
                yield item


def line_item(number: int, text: str) -> Item | None:
    """One JSON Lines line as an Item (or the reason it cannot be decided); None for a blank line."""
    if not text.strip():
        return None
    try:
        record = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        return Item(number, str(number), None, None, f"not valid JSON: {error.msg} at column {error.colno}")
    return record_item(number, record)


def record_item(number: int, record) -> Item:
    """One decoded input record as an Item, or the reason it cannot be decided."""
    if not isinstance(record, dict):
        return Item(number, str(number), None, None, 'each line must be an object {"id": …, "facts": {…}}')
    unknown = [k for k in record if k not in RECORD_KEYS]
    ident = str(record.get("id", number))
    if unknown:
        return Item(number, ident, None, None, f"unknown key `{unknown[0]}`; a line has id, on and facts")
    if "facts" not in record:
        return Item(number, ident, None, None, "the line has no `facts`")
    return make_item(number, ident, record.get("on"), record["facts"])


def read_csv(path: Path, compiled: CompiledMeasure) -> Iterator[Item]:
    """Cases from CSV: a header of dotted fact paths (and optionally `id`, `on`); empty cells are missing."""
    facts = compiled.checked.facts
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        columns = []
        for name in header:
            fact = _fact_at(facts, name)
            if name not in ("id", "on") and fact is None:
                yield Item(1, "header", None, None, f"column `{name}` is not a fact of the measure")
                return
            columns.append((name, fact))
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(columns):
                yield Item(number, str(number), None, None, f"has {len(row)} cells; the header has {len(columns)}")
                continue
            record: dict = {}
            ident, on = str(number), None
            for (name, fact), cell in zip(columns, row):
                if cell == "":
                    continue
                if name == "id":
                    ident = cell
                elif name == "on":
                    on = cell
                else:
                    _put(record, name.split("."), from_text(fact, cell))
            yield make_item(number, ident, on, record)


def read_parquet(path: Path, compiled: CompiledMeasure, rows_at_once: int = 4096) -> Iterator[Item]:
    """Cases from Parquet (needs pyarrow): columns named by dotted fact paths or holding records, `id`, `on`.

    Values keep their Parquet types (decimals, dates, yes/no, texts; lists and records as nested
    columns) and are checked like a case file's; a floating-point column is refused as in a case
    file. Rows are read a few thousand at a time, so memory stays flat.
    """
    source = _parquet_file(path)  # here, not at the first case: a missing pyarrow is reported at once
    return _parquet_items(source, compiled, rows_at_once)


def _parquet_file(path: Path):
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise UsageError(Diagnostic("reading Parquet needs pyarrow", hint="pip install 'rulerun[parquet]'")) from None
    try:
        return parquet.ParquetFile(path)
    except Exception as error:  # noqa: BLE001 - pyarrow has many error types for a file it cannot read
        raise UsageError(f"`{path}` is not a Parquet file that can be read: {error}") from None


def _parquet_items(source, compiled: CompiledMeasure, rows_at_once: int) -> Iterator[Item]:
    names = source.schema_arrow.names
    for name in names:
        if name not in ("id", "on") and _fact_at(compiled.checked.facts, name) is None:
            yield Item(1, "header", None, None, f"column `{name}` is not a fact of the measure")
            return
    number = 0
    for rows in source.iter_batches(batch_size=rows_at_once):
        for row in rows.to_pylist():
            number += 1
            record: dict = {}
            for name, value in row.items():
                if value is not None and name not in ("id", "on"):
                    _put(record, name.split("."), value)
            ident = row.get("id")
            yield make_item(number, str(number) if ident is None else str(ident), row.get("on"), record)


def count_cases(path: Path) -> int:
    """About how many cases a file holds (lines, or Parquet rows), for the progress bar."""
    if path.suffix.lower() in (".parquet", ".pq"):
        return _parquet_file(path).metadata.num_rows
    with open(path, encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def _fact_at(facts: dict, dotted: str):
    fact = None
    for part in dotted.split("."):
        fact = facts.get(part) if fact is None else (fact.fields.get(part) if fact.type.kind == "record" else None)
        if fact is None:
            return None
    return fact


def _put(record: dict, keys: list[str], value) -> None:
    for key in keys[:-1]:
        record = record.setdefault(key, {})
    record[keys[-1]] = value


def decide(compiled: CompiledMeasure, item: Item, default_on: datetime.date) -> dict:
    """The output record for one input case: the decision, or an error with the line number."""
    return decide_items(compiled, [item], default_on)[0]


def decide_items(compiled: CompiledMeasure, items: list[Item], default_on: datetime.date) -> list[dict]:
    """The output records for input cases, in order: facts checked one by one, decisions made together."""
    records: list[dict] = []
    pairs: list = []
    waiting: list[dict] = []  # the records of the cases in `pairs`, in the same order
    for item in items:
        out = {"id": item.id, "line": item.line}
        records.append(out)
        if item.problem is not None:
            out["error"] = item.problem
            continue
        try:
            pairs.append((compiled.read_facts(item.facts), item.on or default_on))
        except RulerunError as error:
            out["error"] = _message(error)
            continue
        waiting.append(out)
    for out, decision in zip(waiting, compiled.decide_many(pairs, chunk=max(len(pairs), 1))):
        if isinstance(decision, RulerunError):
            out["error"] = _message(decision)
            continue
        record = decision_json(decision, trace=False)
        del record["measure"], record["notes"]
        out.update(record)
    return records


def _message(error: RulerunError) -> str:
    return "; ".join(d.message for d in error.diagnostics)


# -- worker processes ---------------------------------------------------------------------------

_WORKER: dict = {}


def _start_worker(path: str, on: datetime.date) -> None:
    _WORKER["measure"] = load(path)
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
    with context.Pool(jobs, initializer=_start_worker, initargs=(str(path), on)) as pool:
        for records in pool.imap(_decide_chunk, _chunks(items, chunk)):
            yield from records


# -- output -------------------------------------------------------------------------------------

def csv_columns(compiled: CompiledMeasure) -> list[str]:
    """The CSV output header: fixed columns, then one per deadline and reported value."""
    return (["id", "line", "eligible", "amount", "failed", "missing", "evaluated_on", "reference_date"]
            + [f"deadlines.{p.id}" for p in compiled.deadlines] + [f"values.{p.id}" for p in compiled.values]
            + ["error"])


def csv_row(record: dict, columns: list[str]) -> list[str]:
    """One output record as CSV cells."""
    flat = dict(record)
    for group in ("deadlines", "values"):
        for key, value in (record.get(group) or {}).items():
            flat[f"{group}.{key}"] = value
    for key in ("failed", "missing"):
        if key in flat:
            flat[key] = ";".join(flat[key])
    return ["" if flat.get(c) is None else str(flat[c]) for c in columns]


@dataclass
class Summary:
    """Counts and the total amount over a run."""

    cases: int = 0
    eligible: int = 0
    not_eligible: int = 0
    undetermined: int = 0
    errors: int = 0
    total: Decimal = Decimal("0.00")

    def add(self, record: dict) -> None:
        self.cases += 1
        state = record.get("eligible")
        if "error" in record:
            self.errors += 1
        elif state == "yes":
            self.eligible += 1
            if record.get("amount") is not None:
                self.total += Decimal(record["amount"])
        elif state == "no":
            self.not_eligible += 1
        else:
            self.undetermined += 1

    def __str__(self) -> str:
        return (f"{self.cases} case(s): {self.eligible} eligible, {self.not_eligible} not eligible, "
                f"{self.undetermined} undetermined, {self.errors} error(s); total amount € {self.total:.2f}")
