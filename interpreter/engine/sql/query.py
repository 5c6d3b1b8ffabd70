"""A measure's decision plan as one DuckDB query over a table of cases, or the gaps that prevent it.

The query reads a relation `cases` with the columns `#line`, `#id`, `#on`, `#clean` (false for a
row whose facts the Python reader must read) and one column per fact path (dotted for a record's
field); `python` is true for a row the Python engine must decide. Rules become columns layer by layer, each after the rules
it reads; the last layer selects, per case, what `assembly.assemble` would put in the decision.
It reads the measure's lowered form (`ir.LoweredMeasure`) and, as the generated back-end does, the
parameters' values computed once in the `Program`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import ir
from ..runtime import Program
import re

from .expressions import (NO_MISSING, ORDERED, ExpressionWriter, Lets, Sql, literal, lower_limit, missing_of, quote,
                          rule_column, upper_limit)
from .failed import FailedList
from .gaps import Gap, Unsupported


#: The column that says every fact the query reads is given: the two-valued form decides.
KNOWN = quote("#known")


@dataclass
class Query:
    """The SQL of a measure over the relation `cases`, or the gaps that keep it from being written."""

    sql: str
    gaps: list[Gap]
    facts: list[str] = field(default_factory=list)  # the fact paths the query reads
    deadlines: list[str] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)  # (id, type tag)


def compile_query(lowered: ir.LoweredMeasure, program: Program, every_fact_given: bool = False) -> Query:
    """The query deciding every case of `cases`, or (with an empty sql) the gaps found.

    With `every_fact_given`, the query is for a table whose every row gives every fact the query
    reads (`#known` is TRUE on every row): the two-valued form alone decides, and DuckDB's planner
    drops the three-valued form's columns (each a constant NULL there). On such a table it gives
    what the query without it gives.
    """
    return _Builder(lowered, program, every_fact_given).build()


class _Builder:
    def __init__(self, lowered: ir.LoweredMeasure, program: Program, every_fact_given: bool = False):
        self.lowered = lowered
        self.program = program  # the parameters' values
        # Whether every fact is given on a row: a column, or TRUE for a table that gives them all.
        self.known = "TRUE" if every_fact_given else KNOWN
        self.gaps: list[Gap] = []
        self.facts: set[str] = set()
        self.lets = Lets()

    def writer(self, reference: Sql, known: bool = False, lets: bool = True) -> ExpressionWriter:
        """A writer of the two-valued form (`known`) or the three-valued one, each computed on its own rows."""
        return ExpressionWriter(self.lowered.facts, self.program.parameters,
                                Sql(reference.v, nullable=False) if known else reference, quote("#on"), known,
                                self.lets if lets else None, self.known if known else f"NOT {self.known}")

    def both(self, reference: Sql, node: ir.Node, flags: list[str]) -> Sql | None:
        """The expression's SQL; its value taken from the two-valued form where every fact is given."""
        full_writer = self.writer(reference)
        full = self.attempt(full_writer, node)
        if full is None:
            return None
        plain_writer = self.writer(reference, True)
        plain = plain_writer.write(node)
        flags += _flag(self.lets, plain_writer.flags, full_writer.flags, self.known)
        return Sql(_known_or(plain.v, full.v, self.known), full.m, full.lo, full.hi, full.nullable)

    def attempt(self, writer: ExpressionWriter, node: ir.Node) -> Sql | None:
        try:
            result = writer.write(node)
        except Unsupported as problem:
            self.gaps.append(problem.gap)
            return None
        self.facts |= writer.facts_read
        return result

    def build(self) -> Query:
        lowered = self.lowered
        decision = lowered.decision
        on = Sql(quote("#on"), nullable=False)
        reference = on
        if lowered.reference_date is not None:
            found = self.attempt(self.writer(on, lets=False), lowered.reference_date)
            reference = Sql(quote("#ref"), quote("#ref#m"), nullable=True) if found is not None else on
            base = found
        else:
            base = None
        # The rules the decision reads, each after the rules it reads.
        rules: dict[str, tuple[Sql, list[str], set[str]]] = {}
        failed_list = FailedList(lowered)
        for name in self._rule_order(failed_list.rules_read()):
            rules_sql = self._rule(name, reference)
            if rules_sql is not None:
                rules[name] = rules_sql
        parts: dict[str, Sql] = {}
        flags: list[str] = []
        one_expression = decision.eligible_kind == "eligible"
        if one_expression:
            parts["eligible"] = self.both(reference, decision.eligible.body, flags) or Sql("NULL")
        if decision.amount is not None:
            parts["amount"] = self.both(reference, decision.amount.body, flags) or Sql("NULL")
        deadlines = [(n.id, self.both(reference, n.body, flags) or Sql("NULL")) for n in decision.deadlines]
        values = [(n.id, self.both(reference, n.body, flags) or Sql("NULL"), n.tag) for n in decision.values]
        failed_columns = self._failed_columns(failed_list, reference, flags)
        if self.gaps:
            return Query("", self.gaps)
        conditions = list(decision.conditions)
        if not one_expression:
            columns = [rule_column(c, "bool") for c in conditions]
            value = " AND ".join(c.v for c in columns) if columns else "TRUE"
            parts["eligible"] = Sql(f"({value})", missing_of(*columns))
        sql = self._assemble(base, rules, parts, deadlines, values, flags, failed_list, failed_columns)
        return Query(sql, [], sorted(self.facts), [n for n, _ in deadlines], [(n, t) for n, _, t in values])

    def _rule_order(self, also: list[str]) -> list[str]:
        """Every rule the decision reads, and `also`, each after the rules its expression or table reads."""
        order: list[str] = []
        seen: set[str] = set()
        for start in self._decision_rules() + also:
            stack = [(start, False)]
            while stack:
                name, done = stack.pop()
                if done:
                    if name not in seen:
                        seen.add(name)
                        order.append(name)
                    continue
                if name in seen:
                    continue
                stack.append((name, True))
                stack += [(r, False) for r in self._reads(name) if r not in seen]
        return order

    def _decision_rules(self) -> list[str]:
        """The rules the batch record's parts read directly (notes are not part of it)."""
        lowered = self.lowered
        decision = lowered.decision
        one_expression = decision.eligible_kind == "eligible"
        nodes = [decision.eligible.body if one_expression else None,
                 decision.amount.body if decision.amount is not None else None, lowered.reference_date,
                 *(n.body for n in decision.deadlines), *(n.body for n in decision.values)]
        named = [] if one_expression else list(decision.conditions)
        return named + _rules_read(n for n in nodes if n is not None)

    def _reads(self, name: str) -> list[str]:
        body = self.lowered.rule(name).body
        if isinstance(body, ir.Table):
            return _rules_read(x for row in body.rows for x in (row.when, row.then) if x is not None)
        return _rules_read([body])

    def _rule(self, name: str, reference: Sql) -> tuple[Sql, list[str], set[str]] | None:
        body = self.lowered.rule(name).body
        writer = self.writer(reference)
        plain_writer = self.writer(reference, True)
        result: Sql | None
        plain: Sql | None
        if not isinstance(body, ir.Table):
            result = self.attempt(writer, body)
            plain = plain_writer.write(body) if result is not None else None
        else:
            result = self._table(writer, body)
            plain = self._plain_table(plain_writer, body) if result is not None else None
        if result is None or plain is None:
            return None
        value = _known_or(plain.v, result.v, self.known)
        flags = _flag(self.lets, plain_writer.flags, writer.flags, self.known)
        return Sql(value, result.m, result.lo, result.hi), flags, set(writer.rules_read)

    def _plain_table(self, writer: ExpressionWriter, table: ir.Table) -> Sql:
        """A table where every fact is given: the first row that holds."""
        rows = [(writer.write(r.when) if r.when is not None else None, writer.write(r.then)) for r in table.rows]
        if rows[-1][0] is not None:  # no `otherwise`: a case no row matches is the engine's error
            writer.flags.append("(" + " AND ".join(f"coalesce(NOT {w.v}, FALSE)" for w, _ in rows if w is not None)
                                + ")")
        if rows[0][0] is None:
            return rows[0][1]
        cases = []
        for when, then in rows:
            cases.append(f"ELSE {then.v}" if when is None else f"WHEN {when.v} THEN {then.v}")
            if when is None:
                break
        return Sql("(CASE " + " ".join(cases) + " END)", nullable=False)

    def _table(self, writer: ExpressionWriter, table: ir.Table) -> Sql | None:
        """A table as `program._table` decides it: the first row that holds, unless an earlier row's condition is unknown."""
        if len(table.rows) > 8:
            self.gaps.append(Gap(table.rule.span, f"the table `{table.rule.id}`",
                                 "more than 8 rows are not unfolded into SQL"))
            return None
        rows: list[tuple[Sql | None, Sql]] = []
        for row in table.rows:
            when = self.attempt(writer, row.when) if row.when is not None else None
            then = self.attempt(writer, row.then)
            if (row.when is not None and when is None) or then is None:
                return None
            rows.append((when, then))
        ordered = table.tag in ORDERED

        def unfold(i: int, open_rows: list[int]) -> tuple[str, str, str, str]:
            """(value, missing, low, high) from row i on, with the rows whose condition was unknown."""
            if i == len(rows):
                if not open_rows:
                    return "NULL", NO_MISSING, "NULL", "NULL"  # no row matches: the engine's error (flagged)
                parts = [p for k in open_rows for p in (rows[k][0], rows[k][1]) if p is not None]
                return "NULL", missing_of(*parts), "NULL", "NULL"
            when, then = rows[i]
            matched = _undecided(rows, open_rows, then, ordered) if open_rows else (
                then.v, then.m, then.lo or "NULL", then.hi or "NULL")
            if when is None:
                return matched
            unknown = unfold(i + 1, open_rows + [i])
            otherwise = unfold(i + 1, open_rows)
            return tuple(  # type: ignore[return-value]
                f"(CASE WHEN {when.v} THEN {a} WHEN {when.v} IS NULL THEN {b} ELSE {c} END)"
                for a, b, c in zip(matched, unknown, otherwise))

        if rows[-1][0] is not None:  # no `otherwise`: a case no row matches is the engine's error
            writer.flags.append("(" + " AND ".join(f"coalesce(NOT {w.v}, FALSE)" for w, _ in rows
                                                   if w is not None) + ")")
        value, missing, low, high = unfold(0, [])
        return Sql(value, missing, low if ordered else None, high if ordered else None)

    def _failed_columns(self, failed_list: FailedList, reference: Sql, flags: list[str]) -> dict[str, str]:
        """The columns of the failed list (failed.py); a construct it cannot follow is a gap.

        A value it reads may be a note's, which nothing else reads: its facts are read, and its flags
        (an error the engine would report there) leave the row to Python, as for any part.
        """
        def value_of(node: ir.Node) -> str:
            written = self.both(reference, node, flags)
            return written.v if written is not None else "NULL"  # a gap, reported: no query is written
        try:
            return failed_list.columns(value_of)
        except Unsupported as problem:
            self.gaps.append(problem.gap)
            return {}

    def _assemble(self, base: Sql | None, rules: dict, parts: dict[str, Sql], deadlines: list, values: list,
                  flags: list[str], failed_list: FailedList, failed_columns: dict[str, str]) -> str:
        given = every_fact_given(sorted(self.facts))
        first = f"SELECT *, ({given}) AS {KNOWN}" if self.known == KNOWN else "SELECT *"
        if base is not None:
            first += f", {base.v} AS {quote('#ref')}, {base.m} AS {quote('#ref#m')}"
        columns = dict(self.lets.columns)  # quoted name -> SQL, each computed once
        flag_columns: list[str] = []
        for name, (value, rule_flags, _reads) in rules.items():
            column = rule_column(name, self.lowered.rule(name).tag)
            columns[column.v] = value.v
            # What an unknown rule misses, and its limits, only for the rows where it is unknown:
            # worked out after the value, so that a known row does not compute them.
            # Where every fact is given, a rule is NULL only on a row left to Python (flagged): a constant NULL.
            unknown = f"{column.v} IS NULL" if self.known == KNOWN else "FALSE"
            columns[column.m] = f"(CASE WHEN {unknown} THEN {value.m} END)"
            if column.lo is not None and column.hi is not None:
                columns[column.lo] = f"(CASE WHEN {unknown} THEN {value.lo or 'NULL'} END)"
                columns[column.hi] = f"(CASE WHEN {unknown} THEN {value.hi or 'NULL'} END)"
            if rule_flags:
                flag = quote(f"r:{name}#flag")
                columns[flag] = f"({' OR '.join(rule_flags)})"
                flag_columns.append(flag)
        columns.update(failed_columns)
        sql = f"{first} FROM cases"
        for layer in _layers(columns):
            sql = f"SELECT *, {', '.join(f'{columns[n]} AS {n}' for n in layer)} FROM ({sql})"
        reference = Sql(quote("#ref"), quote("#ref#m")) if base is not None else Sql(quote("#on"), nullable=False)
        window = self.lowered.window
        closed = "FALSE"
        if window is not None and (window.start or window.end):
            outside = " OR ".join(([f"{reference.v} < {literal(window.start)}"] if window.start else [])
                                  + ([f"{reference.v} > {literal(window.end)}"] if window.end else []))
            closed = f"coalesce({outside}, FALSE)"
        eligible = parts["eligible"]
        if window is not None and reference.nullable:
            # assembly: and3(window open, eligible); the window is unknown while the reference date is.
            eligible = Sql(f"(CASE WHEN {reference.v} IS NULL THEN (NULL AND {eligible.v}) ELSE {eligible.v} END)",
                           missing_of(reference, eligible))
        amount = parts.get("amount")
        # The eligibility and the amount are read by several parts of the record: computed once.
        once = [f"{eligible.v} AS {quote('#eligible')}"] + ([f"{amount.v} AS {quote('#amount')}"] if amount else [])
        sql = f"SELECT *, {', '.join(once)} FROM ({sql})"
        eligible = Sql(quote("#eligible"), eligible.m, nullable=eligible.nullable)
        if amount is not None:
            amount = Sql(quote("#amount"), amount.m, nullable=amount.nullable)
        amount_missing = "NULL"
        missing = f"(CASE WHEN {eligible.v} IS NULL THEN {eligible.m} END)"
        amount_value = "NULL"
        if amount is not None:
            amount_value = f"(CASE WHEN {eligible.v} THEN round({amount.v}, 2) END)"
            amount_missing = f"(CASE WHEN {eligible.v} AND {amount.v} IS NULL THEN {amount.m} END)"
            missing = (f"list_concat({missing}, (CASE WHEN {eligible.v} IS DISTINCT FROM FALSE AND {amount.v} IS NULL "
                       f"THEN {amount.m} END))")
        needs_missing = f"{eligible.v} IS NULL" + (
            f" OR ({eligible.v} AND {amount.v} IS NULL)" if amount is not None else "")
        listed = failed_list.listed()
        if failed_list.conditions:  # built once, on the rows that are not eligible: its length and itself are read
            sql = f"SELECT *, (CASE WHEN NOT {eligible.v} THEN {listed} END) AS {quote('#failed')} FROM ({sql})"
            listed = quote("#failed")
        failed = f"(CASE WHEN len({listed}) = 0 THEN ['eligible'] ELSE {listed} END)"
        all_flags = flags + flag_columns
        window_note = "'window'"
        out = [
            f'{quote("#line")} AS line', f'{quote("#id")} AS id', f'{quote("#on")} AS evaluated_on',
            f"{reference.v} AS reference_date",
            f"(CASE WHEN {closed} THEN 'no' WHEN {eligible.v} THEN 'yes' WHEN NOT {eligible.v} THEN 'no' "
            f"ELSE 'undetermined' END) AS eligible",
            f"(CASE WHEN {closed} THEN NULL ELSE {amount_value} END) AS amount",
            f"(CASE WHEN {closed} THEN [{window_note}] WHEN NOT {eligible.v} THEN {failed} "
            f"ELSE {NO_MISSING} END) AS failed",
            # Where every fact is given, every value is known (else a flag leaves the row to Python).
            f"(CASE WHEN {self.known} THEN {NO_MISSING} WHEN {closed} OR NOT ({needs_missing}) THEN {NO_MISSING} "
            f"ELSE list_sort(list_distinct(coalesce({missing}, {NO_MISSING}))) END) AS missing",
            f"(CASE WHEN {self.known} THEN {NO_MISSING} WHEN {closed} OR NOT ({needs_missing}) THEN {NO_MISSING} "
            f"ELSE list_sort(list_distinct(coalesce({amount_missing}, {NO_MISSING}))) END) AS amount_missing",
        ]
        out += [f"{sql_value.v} AS {quote('deadlines.' + name)}" for name, sql_value in deadlines]
        out += [f"{sql_value.v} AS {quote('values.' + name)}" for name, sql_value, _tag in values]
        all_flags.append('NOT "#clean"')
        out.append(f"({' OR '.join(all_flags)}) AS python")
        return f"SELECT {', '.join(out)} FROM ({sql})"


