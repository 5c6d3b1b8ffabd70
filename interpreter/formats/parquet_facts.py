"""Cases from Parquet read column by column: typed Arrow columns checked whole, a row read alone only where they cannot vouch.

Each column is checked as one array with Arrow compute (decimals within the magnitude and the
fact's bounds, whole cents for amounts, calendar dates within the bounds, enum words, texts,
yes/no, lists and records by their items and fields). A value the check cannot vouch for is
read by its fact's reader (`fact_readers`); a value that reader leaves, too, makes its row one
that `tables` reads alone, the same as without this module, so every accepted value and every
message is what it was. The rows read alone keep their place and line.
"""
from __future__ import annotations

import datetime
from itertools import repeat
from decimal import Decimal
from pathlib import Path
from typing import Iterator

from rulerun.dsl.names import normal_name

from ..engine.evaluator import CompiledMeasure
from ..tools.batch import Item, Known, KnownCases
from .fact_readers import SLOW, fact_reader
from .tables import Unreadable, batch_items, fact_at, parquet_source, record_batches, unreadable_items

_FIRST_DAY, _LAST_DAY = datetime.date(1, 1, 1), datetime.date(9999, 12, 31)
#: scalars.MAX_MAGNITUDE written out: Arrow compares it with a column as a decimal without an exponent.
_LIMIT = Decimal(10 ** 15)


def parquet_chunks(path: Path, compiled: CompiledMeasure, rows_at_once: int = 8192
                   ) -> Iterator[list[Item | Known] | KnownCases]:
    """The cases of a Parquet file a record batch at a time: `Known` where the columns vouch, else an `Item`.

    A batch whose every row the columns vouch for comes as one KnownCases, without an object per case.
    """
    source = parquet_source(path, compiled)
    reader = ColumnReader(compiled.facts, source.schema_arrow.names)
    before = 0
    for rows in record_batches(source, rows_at_once):
        if type(rows) is Unreadable:
            unread: list[Item | Known] = [*unreadable_items(rows, before)]
            yield unread
        else:
            yield reader.cases(rows, before)
        before += rows.num_rows


class ColumnReader:
    """The checks of one file's columns, worked out once from its header."""

    def __init__(self, facts: dict, names: list[str]):
        self.facts: list[tuple[int, str, object]] = []
        self.id = self.on = None
        for index, name in enumerate(normal_name(n) for n in names):
            if name == "id":
                self.id = index
            elif name == "on":
                self.on = index
            else:
                self.facts.append((index, name, fact_at(facts, name)))
        given = [name for _, name, _ in self.facts]
        # A record column and a column of one of its fields: a row giving both is read alone (two columns, one fact).
        self.overlapping = [(a, b) for a in given for b in given if b.startswith(a + ".")]
        self.top = _tree(given)

    def cases(self, rows, before: int) -> list[Item | Known] | KnownCases:
        """The cases of one record batch, in order; `before` rows came before it."""
        count = rows.num_rows
        alone = bytearray(count)  # 1: the row is read alone, by `tables`
        ids = _ids(rows.column(self.id), alone) if self.id is not None else [None] * count
        ons = _dates(rows.column(self.on), alone) if self.on is not None else [None] * count
        values: dict[str, list] = {}
        complete: set[str] = set()  # the columns that give every row's value
        for index, name, fact in self.facts:
            column = rows.column(index)
            values[name], vouched = _read(fact, column, alone)
            if vouched and column.null_count == 0:
                complete.add(name)
        for a, b in self.overlapping:
            for row, (x, y) in enumerate(zip(values[a], values[b])):
                if x is not None and y is not None:
                    alone[row] = 1
        names = list(self.top)
        columns = [_node(name, self.top[name], values) for name in names]
        if not columns:
            facts: list[dict] = [{} for _ in range(count)]
        elif all(name in complete for name in names):
            facts = list(map(dict, map(zip, repeat(names), zip(*columns))))
        else:
            facts = [{k: v for k, v in zip(names, row) if v is not None} for row in zip(*columns)]
        lines = range(before + 1, before + count + 1)
        named: list[str] = [str(line) if ident is None else ident for line, ident in zip(lines, ids)]
        if not any(alone):
            return KnownCases(lines, named, ons, facts)
        out: list[Item | Known] = []
        for row, line in enumerate(lines):
            if alone[row]:
                out.extend(batch_items(rows.slice(row, 1), line - 1))
            else:
                out.append(Known(line, named[row], ons[row], facts[row]))
        return out


