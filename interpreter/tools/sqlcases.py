"""CSV and JSON Lines cases for the duckdb engine: read and typed by the Python batch path's own readers.

Each case is read as `rulerun batch` reads it (`tables.read_csv`, `batch.read_jsonl`: the same lines,
ids, `on` and error records) and its facts typed by the measure's fact reader. A case whose typed
facts a Parquet column holds exactly is written to a temporary Parquet file of typed columns (a
record's fields dotted, a list as a list column), which the query decides as any Parquet input; a
case that cannot be read, or with a value no column here holds exactly (a duration, a number with
more than ten decimals, a record or list inside a list), is decided by the Python engine from the
case as it was read, as is every row the query leaves to Python.
"""
from __future__ import annotations

import datetime
import os
import re
import tempfile
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Callable, Iterable, Iterator

from rulerun.dsl.library import plain

from ..engine.sql.expressions import PERCENT_TEXT
from . import batch as runner

#: Cases typed and written at a time.
CHUNK = 4096
#: Whole digits a DECIMAL(38,10) column holds.
_WHOLE_DIGITS = 28
_PERCENT = re.compile(PERCENT_TEXT).fullmatch
#: A value a column cannot hold exactly: its case is the Python engine's.
_NO = object()

Convert = Callable[[object], object]


def columns_of(facts: dict, prefix: str = "") -> dict[str, tuple[object, Convert]]:
    """Per column (a fact's dotted path) its Arrow type and the conversion of a typed value (`_NO`: not held)."""
    out: dict[str, tuple[object, Convert]] = {}
    for name, fact in facts.items():
        if fact.type.kind == "record":
            out.update(columns_of(fact.fields, f"{prefix}{name}."))
            continue
        column = _column(fact, top=True)
        if column is not None:
            out[prefix + name] = column
    return out


def _column(fact, top: bool = False) -> tuple[object, Convert] | None:
    """The Arrow type and conversion of one fact's values; None where no column here holds them."""
    import pyarrow

    kind = fact.type.kind
    if kind == "money":
        return pyarrow.decimal128(18, 2), _money
    if kind == "number":
        return pyarrow.decimal128(38, 10), _number
    if kind == "percent":  # the query reads a percentage from its text, as a case file writes it (`30%`)
        return pyarrow.string(), _percent
    if kind == "date":
        return pyarrow.date32(), _of(datetime.date)
    if kind == "bool":
        return pyarrow.bool_(), _of(bool)
    if kind in ("enum", "text"):
        return pyarrow.string(), _of(str)
    if kind == "list" and top:
        if fact.item is not None:
            item = _column(fact.item)
            if item is None:
                return None
            item_type, convert = item
            return pyarrow.list_(item_type), _each(convert)
        fields = {n: _column(f) for n, f in fact.fields.items()}
        if any(f is None for f in fields.values()):
            return None
        record = pyarrow.struct([(n, t) for n, (t, _c) in fields.items()])  # type: ignore[misc]
        return pyarrow.list_(record), _each(_fields({n: c for n, (_t, c) in fields.items()}))  # type: ignore[misc]
    return None  # durations, a record or list inside a list: the Python engine's


def _money(value: object) -> object:
    """A whole number of cents below 10^16 fits DECIMAL(18,2)."""
    if type(value) is not Decimal or not value.is_finite():
        return _NO
    exponent = value.as_tuple().exponent
    return value if isinstance(exponent, int) and exponent >= -2 and abs(value) < Decimal(10) ** 16 else _NO


def _number(value: object) -> object:
    """A number with at most 28 whole digits and ten decimals fits DECIMAL(38,10)."""
    if type(value) is not Decimal or not value.is_finite() or value.adjusted() >= _WHOLE_DIGITS:
        return _NO
    with localcontext(prec=50):  # room for the 38 digits: quantize is then exact or shows what it drops
        exact = value.quantize(Decimal("1e-10"))
    return value if exact == value else _NO


def _percent(value: object) -> object:
    if type(value) is not Decimal or not value.is_finite():
        return _NO
    text = plain(value * 100) + "%"
    return text if _PERCENT(text) is not None else _NO


def _of(kind: type) -> Convert:
    return lambda value: value if type(value) is kind else _NO


