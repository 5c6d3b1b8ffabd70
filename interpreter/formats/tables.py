"""Cases from tables: CSV and Parquet files whose columns are dotted fact paths, plus `id` and `on`.

The header is checked before any case is read: a column that is not a fact, or one given twice,
is a usage error. After that, a bad row becomes an error record with its line and the run goes on.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator, NamedTuple

from rulerun.dsl.errors import Diagnostic, UsageError
from rulerun.dsl.names import did_you_mean, normal_name
from rulerun.dsl.printable import printable

from ..tools.batch import BAD_ID, Item, make_item, record_id
from ..engine.evaluator import CompiledMeasure
from .facts import from_text
from .records import Lines, RecordProblem, bad_byte, too_long


def read_csv(path: Path, compiled: CompiledMeasure) -> Iterator[Item]:
    """Cases from CSV: a header of dotted fact paths (and optionally `id`, `on`); empty cells are missing.

    Each line is decoded on its own, so a bad byte, a cell over the CSV limit or a line too
    long spoils only its own record; a BOM may open the file.
    """
    handle = open(path, "rb")
    try:
        lines = Lines(handle)
        reader = csv.reader(_CsvText(lines))
        try:
            header = next(reader, None)
        except (csv.Error, RecordProblem) as error:
            raise UsageError(Diagnostic(f"the header cannot be read: {_csv_problem(error)}", file=str(path))) from None
        columns = header_columns(header or [], compiled.facts, str(path))
    except BaseException:
        handle.close()
        raise
    return _csv_items(handle, lines, reader, columns)


class _CsvText:
    """The text lines a CSV reader pulls; a byte that is not UTF-8 is kept as an escape, reported per record."""

    def __init__(self, lines: Lines):
        self.lines = lines

    def __iter__(self) -> _CsvText:
        return self

    def __next__(self) -> str:
        _, raw = next(self.lines)
        if raw is None:
            raise too_long()
        return raw.decode("utf-8", "surrogateescape")


def header_columns(header: list[str], facts: dict, where: str) -> list[tuple[str, object]]:
    """The (name, fact) of each column; a name that is not a fact, not UTF-8 or given twice is a usage error.

    Names are read in their NFKC form, as case files' and the measure's are: `ｋost` is `kost`.
    """
    columns: list[tuple[str, object]] = []
    seen: set[str] = set()
    for written in header:
        name = normal_name(written)
        byte = bad_byte(name)
        if byte is not None:
            raise UsageError(Diagnostic(f"the header is not valid UTF-8 (byte 0x{byte:02x})", file=where,
                                        hint="save the file as UTF-8"))
        if name in seen:
            same = "" if written == name else f" (`{printable(written)}` is `{name}`)"
            raise UsageError(Diagnostic(f"column `{name}` appears twice in the header{same}", file=where,
                                        hint="give each fact one column; which of the two values is meant "
                                             "cannot be told"))
        seen.add(name)
        fact = fact_at(facts, name)
        if name not in ("id", "on") and fact is None:
            raise UsageError(Diagnostic(f"column `{name}` is not a fact of the measure", file=where,
                                        hint=did_you_mean(name, fact_paths(facts)) or
                                        "the columns are `id`, `on` and facts: " + ", ".join(fact_paths(facts))))
        columns.append((name, fact))
    return columns


def fact_paths(facts: dict, prefix: str = "") -> list[str]:
    """Every fact's dotted path, record fields included, as a column may name it."""
    out = []
    for name, fact in facts.items():
        out.append(prefix + name)
        if fact.type.kind == "record":
            out += fact_paths(fact.fields, f"{prefix}{name}.")
    return out