def _tree(names: list[str]) -> dict:
    """The column names as a tree of their dotted parts: {"dienst": {"bedrag": {}}, "grootte": {}}."""
    tree: dict = {}
    for name in names:
        node = tree
        for part in name.split("."):
            node = node.setdefault(part, {})
    return tree


def _node(path: str, children: dict, values: dict[str, list]) -> list:
    """A fact's values per row: its own column's, or a record made of its fields' columns (None: not given)."""
    own = values.get(path)
    if not children:
        assert own is not None  # a leaf of the tree is a column of the file
        return own
    parts = {name: _node(f"{path}.{name}", below, values) for name, below in children.items()}
    names = list(parts)
    made = [{k: v for k, v in zip(names, row) if v is not None} or None for row in zip(*parts.values())]
    return made if own is None else [mine if mine is not None else record for mine, record in zip(own, made)]


def _ids(column, alone: bytearray) -> list:
    """The ids of a text or whole-number column; a row with an id of another type is read alone."""
    import pyarrow
    kind = column.type
    if pyarrow.types.is_string(kind) or pyarrow.types.is_large_string(kind):
        values, ok = _texts(column)
        if ok is not None:
            _mark(ok, alone)
        return values
    if pyarrow.types.is_integer(kind):
        return column.cast(pyarrow.string()).to_pylist()  # the same digits as str() of the number
    return _alone_where_given(column, alone)


def _dates(column, alone: bytearray) -> list:
    """The dates of a date column within Python's calendar; any other value's row is read alone."""
    import pyarrow
    if not pyarrow.types.is_date32(column.type):
        return _alone_where_given(column, alone)
    values, ok = _checked(column, _within(column, _FIRST_DAY, _LAST_DAY), _days)
    if ok is not None:
        _mark(ok, alone)
    return values


def _alone_where_given(column, alone: bytearray) -> list:
    for row, valid in enumerate(column.is_valid().to_pylist()):
        if valid:
            alone[row] = 1
    return [None] * len(column)


def _mark(ok: list, alone: bytearray) -> None:
    for row, fine in enumerate(ok):
        if not fine:
            alone[row] = 1


def _read(fact, column, alone: bytearray) -> tuple[list, bool]:
    """One fact's column as typed values (None where not given), and whether the column's checks vouched for all.

    A value nothing vouches for marks its row alone.
    """
    values, ok = _vouched(fact, column)
    if ok is None:
        return values, True
    reader = fact_reader(fact)
    for row, fine in enumerate(ok):
        if fine:
            continue
        try:
            typed = reader(column[row].as_py())
        except (OverflowError, ValueError, ArithmeticError):  # beyond Python's calendar: `tables` says so
            typed = SLOW
        if typed is SLOW:
            alone[row] = 1
        else:
            values[row] = typed
    return values, False