def _each(convert: Convert) -> Convert:
    def items(value):
        if not isinstance(value, (tuple, list)):
            return _NO
        out = [convert(v) for v in value]
        return _NO if any(v is _NO for v in out) else out
    return items


def _fields(converts: dict[str, Convert]) -> Convert:
    def record(value):
        if not isinstance(value, dict) or not value.keys() <= converts.keys():
            return _NO
        out = {n: (None if value.get(n) is None else c(value[n])) for n, c in converts.items()}
        return _NO if any(v is _NO for v in out.values()) else out
    return record


def flat_row(typed: dict, facts: dict, columns: dict[str, tuple[object, Convert]]) -> dict | None:
    """A case's typed facts as column values (a record's fields dotted); None where a column cannot hold one."""
    out: dict[str, object] = {}
    pending: list[tuple[str, dict, dict]] = [("", typed, facts)]
    while pending:
        prefix, values, declared = pending.pop()
        for name, value in values.items():
            if value is None:
                continue
            fact = declared.get(name)
            if fact is None:
                return None
            if fact.type.kind == "record":
                if not isinstance(value, dict):
                    return None
                pending.append((f"{prefix}{name}.", value, fact.fields))
                continue
            column = columns.get(prefix + name)
            converted = column[1](value) if column is not None else _NO
            if converted is _NO:
                return None
            out[prefix + name] = converted
    return out


#: The query over a Parquet file of cases: the rows it leaves to Python, then per row its record (or that row).
QueryRows = Callable[[Path], tuple[list[int], Iterator[dict | int]]]


def decide_read_cases(compiled, items: Iterable[runner.Item], default_on: datetime.date,
                      query_rows: QueryRows) -> Iterator[dict]:
    """Batch records for cases read by the Python batch path's readers, in their order.

    A part of PART cases at a time, so that memory does not grow with the file: each part is
    written to a temporary Parquet file and decided by one run of the query.
    """
    for part in runner.chunks(items, PART):
        yield from _decide_part(compiled, part, default_on, query_rows)


#: Cases decided by one run of the query: the cases of a part are held in memory until it has run.
PART = 200_000


def _decide_part(compiled, items: list[runner.Item], default_on: datetime.date,
                 query_rows: QueryRows) -> Iterator[dict]:
    """The records of one part: the Python engine's (cases it decides, rows the query leaves to it) are made
    before the query's are streamed, so that only those are held."""
    import pyarrow
    import pyarrow.parquet as parquet

    facts = compiled.checked.facts
    columns = columns_of(facts)
    schema = pyarrow.schema([("id", pyarrow.string()), ("on", pyarrow.date32())]
                            + [(name, kind) for name, (kind, _c) in columns.items()])
    written: list[runner.Item] = []  # the cases the query reads, by their row in the file
    order: list[runner.Item | None] = []  # per case: its Item when Python decides it, None for the query's next row
    handle, name = tempfile.mkstemp(suffix=".parquet", prefix="rulerun-")
    os.close(handle)
    try:
        with parquet.ParquetWriter(name, schema) as writer:
            for chunk in runner.chunks(items, CHUNK):
                entries, pairs = runner.typed_cases(compiled, chunk, default_on)
                rows: list[dict] = []
                for item, entry in zip(chunk, entries):
                    row = flat_row(pairs[entry][0], facts, columns) if not isinstance(entry, str) else None
                    if row is None:  # an error record, or a value no column holds: as the Python batch path
                        order.append(item)
                        continue
                    row["id"], row["on"] = item.id, item.on
                    rows.append(row)
                    written.append(item)
                    order.append(None)
                if rows:
                    writer.write_table(pyarrow.Table.from_pylist(rows, schema))
        left_rows, records = query_rows(Path(name))
        python = [item for item in order if item is not None] + [written[row - 1] for row in left_rows]
        by_python = {r["line"]: r for part in runner.chunks(sorted(python, key=lambda i: i.line), 500)
                     for r in runner.decide_items(compiled, part, default_on)}
        at = 0
        for item in order:
            if item is not None:
                yield by_python[item.line]
                continue
            row_item, record = written[at], next(records)
            at += 1
            if isinstance(record, int):
                yield by_python[row_item.line]
            else:  # the query's row, with the case's own line and id
                record["line"], record["id"] = row_item.line, row_item.id
                yield record
    finally:
        os.unlink(name)
