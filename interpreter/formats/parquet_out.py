"""Batch output as a Parquet file: the columns `--engine duckdb` writes, `error` included, a row group per chunk of cases.

A decided case fills `id`, `line`, `eligible`, `amount`, `failed`, `missing`, `evaluated_on`,
`reference_date`, one `deadlines.<id>` and one `values.<id>` column per deadline and reported value,
each typed (decimals, dates, lists of texts); a case that cannot be decided fills `id`, `line` and
`error` only. The schema follows from the measure alone, so every row group has the same one.
"""
from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, Sequence

from rulerun.dsl.library import plain

from ..engine.assembly import known
from ..engine.trace import Decision
from ..engine.values import to_json

#: Decimals of the value columns by the value's type; money has whole cents, a number or percentage ten decimals.
SCALES = {"money": 2, "number": 10, "percent": 10}


def value_type(tag: str):
    """The Arrow type of a reported value's column: its decimals, dates and words typed; anything else as JSON text."""
    import pyarrow
    if tag in SCALES:
        return pyarrow.decimal128(38, SCALES[tag])
    return {"days": pyarrow.int64(), "months": pyarrow.int64(), "date": pyarrow.date32(),
            "bool": pyarrow.bool_()}.get(tag, pyarrow.string())


def output_schema(plan):
    """The output columns of a measure: the record's fields, one per deadline and value, then `error`."""
    import pyarrow
    words = pyarrow.list_(pyarrow.field("element", pyarrow.string()))  # DuckDB's name for a list's item
    fields = [("id", pyarrow.string()), ("line", pyarrow.int64()), ("eligible", pyarrow.string()),
              ("amount", pyarrow.decimal128(38, 2) if plan.amount is not None else pyarrow.null()),
              ("failed", words), ("missing", words), ("evaluated_on", pyarrow.date32()),
              ("reference_date", pyarrow.date32())]
    fields += [(f"deadlines.{p.id}", pyarrow.date32()) for p in plan.deadlines]
    fields += [(f"values.{p.id}", value_type(p.tag)) for p in plan.values]
    return pyarrow.schema([*fields, ("error", pyarrow.string())])


class Unfit(ValueError):
    """A value its Parquet column cannot hold exactly (more decimals than the column has)."""


class ParquetRecords:
    """The output rows of one run, gathered a chunk at a time and written as one row group each."""

    def __init__(self, plan, path: Path | BinaryIO):
        import pyarrow.parquet
        self.schema = output_schema(plan)
        self.writer = pyarrow.parquet.ParquetWriter(path, self.schema)
        self.names = self.schema.names
        self.deadline_names = [f"deadlines.{p.id}" for p in plan.deadlines]
        self.value_names = [f"values.{p.id}" for p in plan.values]
        self.value_checks = [_check_of(p.tag) for p in plan.values]
        self.rows: list[tuple] = []
        self.plain = not plan.deadlines and not plan.values
        self.blank = (None,) * (len(self.names) - 3)

    def error(self, ident: str | None, line: int, message: str) -> None:
        """A case that could not be decided."""
        self.rows.append((ident, line, *self.blank, message))

    def decided(self, ident: str | None, line: int, on: datetime.date, reference, verdict: tuple,
                deadlines: Sequence, values: Sequence) -> None:
        """A decided case from its verdict (`assembly.verdict`), deadlines and values in the plan's order.

        The amount is rounded to the cent, as every back-end gives it. Raises Unfit, adding nothing,
        when a value has more decimals than its column holds.
        """
        word, amount, failed, missing, _amount_missing, _note = verdict
        day = reference if type(reference) is datetime.date else None
        if self.plain:  # no deadlines, no values: the common row, made at once
            self.rows.append((ident, line, word, amount, failed, missing, on, day, None))
            return
        row = [ident, line, word, amount, failed, missing, on, day]
        row += [known(v) for v in deadlines] if deadlines else [None] * len(self.deadline_names)
        if values:
            for name, check, value in zip(self.value_names, self.value_checks, values):
                value = known(value)
                row.append(value if value is None or check is None else check(name, value))
        else:
            row += [None] * len(self.value_names)
        row.append(None)
        self.rows.append(tuple(row))

    def decision(self, ident: str | None, line: int, decision: Decision) -> None:
        """A decided case from its Decision (a case the row function left to the traced back-end)."""
        verdict = (decision.eligible, decision.amount, decision.failed, decision.missing, decision.amount_missing,
                   None)
        self.decided(ident, line, decision.evaluated_on, decision.reference_date, verdict,
                     tuple(decision.deadlines.values()), tuple(value for value, _tag in decision.outcome.values()))

    def flush(self) -> None:
        """Write the rows gathered as one row group."""
        if not self.rows:
            return
        import pyarrow
        columns = list(zip(*self.rows))
        self.rows = []
        arrays = [pyarrow.array(column, field.type) for column, field in zip(columns, self.schema)]
        self.writer.write_table(pyarrow.Table.from_arrays(arrays, schema=self.schema))

    def close(self) -> None:
        """Write what is left and close the file."""
        try:
            self.flush()
        finally:
            self.writer.close()


def _unfit(name: str, value: Decimal, scale: int) -> str:
    return (f"`{name}` is {plain(value)}, with more than {scale} decimals, more than its Parquet column holds; "
            "write this case to JSON Lines (-o decisions.jsonl), which gives every decimal")


def _check_of(tag: str):
    """What makes a value fit its column: a decimal without more decimals than it holds, anything else as JSON."""
    if tag in SCALES:
        scale = SCALES[tag]
        step = Decimal(1).scaleb(-scale)

        def decimals(name: str, value: Decimal) -> Decimal:
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int) and exponent >= -scale or value == value.quantize(step):
                return value
            raise Unfit(_unfit(name, value, scale))
        return decimals
    if tag in ("days", "months", "date", "bool"):
        return None
    return lambda _name, value: value if type(value) is str else json.dumps(to_json(value, tag), ensure_ascii=False)