def _csv_items(handle, lines: Lines, reader, columns: list[tuple[str, object]]) -> Iterator[Item]:
    with handle:
        while True:
            # A record's line is its first: a quoted cell may carry it over several lines.
            number, quotes = lines.number + 1, lines.quotes
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, RecordProblem) as error:
                _skip_quoted_rest(lines, quotes)
                yield Item(number, None, None, None, _csv_problem(error))
                continue
            if (lines.quotes - quotes) % 2 == 1:  # the reader met the end of the file inside a quoted cell
                yield Item(number, None, None, None, UNCLOSED_QUOTE)
                continue
            if not any(cell.strip() for cell in row):
                continue
            try:
                ident, on, record = _csv_record(row, columns, number)
            except RecordProblem as problem:
                yield Item(number, _csv_id(row, columns), None, None, str(problem))
                continue
            yield make_item(number, ident, on, record)


#: The error of a CSV record whose quoted cell is never closed: the lines after it were read into that cell.
UNCLOSED_QUOTE = ('a quote `"` opened in this record is never closed, so every line after it was read into one '
                  'cell; close the quote (a `"` inside a quoted cell is written `""`)')


def _skip_quoted_rest(lines: Lines, quotes: int) -> None:
    """After a bad record, skip the lines that still belong to it: an odd count of `"` leaves a cell open."""
    while (lines.quotes - quotes) % 2 == 1 and next(lines, None) is not None:
        pass


def _csv_problem(error: Exception) -> str:
    if isinstance(error, RecordProblem):
        return str(error)
    if "field limit" in str(error):
        return f"a cell is longer than {csv.field_size_limit() // 1024} KiB, the most a CSV cell may hold"
    if "new-line character" in str(error):
        return "a line break (CR) inside a cell without quotes; end lines with LF or CRLF, or quote the cell"
    return f"not valid CSV: {error}"


def _csv_record(row: list[str], columns: list[tuple[str, object]], number: int) -> tuple[str, str | None, dict]:
    if len(row) != len(columns):
        raise RecordProblem(f"has {len(row)} cells; the header has {len(columns)}")
    record: dict = {}
    ident, on = str(number), None
    given: list[str] = []
    for (name, fact), cell in zip(columns, row):
        if cell == "":
            continue
        byte = bad_byte(cell)
        if byte is not None:
            raise RecordProblem(f"the cell of column `{name}` is not valid UTF-8 (byte 0x{byte:02x}); "
                                "save the file as UTF-8")
        if name == "id":
            ident = cell
        elif name == "on":
            on = cell
        else:
            _put(record, name, _cell_value(fact, name, cell), given)
    return ident, on, record


def _csv_id(row: list[str], columns: list[tuple[str, object]]) -> str | None:
    """The id of a row that cannot be decided, when its cells line up with the header and its id is readable."""
    if len(row) != len(columns):
        return None
    cells = dict(zip((name for name, _ in columns), row))
    ident = cells.get("id")
    if ident is None:
        return None
    return ident if ident and bad_byte(ident) is None else None


def _cell_value(fact, name: str, cell: str):
    """A cell as a case file would give it; a list written as JSON is decoded with the record decoder's bounds."""
    try:
        return from_text(fact, cell)
    except RecordProblem as problem:
        raise RecordProblem(f"column `{name}`: {problem}") from None


def read_parquet(path: Path, compiled: CompiledMeasure, rows_at_once: int = 4096) -> Iterator[Item]:
    """Cases from Parquet (needs pyarrow): columns named by dotted fact paths or holding records, `id`, `on`.

    Values keep their Parquet types (decimals, dates, yes/no, texts; lists and records as nested
    columns) and are checked like a case file's; a floating-point column is refused as in a case
    file. Rows are read a few thousand at a time, so memory stays flat.
    """
    return _parquet_items(parquet_source(path, compiled), rows_at_once)


def parquet_source(path: Path, compiled: CompiledMeasure):
    """The Parquet file (a `pyarrow.parquet.ParquetFile`), its header checked: a usage error when it cannot be used."""
    source = _parquet_file(path)  # here, not at the first case: a missing pyarrow is reported at once
    header_columns(source.schema_arrow.names, compiled.facts, str(path))
    for column in source.schema_arrow:
        _check_fields(column.name, column.type, str(path))
    return source


