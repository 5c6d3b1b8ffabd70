"""The duckdb engine on the bundled measures' own cases: it agrees with the Python batch path and `explain`."""
from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow
import pyarrow.parquet
import pytest
import yaml

import rulerun
from rulerun.interpreter.formats.render import decision_json
from rulerun.interpreter.formats.tables import read_parquet
from rulerun.interpreter.tools import batch as runner
from rulerun.interpreter.tools.sqlbatch import decide_file, measure_query, python_lines

ROOT = Path(__file__).resolve().parents[2]
ON = datetime.date(2025, 1, 1)
KEYS = ("eligible", "amount", "deadlines", "values", "failed", "missing")


def arrow_values(fact, values: list):
    """(Arrow type, values) for one fact path's values, typed as a person would store them; text where unsure."""
    kind = fact.type.kind
    if kind == "list":
        item_fields = fact.fields if fact.item is None else None
        if item_fields is None:
            kind_type, flat = arrow_values(fact.item, [v for items in values if items for v in items])
        else:
            columns = {n: arrow_values(f, [i.get(n) if isinstance(i, dict) else None
                                           for items in values if items for i in items])
                       for n, f in item_fields.items()}
            kind_type = pyarrow.struct([(n, t) for n, (t, _) in columns.items()])
            flat = [dict(zip(columns, row)) for row in zip(*(v for _, v in columns.values()))] if columns else []
        out, at = [], 0
        for items in values:
            if items is None:
                out.append(None)
                continue
            out.append(flat[at:at + len(items)])
            at += len(items)
        return pyarrow.list_(kind_type), out
    try:
        if kind in ("money", "number"):
            numbers = [None if v is None else Decimal(str(v)) for v in values]
            if all(isinstance(v, (int, str)) and not isinstance(v, bool) or v is None for v in values):
                scale = max([0] + [-n.as_tuple().exponent for n in numbers if n is not None])
                if kind == "money" and scale > 2:
                    raise InvalidOperation
                return pyarrow.decimal128(38 if kind == "number" else 18, min(scale, 10)), numbers
        if kind == "date" and all(v is None or isinstance(v, datetime.date) for v in values):
            return pyarrow.date32(), values
        if kind == "bool" and all(v is None or isinstance(v, bool) for v in values):
            return pyarrow.bool_(), values
    except (InvalidOperation, ValueError):
        pass
    return pyarrow.string(), [None if v is None else str(v) for v in values]


def flat_facts(facts: dict, declared: dict, prefix: str = "") -> dict:
    """A case's facts as columns: a record's fields dotted, a list whole."""
    out = {}
    for name, fact in declared.items():
        value = facts.get(name) if isinstance(facts, dict) else None
        if fact.type.kind == "record":
            out.update(flat_facts(value or {}, fact.fields, f"{prefix}{name}."))
        else:
            out[prefix + name] = (fact, value)
    return out


def bundled_table(measure: str, compiled) -> tuple[pyarrow.Table, list[dict]]:
    cases = [yaml.safe_load(p.read_text()) for p in sorted((ROOT / "measures" / "cases" / measure).glob("*.yaml"))]
    rows = [flat_facts(case.get("facts") or {}, compiled.checked.facts) for case in cases]
    columns = {"id": pyarrow.array([str(i) for i in range(len(cases))]),
               "on": pyarrow.array([case.get("on", case.get(True, ON)) for case in cases], pyarrow.date32())}
    for path in rows[0]:
        kind, values = arrow_values(rows[0][path][0], [row[path][1] for row in rows])
        if any(v is not None for v in values):
            columns[path] = pyarrow.array(values, kind)
    return pyarrow.table(columns), cases


@pytest.mark.parametrize("measure", ["innovatieve-starterssteun", "kmo-portefeuille", "rentetoelage-hinder-openbare-werken"])
def test_bundled_cases_agree(measure, tmp_path):
    """Every bundled case: the same record from both engines, and `explain`'s eligible, amount, … for it."""
    path = ROOT / "measures" / f"{measure}.yaml"
    compiled = rulerun.load(path).engine
    assert measure_query(compiled).gaps == []
    table, cases = bundled_table(measure, compiled)
    file = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(table, file)
    sql = list(decide_file(compiled, file, ON))
    python = list(runner.decide_all(path, compiled, read_parquet(file, compiled), ON))
    assert len(sql) == len(python) == len(cases)
    left = set(python_lines(compiled, file, ON))
    for ours, theirs, case in zip(sql, python, cases):
        assert ours == theirs, case["name"]
        if "error" not in ours:
            decision = compiled.evaluate(compiled.read_facts(case.get("facts") or {}),
                                         case.get("on", case.get(True, ON)), trace=True)
            explained = decision_json(decision, trace=False)
            assert {k: ours[k] for k in KEYS} == {k: explained.get(k) for k in KEYS}, case["name"]
    # The query itself decides most of them; the rest (a value it cannot vouch for) are Python's.
    decided = len(cases) - len(left)
    print(f"{measure}: {decided} of {len(cases)} cases decided by the query")
    assert decided >= len(cases) // 2


def as_structs(table: pyarrow.Table) -> pyarrow.Table:
    """The same cases with each record's fields (`dienst.bedrag`, …) as one STRUCT column `dienst`."""
    groups: dict[str, list[str]] = {}
    for name in table.column_names:
        head, _, rest = name.partition(".")
        if rest and "." not in rest:
            groups.setdefault(head, []).append(name)
    columns = {n: table.column(n).combine_chunks() for n in table.column_names if n.partition(".")[0] not in groups}
    for head, names in groups.items():
        columns[head] = pyarrow.StructArray.from_arrays([table.column(n).combine_chunks() for n in names],
                                                       [n.partition(".")[2] for n in names])
    return pyarrow.table(columns)


def test_records_as_struct_columns_agree(tmp_path):
    """kmo-portefeuille's cases with their records as STRUCT columns: the same records as the Python path."""
    path = ROOT / "measures" / "kmo-portefeuille.yaml"
    compiled = rulerun.load(path).engine
    flat, cases = bundled_table("kmo-portefeuille", compiled)
    table = as_structs(flat)
    assert any(pyarrow.types.is_struct(t) for t in table.schema.types)
    file = tmp_path / "cases.parquet"
    pyarrow.parquet.write_table(table, file)
    sql = list(decide_file(compiled, file, ON))
    python = list(runner.decide_all(path, compiled, read_parquet(file, compiled), ON))
    assert sql == python
    flat_file = tmp_path / "flat.parquet"
    pyarrow.parquet.write_table(flat, flat_file)
    # The query decides the same rows as with the records' fields in dotted columns (78 of the 92).
    assert python_lines(compiled, file, ON) == python_lines(compiled, flat_file, ON)