def every_fact_given(facts: list[str]) -> str:
    """The condition, over the relation `cases`, that a row gives every one of `facts` (its `#known` column)."""
    return " AND ".join(f"{quote(f)} IS NOT NULL" for f in facts) or "TRUE"


def _flag(lets: Lets, plain: list[str], full: list[str], known: str = KNOWN) -> list[str]:
    """The conditions that leave a row to Python, each form's on its own rows (empty: none); each computed once."""
    if known == "TRUE":  # every fact given on every row: the two-valued form's alone
        full = []
        if not plain:
            return []
    if not plain and not full:
        return []
    either = [" OR ".join(dict.fromkeys(lets.bind(f"coalesce({f}, FALSE)", guard) or "FALSE" for f in flags)) or "FALSE"
              for flags, guard in ((plain, known), (full, f"NOT {known}"))]
    if known == "TRUE":
        return [f"({either[0]})"]
    if either[0] == either[1]:
        return [f"({either[0]})"]
    return [f"(CASE WHEN {known} THEN {either[0]} ELSE {either[1]} END)"]


_LITERAL = re.compile(r"'(?:[^']|'')*'")
_IDENTIFIER = re.compile(r'"(?:[^"]|"")*"')


def _layers(columns: dict[str, str]) -> list[list[str]]:
    """The columns in layers: each after the columns its SQL reads (quoted names, outside string literals)."""
    reads = {name: {i for i in _IDENTIFIER.findall(_LITERAL.sub("", text)) if i in columns and i != name}
             for name, text in columns.items()}
    level: dict[str, int] = {}
    for start in columns:
        stack = [(start, False)]
        while stack:
            name, expanded = stack.pop()
            if name in level:
                continue
            if expanded:  # every column it reads has its level now
                level[name] = 1 + max((level[r] for r in reads[name]), default=0)
                continue
            stack.append((name, True))
            stack += [(r, False) for r in reads[name] if r not in level]
    layers: list[list[str]] = [[] for _ in range(max(level.values(), default=0))]
    for name in columns:
        layers[level[name] - 1].append(name)
    return layers