def _check_fields(name: str, kind, where: str) -> None:
    """Refuse a record type whose fields repeat a name, also in its NFKC form: which value is meant cannot be told."""
    import pyarrow

    if pyarrow.types.is_struct(kind):
        fields = [kind.field(i) for i in range(kind.num_fields)]
        seen: dict[str, str] = {}  # each field's name as a case file reads it, and as written
        for field in fields:
            key = normal_name(field.name)
            if key in seen:
                other = next((w for w in (field.name, seen[key]) if w != key), None)
                same = "" if other is None else f" (`{printable(other)}` is `{key}`)"
                raise UsageError(Diagnostic(f"column `{name}` has the field `{key}` twice{same}", file=where,
                                            hint="give each field once; which of the two values is meant "
                                                 "cannot be told"))
            seen[key] = field.name
        for field in fields:
            _check_fields(f"{name}.{field.name}", field.type, where)
    elif pyarrow.types.is_list(kind) or pyarrow.types.is_large_list(kind) or pyarrow.types.is_fixed_size_list(kind):
        _check_fields(name, kind.value_type, where)


def _parquet_file(path: Path):
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise UsageError(Diagnostic("reading Parquet needs pyarrow", hint="pip install 'rulerun[parquet]'")) from None
    try:
        return parquet.ParquetFile(path)
    except Exception as error:  # noqa: BLE001 - pyarrow has many error types for a file it cannot read
        raise UsageError(f"`{path}` is not a Parquet file that can be read: {error}") from None


def _parquet_items(source, rows_at_once: int) -> Iterator[Item]:
    before = 0
    for rows in record_batches(source, rows_at_once):
        yield from unreadable_items(rows, before) if type(rows) is Unreadable else batch_items(rows, before)
        before += rows.num_rows


class Unreadable(NamedTuple):
    """Rows of a Parquet file that cannot be read (a damaged row group): how many, and why."""

    num_rows: int
    problem: str


def record_batches(source, rows_at_once: int) -> Iterator:
    """The file's record batches in order; the rows of a row group that cannot be read as Unreadable.

    The file is read as one stream until a part of it fails; from there on it is read a row group
    at a time, so that a damaged row group spoils its own rows only and the rows after it are read.
    """
    import pyarrow
    given = 0
    batches = source.iter_batches(batch_size=rows_at_once)
    while True:
        try:
            rows = next(batches)
        except StopIteration:
            return
        except (OSError, pyarrow.ArrowException):
            break
        given += rows.num_rows
        yield rows
    start = 0
    for group in range(source.metadata.num_row_groups):
        end = start + source.metadata.row_group(group).num_rows
        if end > given:
            yield from _row_group(source, group, rows_at_once, max(given - start, 0), end - max(given, start))
        start = end


def _row_group(source, group: int, rows_at_once: int, skip: int, count: int) -> Iterator:
    """The batches of one row group after its first `skip` rows (given before); `count` rows in all."""
    import pyarrow
    batches = source.iter_batches(batch_size=rows_at_once, row_groups=[group])
    while count > 0:
        try:
            rows = next(batches)
        except StopIteration:
            return
        except (OSError, pyarrow.ArrowException) as error:
            problem = (f"row group {group + 1} of the file cannot be read, so neither can this row: "
                       f"{' '.join(str(error).split())}; write the file again from its source")
            for at in range(0, count, rows_at_once):
                yield Unreadable(min(rows_at_once, count - at), problem)
            return
        cut = min(skip, rows.num_rows)
        skip -= cut
        if cut < rows.num_rows:
            rows = rows.slice(cut)
            count -= rows.num_rows
            yield rows


def unreadable_items(rows: Unreadable, before: int) -> Iterator[Item]:
    """The error records of rows that cannot be read; `before` rows came before them."""
    return (Item(line, None, None, None, rows.problem) for line in range(before + 1, before + rows.num_rows + 1))