def _vouched(fact, column) -> tuple[list, list[bool] | None]:
    """(typed values, whether each is vouched for or not given: None when all are) by the column's checks.

    A value not vouched for is None among the values.
    """
    import pyarrow
    import pyarrow.compute as compute
    kind, arrow = fact.type.kind, column.type
    if pyarrow.types.is_decimal(arrow) and arrow.bit_width < 128:
        # decimal32 and decimal64 hold what decimal128 holds, but not every Arrow function takes them.
        column = column.cast(pyarrow.decimal128(arrow.precision, arrow.scale))
        arrow = column.type
    if kind in ("money", "number") and _exact(arrow, kind):
        low = fact.minimum if fact.minimum is not None else (Decimal(0) if kind == "money" else None)
        mask = _within(column, -_LIMIT, _LIMIT)
        mask = compute.and_(mask, _within(column, low, fact.maximum))
        return _checked(column, mask, _whole if pyarrow.types.is_integer(arrow) else _decimals)
    if kind == "date" and pyarrow.types.is_date32(arrow):
        mask = compute.and_(_within(column, _FIRST_DAY, _LAST_DAY), _within(column, fact.minimum, fact.maximum))
        return _checked(column, mask, _days)
    if kind == "bool" and pyarrow.types.is_boolean(arrow):
        return column.to_pylist(), None
    if kind == "enum" and _text(arrow) and fact.type.values:
        mask = compute.is_in(column, value_set=pyarrow.array(list(fact.type.values), arrow))
        return _checked(column, mask, _plain)
    if kind == "text" and _text(arrow) and fact.pattern is None:
        return _texts(column)
    if kind == "record" and pyarrow.types.is_struct(arrow):
        return _records(fact.fields, column, lambda name: True)  # a record may leave any field out
    if kind == "list" and pyarrow.types.is_list(arrow):
        return _lists(fact, column)
    return [None] * len(column), column.is_null().to_pylist()


def _exact(arrow, kind: str) -> bool:
    """Whether every value of this column type reads as itself: whole numbers, decimals (for amounts in whole cents)."""
    import pyarrow
    if pyarrow.types.is_integer(arrow):
        return True
    if pyarrow.types.is_decimal(arrow):
        return arrow.scale >= 0 and (kind == "number" or arrow.scale <= 2)
    return False


def _text(arrow) -> bool:
    import pyarrow
    return pyarrow.types.is_string(arrow) or pyarrow.types.is_large_string(arrow)


def _within(column, low, high):
    """Where the column's values lie within [low, high] (None: no bound), as an Arrow mask (null where not given)."""
    import pyarrow
    import pyarrow.compute as compute
    mask = compute.is_valid(column)
    if low is not None:
        mask = compute.and_(mask, compute.greater_equal(column, pyarrow.scalar(low)))
    if high is not None:
        mask = compute.and_(mask, compute.less_equal(column, pyarrow.scalar(high)))
    return mask


def _checked(column, mask, convert) -> tuple[list, list[bool] | None]:
    """The values where the mask holds, as `convert` gives them, and whether each row is vouched for or not given."""
    import pyarrow.compute as compute
    fine = compute.or_kleene(mask, compute.is_null(column))
    if compute.all(fine).as_py():
        return convert(column), None
    return convert(compute.if_else(mask, column, None)), fine.to_pylist()


def _texts(column) -> tuple[list, list[bool] | None]:
    """A text column's values, and whether each is vouched for (None when all are): Parquet does not check UTF-8.

    A value that is not UTF-8 is None and not vouched for; its row read alone says so.
    """
    try:
        return column.to_pylist(), None
    except UnicodeDecodeError:
        pass
    values, ok = [], []
    for cell in column:
        try:
            values.append(cell.as_py())
            ok.append(True)
        except UnicodeDecodeError:
            values.append(None)
            ok.append(False)
    return values, ok


def _plain(column) -> list:
    return column.to_pylist()


def _decimals(column) -> list:
    """A decimal column's values as Decimal, each with the column's scale as its exponent (as written: 5.00)."""
    import pyarrow
    import pyarrow.compute as compute
    if column.null_count == 0 and pyarrow.types.is_decimal(column.type):
        return _decimal_values(column)  # amounts are seldom repeated: a dictionary would not pay
    return _by_dictionary(column, _decimal_values)


def _decimal_values(column) -> list:
    """The values of a decimal column without nulls (a dictionary's) as Decimal, read from their text."""
    import pyarrow
    import pyarrow.compute as compute
    return list(map(Decimal, compute.cast(column, pyarrow.string()).to_pylist()))  # quicker than Arrow's own


