"""A Parquet DATE column for a date fact with declared limits: a day outside them is the Python reader's refusal."""
from __future__ import annotations

import datetime
from pathlib import Path

import pyarrow
import pyarrow.parquet

import rulerun
from rulerun.interpreter.formats.tables import read_parquet
from rulerun.interpreter.tools import batch as runner
from rulerun.interpreter.tools.sqlbatch import decide_file, python_lines

ON = datetime.date(2025, 1, 1)
MEASURE = """\
measure: datum
title: {nl: Datum, en: Date}
summary: {nl: Een datum met grenzen., en: A date with limits.}
authority: Test
sources:
  W01: {title: Test, url: "https://example.org/test"}
facts:
  d: {type: date, minimum: 2020-01-01, maximum: 2029-12-31, label: {nl: D, en: D}, question: {nl: D, en: D}}
rules:
  ok: {label: {nl: Ok, en: Ok}, source: W01, expr: 'd < 2025-01-01'}
decision:
  eligible: [ok]
"""


def test_a_day_outside_a_date_facts_limits_is_refused_as_by_the_python_reader(tmp_path: Path):
    measure = tmp_path / "datum.yaml"
    measure.write_text(MEASURE)
    days = [datetime.date(2019, 12, 31), datetime.date(2020, 1, 1), datetime.date(2029, 12, 31),
            datetime.date(2030, 1, 1), None]
    path = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(pyarrow.table({"d": pyarrow.array(days, pyarrow.date32())}), path)
    compiled = rulerun.load(measure).engine
    sql = list(decide_file(compiled, path, ON))
    assert sql == list(runner.decide_all(measure, compiled, read_parquet(path, compiled), ON))
    assert "below the minimum 2020-01-01" in sql[0]["error"] and "error" in sql[3]
    assert [r.get("eligible") for r in sql] == [None, "yes", "no", None, "undetermined"]
    assert python_lines(compiled, path, ON) == [1, 4]
