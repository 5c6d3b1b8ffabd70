"""The Dask path: a bag of case records decided on Dask's local multi-process scheduler equals the serial run."""
from __future__ import annotations

import datetime
import json
from pathlib import Path

import dask
import dask.bag
import pytest

from rulerun.interpreter.tools.batch import decide, read_jsonl
from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.tools.scale import decide_records

ROOT = Path(__file__).resolve().parents[2]
ON = datetime.date(2026, 11, 1)


@pytest.mark.parametrize("measure_id", ["kmo-portefeuille", "rentetoelage-hinder-openbare-werken"])
def test_a_dask_bag_gives_the_serial_decisions(measure_id, tmp_path):
    from test_batch import _jsonl
    _jsonl(measure_id, tmp_path / "in.jsonl")
    with open(tmp_path / "in.jsonl") as handle:
        records = [json.loads(line) for line in handle]
    records.append({"id": "kapot", "facts": {"aanvraag": {"datum": "gisteren"}}})
    path = ROOT / "measures" / f"{measure_id}.yaml"
    compiled = load(path)
    serial = [decide(compiled, item, ON) for item in read_jsonl(tmp_path / "in.jsonl")]
    bag = dask.bag.from_sequence(records, npartitions=4).map_partitions(decide_records, measure=str(path), on=ON)
    with dask.config.set(scheduler="processes", num_workers=2):
        distributed = bag.compute()
    assert [r["id"] for r in distributed] == [r["id"] for r in serial] + ["kapot"]
    strip = lambda r: {k: v for k, v in r.items() if k != "line"}  # noqa: E731 - line is per partition
    assert [strip(r) for r in distributed[:-1]] == [strip(r) for r in serial]
    assert distributed[-1]["error"] == "fact `aanvraag.datum`: `gisteren` is not a calendar date"