def _whole(column) -> list:
    return [None if v is None else Decimal(v) for v in column.to_pylist()]


#: The day number (days since 1970-01-01) of Python's date.fromordinal(1) is -719162.
_ORDINAL = 719163


def _days(column) -> list:
    """A date column's values as dates, each distinct day made once (a column repeats its days)."""
    return _by_dictionary(column, lambda days: [datetime.date.fromordinal(n + _ORDINAL)
                                                for n in days.cast(_int32()).to_pylist()])


def _int32():
    import pyarrow
    return pyarrow.int32()


def _by_dictionary(column, convert) -> list:
    """The column's values, `convert` given only its distinct values; one Python object for each."""
    import pyarrow.compute as compute
    encoded = compute.dictionary_encode(column)
    distinct = convert(encoded.dictionary)
    if column.null_count == 0:
        return list(map(distinct.__getitem__, encoded.indices.to_pylist()))
    distinct.append(None)
    return list(map(distinct.__getitem__, compute.fill_null(encoded.indices, len(distinct) - 1).to_pylist()))


def _records(declared: dict, column, optional) -> tuple[list, list[bool]]:
    """A struct column's rows as records of their given fields; a field the declaration lacks leaves every row unvouched.

    `optional(name)` says whether a field may be left out; a row that leaves out another is unvouched.
    """
    import pyarrow.compute as compute
    arrow = column.type
    names = [arrow.field(i).name for i in range(arrow.num_fields)]
    valid = column.is_valid().to_pylist()
    if any(name not in declared or normal_name(name) != name for name in names):
        return [None] * len(column), [not v for v in valid]
    ok = [True] * len(column)
    fields: dict[str, list] = {}
    for name, child in zip(names, column.flatten()):
        values, fine = _vouched(declared[name], child)
        fields[name] = values
        if fine is not None:
            ok = [a and b for a, b in zip(ok, fine)]
        if not optional(name):
            ok = [a and (given or not parent) for a, given, parent in zip(ok, compute.is_valid(child).to_pylist(),
                                                                            valid)]
    required_absent = [name for name, field in declared.items() if not optional(name) and name not in fields]
    if required_absent:
        ok = [a and not parent for a, parent in zip(ok, valid)]
    made = [{k: v for k, v in zip(fields, row) if v is not None} for row in zip(*fields.values())] if fields \
        else [{} for _ in range(len(column))]
    values = [record if parent and fine else None for record, parent, fine in zip(made, valid, ok)]
    return values, [fine or not parent for fine, parent in zip(ok, valid)]


def _all_fine(ok: list[bool] | None, count: int) -> list[bool]:
    return [True] * count if ok is None else ok


def _lists(fact, column) -> tuple[list, list[bool]]:
    """A list column's rows as tuples of their items, each item vouched for and given, else the row unvouched."""
    import pyarrow.compute as compute
    items = column.flatten()
    if fact.item is not None:
        values, fine = _vouched(fact.item, items)
        fine = [a and b for a, b in zip(_all_fine(fine, len(items)), compute.is_valid(items).to_pylist())]  # an empty item is an error
    else:
        import pyarrow
        if not pyarrow.types.is_struct(items.type):
            values, fine = [None] * len(items), [False] * len(items)
        else:
            values, fine = _records(fact.fields, items, lambda name: fact.fields[name].optional)
            fine = [a and b for a, b in zip(fine, compute.is_valid(items).to_pylist())]
    lengths = compute.list_value_length(column).to_pylist()
    out: list = []
    ok: list[bool] = []
    at = 0
    for length in lengths:
        if length is None:
            out.append(None)
            ok.append(True)
            continue
        ok.append(all(fine[at:at + length]))
        out.append(tuple(values[at:at + length]) if ok[-1] else None)
        at += length
    return out, ok
