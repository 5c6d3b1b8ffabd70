"""The benchmark measure's decision written by hand as one DuckDB query: the floor of `rulerun batch --engine duckdb`.

Run by `run.py --duckdb` in a fresh process: `python sql_by_hand.py INPUT.parquet OUTPUT.parquet`. It reads
the typed Parquet cases `run.write_typed_parquet` writes, decides them with the rules of `kmo-eenvoudig.yaml`
(the rates and ceilings of `run.RATE` and `run.CAP`, dated on the application date) and writes, in one
`COPY … TO … (FORMAT parquet)`, the columns and types `rulerun batch … --engine duckdb -o out.parquet`
writes, in input order. Like the hand-written Python floor it handles good input only, and checks it as
the engine would: a case the engine's SQL would leave to the Python engine (an enum value not in the
list, an amount below zero or beyond 10^15, a fact not given, a date before the first rate) stops the
write with an error.
"""
from __future__ import annotations

import sys
from pathlib import Path

#: The evaluation date of a case without its own `on` (the benchmark's cases all have one).
DEFAULT_ON = "2024-01-01"


def _quoted(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def query(source: Path | str) -> str:
    """The hand-written SELECT deciding every case of `source`, with the output's columns and types."""
    return f"""
WITH cases AS (
  SELECT file_row_number + 1 AS line, CAST(id AS VARCHAR) AS id, coalesce("on", DATE '{DEFAULT_ON}') AS evaluated_on,
         grootte, pijler, bedrag, ontvangen, start, aanvraag,
         -- the same checks as the engine's reader and its SQL: else the case is not the floor's to decide
         (grootte IN ('klein', 'middelgroot', 'groot') AND pijler IN ('opleiding', 'advies')
          AND bedrag BETWEEN 0 AND 1e15 AND ontvangen BETWEEN 0 AND 1e15
          AND start IS NOT NULL AND aanvraag >= DATE '2016-04-01') AS good
  FROM read_parquet({_quoted(source)}, file_row_number = true)),
decided AS (
  SELECT *, grootte <> 'groot' AS kmo,
         bedrag >= (CASE WHEN pijler = 'opleiding' THEN 100 ELSE 500 END) AS minimum,
         aanvraag <= start + 14 AS tijdig,
         (CASE grootte WHEN 'klein' THEN (CASE WHEN aanvraag >= DATE '2019-12-01' THEN 0.30 ELSE 0.40 END)
                       WHEN 'middelgroot' THEN (CASE WHEN aanvraag >= DATE '2019-12-01' THEN 0.20 ELSE 0.30 END)
                       ELSE 0.00 END) AS tarief,
         (CASE grootte WHEN 'klein' THEN (CASE WHEN aanvraag >= DATE '2020-01-01' THEN 7500 ELSE 10000 END)
                       WHEN 'middelgroot' THEN (CASE WHEN aanvraag >= DATE '2020-01-01' THEN 7500 ELSE 15000 END)
                       ELSE 0 END) AS plafond
  FROM cases)
SELECT (CASE WHEN good THEN id ELSE error('not a case the hand-written query decides: line ' || line) END) AS id,
       line,
       (CASE WHEN kmo AND minimum AND tijdig THEN 'yes' ELSE 'no' END) AS eligible,
       (CASE WHEN kmo AND minimum AND tijdig
             THEN CAST(round(least(bedrag * tarief, greatest(plafond - ontvangen, 0)), 2) AS DECIMAL(21, 2)) END)
         AS amount,
       (CASE WHEN kmo AND minimum AND tijdig THEN []::VARCHAR[]
             ELSE list_filter([(CASE WHEN NOT kmo THEN 'kmo' END), (CASE WHEN NOT minimum THEN 'minimum' END),
                               (CASE WHEN NOT tijdig THEN 'tijdig' END)], lambda x: x IS NOT NULL) END) AS failed,
       []::VARCHAR[] AS missing,
       evaluated_on,
       aanvraag AS reference_date,
       CAST(NULL AS VARCHAR) AS error
FROM decided"""


def decide(source: Path | str, target: Path | str) -> None:
    """Decide every case of the Parquet file `source` into the Parquet file `target`, as one COPY."""
    import duckdb
    connection = duckdb.connect()
    connection.execute(f"COPY ({query(source)}) TO {_quoted(target)} (FORMAT parquet)")


if __name__ == "__main__":
    decide(sys.argv[1], sys.argv[2])