def _known_or(plain: str, full: str, known: str = KNOWN) -> str:
    """The two-valued form where every fact is given, else the three-valued one (one text when they agree)."""
    return plain if plain == full or known == "TRUE" else f"(CASE WHEN {known} THEN {plain} ELSE {full} END)"


def _undecided(rows: list, open_rows: list[int], then: Sql, ordered: bool) -> tuple[str, str, str, str]:
    """program._undecided: settled when every row that may apply gives one known value."""
    values = [rows[k][1] for k in open_rows] + [then]
    first = values[0]
    same = " AND ".join(f"{v.v} IS NOT NULL AND {v.v} = {first.v}" for v in values)
    parts = [p for k in open_rows for p in (rows[k][0], rows[k][1]) if p is not None] + [then]
    low = high = "NULL"
    if ordered:
        lows, highs = [lower_limit(v) for v in values], [upper_limit(v) for v in values]
        low = f"(CASE WHEN {' AND '.join(x + ' IS NOT NULL' for x in lows)} THEN least({', '.join(lows)}) END)"
        high = f"(CASE WHEN {' AND '.join(x + ' IS NOT NULL' for x in highs)} THEN greatest({', '.join(highs)}) END)"
    return f"(CASE WHEN {same} THEN {first.v} END)", missing_of(*parts), low, high


def _rules_read(nodes) -> list[str]:
    """The rules `nodes` read, each where it is read (a rule read twice is listed twice)."""
    out: list[str] = []
    stack: list[ir.Node] = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ir.RuleRef):
            out.append(node.name)
        stack += _in_written_order(node)
    return out


def _in_written_order(node: ir.Node) -> tuple[ir.Node, ...]:
    """A node's sub-nodes in the order they are written: an aggregate's body before its filter."""
    if isinstance(node, ir.Aggregate):
        return tuple(n for n in (node.items, node.body, node.where, node.default) if n is not None)
    return ir.children(node)