def batch_items(rows, before: int) -> Iterator[Item]:
    """The cases of one record batch of a Parquet file, one per row; `before` rows came before it."""
    number = before
    names = {name: normal_name(name) for name in rows.schema.names}  # as the header was read; once a batch
    for row, ident, problem in _parquet_rows(rows):
        number += 1
        row = {names[key]: value for key, value in row.items()}
        if problem is not None:
            yield Item(number, None if ident is _UNREADABLE else record_id(ident, number), None, None, problem)
            continue
        record: dict = {}
        given: list[str] = []
        ident = record_id(row.get("id"), number)
        if ident is None:
            yield Item(number, None, None, None, BAD_ID)
            continue
        try:
            for name, value in row.items():
                if value is not None and name not in ("id", "on"):
                    _put(record, name, value, given)
        except RecordProblem as problem:
            yield Item(number, ident, None, None, str(problem))
            continue
        yield make_item(number, ident, row.get("on"), record)


def _parquet_rows(rows) -> Iterator[tuple[dict, object, str | None]]:
    """Each row as (values, None, None), or ({}, its id, why) for a row with a value Python cannot hold.

    Parquet holds dates and times far beyond Python's calendar (year 1 to 9999); such a value
    spoils its own row only, so the rows of a batch are converted one by one once one fails.
    """
    try:
        yield from ((row, None, None) for row in rows.to_pylist())
        return
    except (OverflowError, ValueError, ArithmeticError):
        pass
    for index in range(rows.num_rows):
        one = rows.slice(index, 1)
        try:
            yield one.to_pylist()[0], None, None
        except (OverflowError, ValueError, ArithmeticError):
            yield {}, _cell(one, "id"), _unreadable_cell(one)


_UNREADABLE = object()


def _cell(row, name: str):
    """The value of one column of a one-row batch: None when the column is absent, _UNREADABLE when it fails."""
    if name not in row.column_names:
        return None
    try:
        return row.column(name).to_pylist()[0]
    except (OverflowError, ValueError, ArithmeticError):
        return _UNREADABLE


def _unreadable_cell(row) -> str:
    for name in row.column_names:
        try:
            row.column(name).to_pylist()
        except UnicodeDecodeError as error:  # Parquet does not check that a text is UTF-8
            byte = error.object[error.start]
            return (f"column `{name}`: the text is not valid UTF-8 (byte 0x{byte:02x}); "
                    "save the file as UTF-8")
        except (OverflowError, ValueError, ArithmeticError) as error:
            return (f"column `{name}`: the {row.column(name).type} value cannot be read ({error}); "
                    "dates, times and durations must lie within the years 1 to 9999")
    return "the row cannot be read"


def count_cases(path: Path) -> int:
    """About how many cases a file holds (lines, or Parquet rows), for the progress bar."""
    if path.suffix.lower() in (".parquet", ".pq"):
        return _parquet_file(path).metadata.num_rows
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def fact_at(facts: dict, dotted: str):
    """The declared fact (or record field) a dotted column name names; None when there is none."""
    fact = None
    for part in dotted.split("."):
        fact = facts.get(part) if fact is None else (fact.fields.get(part) if fact.type.kind == "record" else None)
        if fact is None:
            return None
    return fact


def _put(record: dict, name: str, value, given: list[str]) -> None:
    """Set the value of column `name` (a dotted path) in a record; two columns giving one fact are refused."""
    keys = name.split(".")
    for key in keys[:-1]:
        record = record.setdefault(key, {})
        if not isinstance(record, dict):
            _conflict(name, given)
    if keys[-1] in record:
        _conflict(name, given)
    record[keys[-1]] = value
    given.append(name)


def _conflict(name: str, given: list[str]) -> None:
    other = next(g for g in given if g.startswith(name + ".") or name.startswith(g + "."))
    raise RecordProblem(f"columns `{other}` and `{name}` both give `{max(other, name, key=len)}`; "
                        "give each fact in one column only")
