"""Deciding a table of cases with DuckDB: Parquet, CSV or JSON Lines in, batch records or a Parquet file out.

A row whose facts the SQL cannot vouch for (a value the Python reader would refuse or convert,
or one that may meet a language error) is decided by the Python engine, the same as
`rulerun batch` without `--engine duckdb`; every other row is decided by the query.
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Iterator

from rulerun.dsl.errors import Diagnostic, UsageError

from ..engine.sql.expressions import PERCENT_TEXT, percent_of, quote, text_literal
from ..engine.sql.query import Query, compile_query, every_fact_given
from ..engine.evaluator import load
from ..engine.values import to_json
from ..formats.receipt import SCHEMA_VERSION, Receipts
from ..formats.tables import header_columns, read_csv, read_parquet
from . import batch as runner
from .sqlcases import decide_read_cases

#: Largest amount or number a case may give (formats/scalars.MAX_MAGNITUDE).
MAGNITUDE = "1e15"


def duckdb_module():
    """The duckdb module, or a usage error naming the extra that installs it."""
    try:
        import duckdb
    except ImportError:
        raise UsageError(Diagnostic("the duckdb engine needs the duckdb package",
                                    hint="pip install 'rulerun[duckdb]'")) from None
    return duckdb


def measure_query(compiled) -> Query:
    """The query of a compiled measure (its gaps, when it has any)."""
    return compile_query(compiled.lowered, compiled.program)


def refuse_gaps(query: Query) -> None:
    """A usage error listing the gaps, when there are any: never a silent fallback."""
    if query.gaps:
        raise UsageError([Diagnostic(f"the duckdb engine cannot compile this measure ({len(query.gaps)} gap(s) "
                                     "below)", hint="leave out --engine duckdb to decide it with the Python engine"),
                          *(gap.diagnostic() for gap in query.gaps)])


def case_relation(compiled, query: Query, path: Path, default_on: datetime.date, connection) -> str:
    """SQL for the relation `cases` read from a Parquet file: `#line`, `#id`, `#on`, the facts, `#clean`."""
    source = f"read_parquet({text_literal(str(path))}, file_row_number = true)"
    try:
        described = connection.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except Exception as error:  # noqa: BLE001 - duckdb has many error types for a file it cannot read
        raise UsageError(f"`{path}` is not a Parquet file that can be read: {error}") from None
    types = {name: kind for name, kind, *_ in described if name != "file_row_number"}
    # The facts as lowered, not `compiled.checked`'s: a measure recalled from the cache is not checked again.
    header_columns(list(types), compiled.facts, str(path))
    clean: list[str] = []
    records: dict[str, tuple[str, str]] = {}  # a record's field path -> (its value in a STRUCT column, its check)
    structs: set[str] = set()
    for name, kind in types.items():
        listed = _fact_at(compiled.facts, name)
        if kind.endswith("[]") and listed is not None and listed.type.kind == "list":
            continue  # a list fact's column: its items are checked by _clean_list
        if kind.startswith("STRUCT") and not kind.endswith("[]") and listed is not None \
                and listed.type.kind == "record":
            structs.add(name)
            fields = _record_fields(listed, quote(name), name, source, connection)
            if fields is None or any(other.startswith(name + ".") for other in types):
                clean.append("FALSE")  # fields the declaration does not have, or records in it: Python's
            else:
                records.update(fields)
                # An empty field (or record) is not given, as the reader takes it; a given one must be clean.
                clean += [f"({value} IS NULL OR {check})" for value, check in fields.values() if check != "TRUE"]
            continue
        if kind.startswith("STRUCT") or kind.endswith("[]"):
            raise UsageError(Diagnostic(f"column `{name}` is a nested {kind} column; the duckdb engine reads one "
                                        "column per fact path (e.g. `dienst.bedrag`)",
                                        file=str(path), hint="flatten it, or leave out --engine duckdb"))
    columns = ['CAST(file_row_number + 1 AS BIGINT) AS "#line"']
    if "id" in types:
        if types["id"] in ("VARCHAR", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER",
                           "USMALLINT", "UTINYINT"):
            columns.append('coalesce(CAST("id" AS VARCHAR), CAST(file_row_number + 1 AS VARCHAR)) AS "#id"')
        else:
            columns.append('CAST(file_row_number + 1 AS VARCHAR) AS "#id"')
            clean.append('"id" IS NULL')
    else:
        columns.append('CAST(file_row_number + 1 AS VARCHAR) AS "#id"')
    if "on" in types:
        if types["on"] == "DATE":
            columns.append(f'coalesce("on", DATE \'{default_on.isoformat()}\') AS "#on"')
        else:
            columns.append(f'DATE \'{default_on.isoformat()}\' AS "#on"')
            clean.append('"on" IS NULL')
    else:
        columns.append(f'DATE \'{default_on.isoformat()}\' AS "#on"')
    for path_name in query.facts:
        fact = _fact_at(compiled.facts, path_name)
        column = quote(path_name)
        if path_name in types and fact.type.kind == "list":
            check = _clean_list(fact, column, path_name, source, connection)
            columns.append(f"{column}" if check != "FALSE" else f"CAST(NULL AS {_sql_type(fact)}) AS {column}")
            clean.append(f"({column} IS NULL OR {check})")
        elif path_name in records:
            value, _check = records[path_name]  # checked above, with the record's other fields
            columns.append(f"{value} AS {column}")
        elif path_name in types:
            check = _clean(fact, column, types[path_name])
            columns.append(f"{column}" if check != "FALSE" else f"NULL AS {column}")
            if check != "TRUE":
                clean.append(f"({column} IS NULL OR {check})")
        else:
            columns.append(f"CAST(NULL AS {_sql_type(fact)}) AS {column}")
    # A column of the file that the query does not read is still read by the Python engine's reader.
    for name, kind in types.items():
        if name not in query.facts and name not in ("id", "on") and name not in structs:
            fact = _fact_at(compiled.facts, name)
            check = "FALSE" if kind.endswith("[]") else _clean(fact, quote(name), kind)
            if check != "TRUE":
                clean.append(f"({quote(name)} IS NULL OR {check})")
    columns.append(f"({' AND '.join(clean) if clean else 'TRUE'}) AS \"#clean\"")
    return f"SELECT {', '.join(columns)} FROM {source}"


def _record_fields(fact, column: str, name: str, source: str, connection) -> dict[str, tuple[str, str]] | None:
    """A STRUCT column of a record fact as {field path: (its value, when the reader takes it as it stands)}.

    None when it has a field the declaration does not have, or one that is itself a record or list:
    such rows are left to the Python engine. A declared field it lacks is not given.
    """
    fields = {n: k for n, k, *_ in connection.sql(f"DESCRIBE SELECT unnest({column}) FROM {source}").fetchall()}
    if not set(fields) <= set(fact.fields):
        return None
    out = {}
    for field_name, field_kind in fields.items():
        field = fact.fields[field_name]
        if field.type.kind in ("list", "record"):
            return None
        value = f"struct_extract({column}, {text_literal(field_name)})"
        out[f"{name}.{field_name}"] = (value, _clean(field, value, field_kind))
    return out


def _fact_at(facts: dict, dotted: str):
    fact = None
    for part in dotted.split("."):
        fact = facts.get(part) if fact is None else fact.fields.get(part)
    return fact


def _sql_type(fact) -> str:
    kind = fact.type.kind
    if kind == "list" and fact.item is not None:
        return _sql_type(fact.item) + "[]"
    if kind == "list":
        fields = ", ".join(f"{quote(n)} {_sql_type(f)}" for n, f in fact.fields.items())
        return f"STRUCT({fields})[]"
    # A percentage is read from its text, as a case file writes it (`30%`): see expressions.percent_of.
    return {"bool": "BOOLEAN", "date": "DATE", "money": "DECIMAL(18,2)", "number": "DECIMAL(38,10)",
            "duration": "BIGINT"}.get(kind, "VARCHAR")


def _clean_list(fact, column: str, name: str, source: str, connection) -> str:
    """When a list column's items are read by the Python reader as they stand: every item and field given and clean.

    An empty item or required field, a field the declaration does not have or one it has that the
    column lacks sends the row to the Python engine (the query then reads the list as unknown).
    """
    if fact.item is not None:
        (kind,) = [k for _n, k, *_ in connection.sql(f"DESCRIBE SELECT {column}[1] FROM {source}").fetchall()]
        check = _clean(fact.item, "item", kind)
        return "FALSE" if check == "FALSE" else f"coalesce(list_bool_and(list_transform({column}, lambda item: " \
            f"item IS NOT NULL AND {check})), TRUE)"
    kind = connection.sql(f"DESCRIBE SELECT {column}[1] AS item FROM {source}").fetchall()[0][1]
    if not kind.startswith("STRUCT"):
        return "FALSE"
    fields = {n: k for n, k, *_ in connection.sql(f"DESCRIBE SELECT unnest({column}[1]) FROM {source}").fetchall()}
    if set(fields) != set(fact.fields):
        return "FALSE"
    checks = ["item IS NOT NULL"]
    for field_name, field_kind in fields.items():
        value = f"struct_extract(item, {text_literal(field_name)})"
        field = fact.fields[field_name]
        check = "FALSE" if field.type.kind in ("list", "record") else _clean(field, value, field_kind)
        if check == "FALSE":
            return "FALSE"
        if field.optional:  # left out, it is unknown: the aggregation's flags send the row to Python
            checks.append("TRUE" if check == "TRUE" else f"({value} IS NULL OR {check})")
        else:  # the Python reader refuses an item without it
            checks.append(f"{value} IS NOT NULL" + ("" if check == "TRUE" else f" AND {check}"))
    # An empty list has no items to check: list_bool_and gives NULL for it.
    return f"coalesce(list_bool_and(list_transform({column}, lambda item: {' AND '.join(checks)})), TRUE)"


def _clean(fact, column: str, kind: str) -> str:
    """When a value of this column is read by the Python reader as it stands: else that row goes to Python."""
    fact_kind = fact.type.kind if fact is not None else None
    integer = kind in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT")
    scale = int(kind.split(",")[1].rstrip(")")) if kind.startswith("DECIMAL(") else None
    limits = []
    if fact is not None and fact.minimum is not None and fact_kind in ("money", "number"):
        limits.append(f"{column} >= {fact.minimum}")
    if fact is not None and fact.maximum is not None and fact_kind in ("money", "number"):
        limits.append(f"{column} <= {fact.maximum}")
    if fact_kind == "bool":
        return "TRUE" if kind == "BOOLEAN" else "FALSE"
    if fact_kind == "date":
        # The fact's own limits, else the calendar's: the reader refuses a day outside them.
        low = fact.minimum if fact.minimum is not None else datetime.date(1, 1, 1)
        high = fact.maximum if fact.maximum is not None else datetime.date(9999, 12, 31)
        return f"{column} BETWEEN DATE '{low.isoformat()}' AND DATE '{high.isoformat()}'" if kind == "DATE" else "FALSE"
    if fact_kind == "enum":
        values = ", ".join(text_literal(v) for v in fact.type.values or ())
        return f"{column} IN ({values})" if kind == "VARCHAR" and values else "FALSE"
    if fact_kind == "text":  # a pattern is Python's regular expression: the Python reader checks it
        return "TRUE" if kind == "VARCHAR" and fact.pattern is None else "FALSE"
    if fact_kind == "percent" and kind == "VARCHAR":
        value = percent_of(column)
        bounds = [f"{value} >= {max(fact.minimum, 0) if fact.minimum is not None else 0}",
                  f"{value} <= {min(fact.maximum, 1) if fact.maximum is not None else 1}"]
        return " AND ".join([f"regexp_full_match({column}, {text_literal(PERCENT_TEXT)})", *bounds])
    if fact_kind == "money" and (integer or (scale is not None and scale <= 2)):
        return " AND ".join([f"{column} >= 0", f"{column} <= {MAGNITUDE}", *limits])
    if fact_kind == "number" and (integer or scale is not None):
        return " AND ".join([f"abs({column}) <= {MAGNITUDE}", *limits])
    return "FALSE"  # texts, percentages not given as text, durations, lists: the Python reader decides how to take them


def run_query(compiled, query: Query, path: Path, default_on: datetime.date, connection, where: str = "") -> str:
    """The full SQL over the file: the cases, then the decision; `python` marks rows left to Python.

    When every row of the file gives every fact the query reads (one pass over those columns
    tells), the query for such a table decides (`compile_query(…, every_fact_given=True)`): the
    same decisions, without computing the three-valued form's columns on every row.
    """
    cases = case_relation(compiled, query, path, default_on, connection)
    check = f"SELECT coalesce(bool_and({every_fact_given(query.facts)}), TRUE) FROM ({cases})"
    if query.facts and connection.execute(check).fetchone()[0]:
        query = compile_query(compiled.lowered, compiled.program, every_fact_given=True)
    return f"WITH cases AS ({cases}) {query.sql}{where}"


def python_lines(compiled, path: Path, default_on: datetime.date) -> list[int]:
    """The lines of a Parquet file whose rows the query leaves to the Python engine."""
    connection, _query = _decided(compiled, path, default_on)
    return _python_lines(connection)


#: The lines left to Python, as an aggregate's FILTER: a WHERE on `python` would be pushed down
#: through the query's layers by DuckDB's optimizer, inlining every column it reads (exponentially).
PYTHON_LINES = "SELECT coalesce(list(line ORDER BY line) FILTER (WHERE python), []) FROM decided"


def _python_lines(connection) -> list[int]:
    return list(connection.execute(PYTHON_LINES).fetchone()[0])


def _decided(compiled, path: Path, default_on: datetime.date) -> tuple:
    """A connection with the view `decided` (the measure's query over the file), and the query; gaps are refused."""
    query = measure_query(compiled)
    refuse_gaps(query)
    connection = duckdb_module().connect()
    sql = run_query(compiled, query, path, default_on, connection)
    connection.execute(f"CREATE TEMP VIEW decided AS {sql}")
    return connection, query


def decide_file(compiled, path: Path, default_on: datetime.date) -> Iterator[dict]:
    """Batch records for every row of a Parquet file, in its order, as `tools.batch.decide_all` gives them."""
    connection, query = _decided(compiled, path, default_on)
    python_lines = _python_lines(connection)
    by_python = _python_records(compiled, path, python_lines, default_on) if python_lines else {}
    for record in _query_records(compiled, connection, query):
        yield by_python[record] if isinstance(record, int) else record


def _query_records(compiled, connection, query: Query) -> Iterator[dict | int]:
    """The record of each row of the view `decided`, in order; the line of a row left to the Python engine."""
    result = connection.execute("SELECT * FROM decided")
    names = [d[0] for d in result.description]
    receipts = Receipts(compiled.measure)
    value_tags = dict(query.values)
    while True:
        rows = result.fetchmany(8192)
        if not rows:
            break
        for row in rows:
            cells = dict(zip(names, row))
            if cells["python"]:
                yield cells["line"]
                continue
            record: dict = {
                "id": cells["id"], "line": cells["line"],
                "evaluated_on": cells["evaluated_on"].isoformat(),
                "reference_date": cells["reference_date"].isoformat() if cells["reference_date"] else None,
                "eligible": cells["eligible"],
                "amount": to_json(cells["amount"], "money") if cells["amount"] is not None else None,
                "deadlines": {n: _iso(cells["deadlines." + n]) for n in query.deadlines},
                "values": {n: to_json(_typed(cells["values." + n], value_tags[n]), value_tags[n])
                           for n in value_tags},
                "failed": list(cells["failed"]), "missing": list(cells["missing"]),
            }
            if cells["amount_missing"] and cells["eligible"] == "yes":
                record["amount_missing"] = list(cells["amount_missing"])
            record["schema_version"] = SCHEMA_VERSION
            record["receipt"] = {**receipts.fixed, "evaluated_on": record["evaluated_on"],
                                 "reference_date": record["reference_date"]}
            yield record


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _typed(value, tag: str):
    """A value as the engine holds it: whole days and months as int, numbers as Decimal."""
    if value is None:
        return None
    if tag in ("days", "months"):
        return int(value)
    if tag in ("number", "money", "percent") and not isinstance(value, Decimal):
        return Decimal(value)
    return value


def _python_records(compiled, path: Path, lines: list[int], default_on) -> dict[int, dict]:
    """The records of the rows left to the Python engine, by line, read as the Parquet reader reads them."""
    items = _python_items(compiled, path, lines)
    return {record["line"]: record for record in runner.decide_items(compiled, items, default_on)}


def _python_items(compiled, path: Path, lines: list[int]) -> list[runner.Item]:
    """The cases of the given lines of a Parquet file, read as the Parquet reader reads them, with their lines.

    Only those rows are read: they are taken from the row groups that hold them into a file of the
    same schema, which the Parquet reader reads; each case then gets back its line (and the id
    a row without one has: its line).
    """
    import dataclasses
    import os
    import tempfile

    import pyarrow
    import pyarrow.parquet as parquet
    read_parquet(path, compiled)  # the reader's checks of the file's columns, named by the file itself
    source = parquet.ParquetFile(path)
    wanted = sorted(set(lines))
    parts, start, at = [], 0, 0
    for group in range(source.metadata.num_row_groups):
        size = source.metadata.row_group(group).num_rows
        taken = []
        while at < len(wanted) and wanted[at] <= start + size:
            taken.append(wanted[at] - 1 - start)
            at += 1
        if taken:
            parts.append(source.read_row_group(group).take(taken))
        start += size
    subset = pyarrow.concat_tables(parts) if parts else source.schema_arrow.empty_table()
    unnamed = (set(range(subset.num_rows)) if "id" not in subset.column_names
               else {i for i, v in enumerate(subset.column("id").is_null().to_pylist()) if v})
    handle, name = tempfile.mkstemp(suffix=".parquet", prefix="rulerun-")
    os.close(handle)
    try:
        parquet.write_table(subset, name)
        items = []
        for position, item in enumerate(read_parquet(Path(name), compiled)):
            line = wanted[position]
            ident = runner.record_id(None, line) if position in unnamed and item.id is not None else item.id
            items.append(dataclasses.replace(item, line=line, id=ident))
        return items
    finally:
        os.unlink(name)


#: Rows per Parquet row group: DuckDB's default, the memory a write holds at once.
ROW_GROUP_SIZE = 122_880
#: The message DuckDB's error() raises in the one pass that writes, when a row must be decided by Python.
LEFT_TO_PYTHON = "rulerun: a row is left to the Python engine"


def write_parquet(compiled, path: Path, output: Path,
                  default_on: datetime.date) -> tuple[int, runner.Summary | None]:
    """Decide every row of a Parquet file into a Parquet file; the number of rows, and the run's counts when the
    Python engine decided some of them (None after the one pass).

    One pass over the file when the query decides every row: a row the Python engine must decide
    stops that write (DuckDB's `error()`). The run then writes the query's rows to a temporary file,
    decides the rows it leaves with the Python engine's Parquet output (an error row with its
    message in `error`), and merges both in input order. The file is written beside `output` and
    renamed only when complete, so no partial file is left.
    """
    import os
    import tempfile
    duckdb = duckdb_module()
    query = measure_query(compiled)
    refuse_gaps(query)
    connection = duckdb.connect()
    sql = run_query(compiled, query, path, default_on, connection)
    connection.execute(f"CREATE TEMP VIEW decided AS {sql}")
    names = (["id", "line", "eligible", "amount", "failed", "missing", "evaluated_on", "reference_date"]
             + [quote("deadlines." + n) for n in query.deadlines] + [quote("values." + n) for n, _ in query.values])
    columns = ", ".join(names)
    try:
        handle, partial = tempfile.mkstemp(suffix=".parquet", prefix=".rulerun-", dir=output.parent.resolve())
    except OSError as error:  # reported as the output's own problem (exit 74), not the partial file's
        raise OSError(error.errno, error.strerror, str(output)) from None
    os.close(handle)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(partial, 0o666 & ~mask)  # as a file opened for writing would be, not mkstemp's owner-only mode
    summary = None
    try:
        try:
            # The check is a projection, not a WHERE: see PYTHON_LINES.
            stop = f"(CASE WHEN python THEN error({text_literal(LEFT_TO_PYTHON)}) ELSE id END) AS id"
            connection.execute(
                f"COPY (SELECT {columns.replace('id', stop, 1)}, CAST(NULL AS VARCHAR) AS error FROM decided) "
                f"TO {text_literal(partial)} (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        except duckdb.Error as error:
            if LEFT_TO_PYTHON not in str(error):
                raise
            summary = _write_mixed(compiled, connection, path, names, partial, default_on)
        count = connection.execute(f"SELECT count(*) FROM read_parquet({text_literal(partial)})").fetchone()[0]
        os.replace(partial, output)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return count, summary


def _write_mixed(compiled, connection, path: Path, names: list[str], partial: str,
                 default_on: datetime.date) -> runner.Summary:
    """Write `partial` from the query's rows and the Python engine's rows, in input order; the counts of all rows.

    The query's rows (with `python`) go to a temporary file first, so the query runs once more,
    not twice; the rows it leaves are decided into another by the Python engine's Parquet output,
    whose columns are cast to the query's types (a value column widened) for the one COPY that merges them.
    """
    import os

    from ..formats.parquet_out import ParquetRecords
    folder = os.path.dirname(partial)
    queried, by_python = (os.path.join(folder, f".rulerun-{os.getpid()}-{os.urandom(6).hex()}-{kind}.parquet")
                          for kind in ("query", "python"))
    try:
        connection.execute(f"COPY (SELECT {', '.join(names)}, amount_missing, python FROM decided) "
                           f"TO {text_literal(queried)} "
                           f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        lines = [line for (line,) in connection.execute(
            f"SELECT line FROM read_parquet({text_literal(queried)}) WHERE python ORDER BY line").fetchall()]
        items = _python_items(compiled, path, lines)
        summary = runner.Summary()
        records = ParquetRecords(compiled.plan, Path(by_python))
        try:
            for part in runner.decide_parquet(compiled, runner.chunks(items, 8192), default_on, records):
                summary.merge(part)
        finally:
            records.close()
        kinds = dict(connection.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT {', '.join(names)}, "
                                        f"CAST(NULL AS VARCHAR) AS error FROM read_parquet({text_literal(queried)}))"
                                        ).fetchall())
        # A reported value keeps the Python engine's column where its decimals or digits go beyond the query's:
        # the union widens that column rather than round or refuse the value.
        cast = ", ".join(quote(name) if name.startswith("values.")
                         else f"CAST({quote(name)} AS {kind}) AS {quote(name)}" for name, kind in kinds.items())
        connection.execute(
            f"COPY (SELECT {', '.join(names)}, CAST(NULL AS VARCHAR) AS error "
            f"FROM read_parquet({text_literal(queried)}) WHERE NOT python "
            f"UNION ALL SELECT {cast} FROM read_parquet({text_literal(by_python)}) ORDER BY line) "
            f"TO {text_literal(partial)} (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        summary.merge(_query_summary(connection, queried))
        return summary
    finally:
        for name in (queried, by_python):
            if os.path.exists(name):
                os.unlink(name)


def _query_summary(connection, queried: str) -> runner.Summary:
    """The counts of the rows the query decided in the file `queried`, as `batch.Summary` counts records."""
    cases, eligible, not_eligible, unknown, total = connection.execute(
        "SELECT count(*), count(*) FILTER (WHERE eligible = 'yes'), count(*) FILTER (WHERE eligible = 'no'), "
        "count(*) FILTER (WHERE eligible = 'yes' AND amount IS NULL AND len(amount_missing) > 0), "
        f"coalesce(sum(amount) FILTER (WHERE eligible = 'yes'), 0) FROM read_parquet({text_literal(queried)}) "
        "WHERE NOT python").fetchone()
    return runner.Summary(cases=cases, eligible=eligible, not_eligible=not_eligible,
                          undetermined=cases - eligible - not_eligible, amount_unknown=unknown,
                          total=Decimal(total).quantize(Decimal("0.01")))


def sql_gaps(path: Path, display: str) -> tuple[list, str]:
    """What the duckdb engine cannot compile in a measure (as diagnostics), else ([], its SQL query)."""
    query = measure_query(load(path, display))
    return [gap.diagnostic() for gap in query.gaps], query.sql


def sql_records(compiled, path: Path, on: datetime.date) -> Iterator[dict]:
    """Batch records decided by the duckdb engine, from Parquet, CSV or JSON Lines (by the file's extension)."""
    suffix = path.suffix.lower()
    if suffix in PARQUET:
        return decide_file(compiled, path, on)
    if suffix not in JSON_LINES and suffix != ".csv":
        raise UsageError(f"cannot tell the format of `{path}`: use a .jsonl, .csv or .parquet file")
    query = measure_query(compiled)
    refuse_gaps(query)  # before the file is read
    items = read_csv(path, compiled) if suffix == ".csv" else runner.read_jsonl(path)

    def query_rows(file: Path) -> tuple[list[int], Iterator[dict | int]]:
        connection = duckdb_module().connect()
        connection.execute(f"CREATE TEMP VIEW decided AS {run_query(compiled, query, file, on, connection)}")
        return _python_lines(connection), _query_records(compiled, connection, query)
    return decide_read_cases(compiled, items, on, query_rows)


def sql_parquet(compiled, path: Path, output: Path, on: datetime.date) -> tuple[int, runner.Summary | None]:
    """Decide a Parquet file into a Parquet file with the duckdb engine: as `write_parquet`."""
    _parquet_only(path)
    return write_parquet(compiled, path, output, on)


#: The extensions of the inputs, as `rulerun batch` tells them.
PARQUET = (".parquet", ".pq")
JSON_LINES = (".jsonl", ".json", ".ndjson")


def _parquet_only(path: Path) -> None:
    """Parquet output is written by the query alone, line for line of a Parquet input: other inputs are refused."""
    if path.suffix.lower() not in PARQUET:
        raise UsageError(Diagnostic(
            f"the duckdb engine writes Parquet output from Parquet input only; `{path.name}` is not a .parquet file",
            hint="write JSON Lines or CSV instead (-o decisions.jsonl), convert the input to Parquet, "
                 "or leave out --engine duckdb"))
