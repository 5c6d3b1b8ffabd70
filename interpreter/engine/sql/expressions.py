"""Lowered expressions (ir.py) as DuckDB SQL: a value column that is NULL where the engine's value is Unknown.

Each expression becomes four SQL texts (`Sql`): its value, the facts it misses (a VARCHAR list,
read only where the value is NULL), and the declared lower and upper limits it keeps when unknown,
so that a comparison, `min` or `max` settles exactly where `bounds.py` settles it. SQL's `AND`,
`OR` and `NOT` are Kleene's logic, as `logic.and3/or3/not3`. Whatever the engine could raise as a
language error (a parameter with no value on the date, a date out of range, a table no row
matches) is collected as a flag: such a row is decided by the Python engine, never guessed.
Anything else that cannot be written exactly raises `Unsupported`, reported as a gap at the
node's `source` (read for its position alone). Nodes are written by their class, through `_WRITERS`.
"""
from __future__ import annotations

import datetime
import re
import types
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from rulerun.dsl.builtins import OPERATORS
from rulerun.dsl.exact import EXACT
from rulerun.dsl.library import plain
from rulerun.dsl.measure import Fact
from rulerun.dsl.patterns import Pattern
from rulerun.dsl.source import Span

from .. import ir
from ..ir import ARITHMETIC, COMPARISON, FUNCTION, MATCH, NEGATION, QUOTIENT
from ..runtime import CompiledParameter
from .gaps import Unsupported

#: Types whose values are ordered and carry declared limits.
ORDERED = ("money", "number", "percent", "days", "months", "date")
NO_MISSING = "[]::VARCHAR[]"
#: A percentage the query reads from its text (`12.5%`): other texts are left to the Python reader.
PERCENT_TEXT = r"[0-9]{1,10}(\.[0-9]{1,8})?%"


def percent_of(text: str) -> str:
    """A percentage's text as its exact fraction (`30%` is 0.3); NULL where it is not PERCENT_TEXT."""
    return (f"(TRY_CAST(rtrim({text}, '%') AS DECIMAL(18,8)) * CAST('0.01' AS DECIMAL(3,2)))")


@dataclass(frozen=True)
class Sql:
    """An expression in SQL: value (NULL = Unknown), missing facts, and limits while unknown."""

    v: str
    m: str = NO_MISSING
    lo: str | None = None
    hi: str | None = None
    nullable: bool = True


def quote(name: str) -> str:
    """A SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def text_literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def literal(value: object, span=None) -> str:
    """A plain value as a SQL literal of the exact type."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        scale = max(0, -exponent)
        precision = max(len(digits) + max(exponent, 0), scale, 1)
        if precision > 38:
            raise Unsupported(span, f"the number {plain(value)}", "DuckDB decimals hold at most 38 digits")
        return f"CAST('{value:f}' AS DECIMAL({precision},{scale}))"
    if isinstance(value, int):
        return f"CAST({value} AS BIGINT)"
    if isinstance(value, datetime.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return text_literal(value)
    raise Unsupported(span, f"the value {value!r}", "a record or list value has no SQL form here")


def lower_limit(e: Sql) -> str:
    """The lower limit `bounds._limits` gives: the value when known, else the declared limit (NULL: none)."""
    return e.v if e.lo is None else f"(CASE WHEN {e.v} IS NULL THEN {e.lo} ELSE {e.v} END)"


def upper_limit(e: Sql) -> str:
    return e.v if e.hi is None else f"(CASE WHEN {e.v} IS NULL THEN {e.hi} ELSE {e.v} END)"


def missing_of(*parts: Sql) -> str:
    """The facts missed by every unknown part (duplicates are removed at the end)."""
    lists = [f"(CASE WHEN {p.v} IS NULL THEN {p.m} END)" for p in parts if p.nullable]
    if not lists:
        return NO_MISSING
    out = lists[0] if len(lists) > 1 else f"coalesce({lists[0]}, {NO_MISSING})"
    for more in lists[1:]:
        out = f"list_concat({out}, {more})"
    return out


def any_null(parts: list[Sql]) -> str:
    nullable = [f"{p.v} IS NULL" for p in parts if p.nullable]
    return "(" + " OR ".join(nullable) + ")" if nullable else "FALSE"


def span(node: ir.Node) -> Span | None:
    """Where `node` is written, for a gap."""
    return node.source.span if node.source is not None else None


#: The parameter of a list lambda (`item1`, one name per depth): an expression reading it is not a column.
_LAMBDA_PARAMETER = re.compile(r"\bitem([0-9]+)\b")
#: A text this short is written where it is read; a longer one is computed once, as a column (`Lets`).
SHORT = 48


class Lets:
    """Sub-expressions computed once each, as columns of the query, so that its text is linear in the measure.

    An expression reads its parts by their column names instead of repeating their text (a limit,
    a `min` or an `if` reads a part several times). Each column is computed only on the rows of
    its form (`guard`): the two-valued form's on the rows with every fact given, the three-valued
    form's on the others, so a row computes one form only. The query computes each column in a
    layer after the columns it reads (`query._layers`).
    """

    def __init__(self) -> None:
        self.columns: dict[str, str] = {}  # quoted name -> its SQL
        self.names: dict[tuple[str, str], str] = {}  # (guard, text) -> quoted name

    def bind(self, text: str | None, guard: str) -> str | None:
        """A column computing `text` where `guard` holds (NULL elsewhere); short texts are kept as they are."""
        if text is None or len(text) <= SHORT:
            return text
        name = self.names.get((guard, text))
        if name is None:
            name = quote(f"#e{len(self.columns)}")
            self.names[(guard, text)] = name
            # Every row is the form's (a table that gives every fact): no CASE to evaluate per row.
            self.columns[name] = text if guard == "TRUE" else f"(CASE WHEN {guard} THEN {text} END)"
        return name


class ExpressionWriter:
    """Writes lowered expressions of one measure as SQL over its fact, rule and date columns."""

    def __init__(self, facts: dict[str, Fact], parameters: dict[str, CompiledParameter], reference: Sql,
                 on: str, known: bool = False, lets: Lets | None = None, guard: str = "TRUE"):
        self.known = known  # every fact given: the two-valued form, without Unknown's bookkeeping
        self.lets = lets  # where sub-expressions are computed once (None: written where they are read)
        self.guard = guard  # the rows this form is read on
        self.facts = facts
        self.parameters = parameters
        self.reference = reference
        self.on = on
        self.flags: list[str] = []  # conditions under which the engine may raise: those rows go to Python
        self.facts_read: set[str] = set()
        self.rules_read: set[str] = set()
        self.items: dict[str, tuple[str, Fact]] = {}  # bound item variable -> (lambda parameter, its declaration)
        self.depth = 0  # how many list lambdas enclose the expression being written

    def write(self, node: ir.Node) -> Sql:
        """The SQL of `node`."""
        method: Callable[[ExpressionWriter, Any], Sql] | None = _WRITERS.get(type(node))
        if method is None:
            raise Unsupported(span(node), _what(node), "this kind of expression has no SQL form yet")
        result = method(self, node)
        bind = self._once
        if self.known:  # the two-valued form is read for its value alone
            return Sql(bind(result.v), result.m, result.lo, result.hi, result.nullable)
        return Sql(bind(result.v), bind(result.m), bind(result.lo), bind(result.hi), result.nullable)

    # -- leaves --------------------------------------------------------------------------------

    def _literal(self, node: ir.Literal) -> Sql:
        return Sql(literal(node.value, span(node)), nullable=False)

    def _fact(self, node: ir.FactRead) -> Sql:
        path = node.path
        fact = self.declaration(node.keys)
        if fact is None or fact.type.kind in ("list", "record"):
            raise Unsupported(span(node), f"the {fact.type.kind if fact else 'unknown'} fact `{path}`",
                              "only facts with one value per case are columns here")
        self.facts_read.add(path)
        read = percent_of(quote(path)) if fact.type.kind == "percent" else quote(path)
        if self.known:
            return Sql(read, nullable=False)
        return Sql(read, f"[{text_literal(path)}]",
                   None if node.low is None else literal(node.low), None if node.high is None else literal(node.high))

    def _constant(self, node: ir.Constant) -> Sql:
        return self.reference if node.name == "reference_date" else Sql(self.on, nullable=False)

    def _loop_var(self, node: ir.LoopVar) -> Sql:
        if node.name in self.items:
            return self._item(node, node.name, node.fields)
        if node.fields:
            raise _record_field(node, node.name, node.fields)
        raise Unsupported(span(node), f"the item variable `{node.name}`", "it is not bound by a list of a fact here")

    def _rule(self, node: ir.RuleRef) -> Sql:
        self.rules_read.add(node.name)
        column = rule_column(node.name, node.tag)
        return Sql(column.v, nullable=False) if self.known else column

    def _field(self, node: ir.FieldAccess) -> Sql:
        target = node.target
        # A rule's field written as one name (`rule.field`) shares its source with the rule reference.
        if isinstance(target, ir.RuleRef) and target.source is node.source:
            raise _record_field(node, target.name, node.fields)
        raise Unsupported(span(node), "this field expression", "this kind of expression has no SQL form yet")

    def _item(self, node: ir.LoopVar, var: str, fields: tuple[str, ...]) -> Sql:
        """An item of a list fact, or its field: the lambda's parameter.

        Every row whose list holds an empty item or field is left to the Python engine (see
        sqlbatch.case_relation), so the value is given wherever the query decides.
        """
        value, declaration = self.items[var]
        for name in fields:
            fact = declaration.fields.get(name)
            if fact is None or fact.type.kind in ("list", "record"):
                raise Unsupported(span(node), f"the field `{name}` of `{var}`", "only fields with one value are read here")
            value, declaration = f"struct_extract({value}, {text_literal(name)})", fact
        if declaration.type.kind in ("list", "record"):
            raise Unsupported(span(node), f"the item `{var}`", "a record item is read by its fields here")
        if declaration.type.kind == "percent":
            value = percent_of(value)
        return Sql(value, nullable=not self.known)

    def declaration(self, keys: tuple[str, ...]) -> Fact | None:
        fact = self.facts.get(keys[0])
        for key in keys[1:]:
            fact = fact.fields.get(key) if fact is not None else None
        return fact

    def _parameter_read(self, node: ir.ParameterRead) -> Sql:
        """A parameter on the reference date, `at` another date, for a key when it has one per key."""
        if node.on is not None:
            if node.fields:
                raise Unsupported(span(node), "a parameter read at another date (`at`)",
                                  "only a parameter's own value is read here")
            day = self.write(node.on)
            key = self.write(node.key) if node.key is not None else None
            return self._parameter(node, node.name, key, day)
        if node.fields:
            raise _record_field(node, node.name, node.fields)
        return self._parameter(node, node.name, self.write(node.key) if node.key is not None else None)

    def _enum_values(self, node: ir.Node | None) -> frozenset[str] | None:
        """The values a key can take when it is an enum fact: a row with any other value is not clean (Python's)."""
        if not isinstance(node, ir.FactRead):
            return None
        fact = self.declaration(node.keys)
        if fact is None or fact.type.kind != "enum" or not fact.type.values:
            return None
        return frozenset(fact.type.values)

    def _parameter(self, node: ir.ParameterRead, name: str, key: Sql | None, at: Sql | None = None) -> Sql:
        parameter = self.parameters[name]
        where = span(node)
        if parameter.keyed != (key is not None):
            raise Unsupported(where, f"the parameter `{name}`", "a keyed parameter is read with a key")
        day = self.reference if at is None else at
        values: list[tuple[str, str]] = []  # (condition on the day, value)
        covered: list[tuple[str, str]] = []
        for since, value, _source, until in reversed(parameter.versions):
            when = "TRUE" if since is None else f"{day.v} >= {literal(since)}"
            fits = "TRUE" if until is None else f"{day.v} <= {literal(until)}"
            if key is None:
                if isinstance(value, dict):
                    raise Unsupported(where, f"the record parameter `{name}`", "record values are not written yet")
                picked = literal(value, where)
                known = "TRUE"
            else:
                assert isinstance(value, dict)
                picked = ("(CASE " + " ".join(f"WHEN {key.v} = {text_literal(k)} THEN {literal(v, where)}"
                                              for k, v in value.items()) + " END)")
                known = f"{key.v} IN ({', '.join(text_literal(k) for k in value)})" if value else "FALSE"
                # An enum fact's value is one of its values on every row the query decides (sqlbatch's
                # `#clean`): when the keys hold them all, no key can be missing.
                values_read = self._enum_values(node.key)
                if values_read is None or not values_read <= set(value):
                    self.flags.append(f"({when} AND {fits} AND {key.v} IS NOT NULL AND NOT ({known}))")
            values.append((when, picked if until is None else f"(CASE WHEN {fits} THEN {picked} END)"))
            covered.append((when, fits))
        chosen = "(CASE " + " ".join(f"WHEN {w} THEN {v}" for w, v in values) + " END)"
        cover = "(CASE " + " ".join(f"WHEN {w} THEN {f}" for w, f in covered) + " ELSE FALSE END)"
        starts = [since for since, *_ in parameter.versions if since is not None]
        if all(until is None for *_, until in parameter.versions) and len(starts) == len(parameter.versions):
            # Versions without an end cover every day from the first one on: one comparison per row.
            cover = f"coalesce({day.v} >= {literal(min(starts))}, FALSE)"
        if day.nullable:
            self.flags.append(f"({day.v} IS NOT NULL AND NOT {cover})")
        elif cover != "(CASE WHEN TRUE THEN TRUE ELSE FALSE END)":
            self.flags.append(f"(NOT {cover})")
        if key is None:
            return Sql(chosen, day.m, nullable=day.nullable)
        if at is not None:  # compile._at: an unknown date is what is missing, before the key is read
            missing = day.m if not key.nullable else f"(CASE WHEN {day.v} IS NULL THEN {day.m} ELSE {key.m} END)"
            return Sql(chosen, missing if day.nullable else key.m, nullable=day.nullable or key.nullable)
        missing = key.m if not day.nullable else f"(CASE WHEN {key.v} IS NULL THEN {key.m} ELSE {day.m} END)"
        return Sql(chosen, missing if key.nullable else day.m, nullable=day.nullable or key.nullable)

    # -- logic ---------------------------------------------------------------------------------

    def _not(self, node: ir.Not) -> Sql:
        operand = self.write(node.operand)
        return Sql(f"(NOT {operand.v})", operand.m, nullable=operand.nullable)

    def _and(self, node: ir.And) -> Sql:
        return self._logic("AND", node.left, node.right)

    def _or(self, node: ir.Or) -> Sql:
        return self._logic("OR", node.left, node.right)

    def _logic(self, op: str, left_node: ir.Node, right_node: ir.Node) -> Sql:
        left, right = self.write(left_node), self.write(right_node)
        return Sql(f"({left.v} {op} {right.v})", missing_of(left, right), nullable=left.nullable or right.nullable)

    def _apply(self, node: ir.Apply) -> Sql:
        """An operator or function by its operation's kind and key."""
        return _APPLIERS[node.operation.kind](self, node)

    def _negation(self, node: ir.Apply) -> Sql:
        (operand,) = (self.write(o) for o in node.operands)
        value = f"(- {operand.v})"
        return Sql(value, operand.m,
                   None if operand.hi is None and operand.lo is None else f"(- {upper_limit(operand)})",
                   None if operand.hi is None and operand.lo is None else f"(- {lower_limit(operand)})",
                   operand.nullable)

    def _comparison(self, node: ir.Apply) -> Sql:
        op = node.operation.key  # a comparison's key is its symbol
        left_node, right_node = node.operands
        left = self.write(left_node)
        if op in ("in", "not in"):
            if not isinstance(right_node, ir.ListOf):
                raise Unsupported(span(node), f"`{op}` over a list value", "only a written list is compiled")
            items = [self.write(i) for i in right_node.items]
            inside = f"{left.v} {'NOT IN' if op == 'not in' else 'IN'} ({', '.join(i.v for i in items)})"
            parts = [left, *items]
            value = f"(CASE WHEN NOT {any_null(parts)} THEN {inside} END)" if any(p.nullable for p in items) else \
                f"({inside})"
            return Sql(value, missing_of(*parts), nullable=any(p.nullable for p in parts))
        return self._compare(op, left, self.write(right_node))

    def _compare(self, op: str, a: Sql, b: Sql) -> Sql:
        direct = f"({a.v} {'<>' if op == '!=' else op} {b.v})"
        nullable = a.nullable or b.nullable
        if not nullable:
            return Sql(direct, nullable=False)
        l1, h1, l2, h2 = lower_limit(a), upper_limit(a), lower_limit(b), upper_limit(b)
        if op in ("<", "<=", ">", ">="):
            if op in (">", ">="):
                l1, h1, l2, h2 = l2, h2, l1, h1
            # bounds._less / _less_or_equal: exact for known values too, where the limits are the values.
            strict_true, strict_false = ("<", "<=") if op in ("<", ">") else ("<=", "<")
            value = f"(CASE WHEN {h1} {strict_true} {l2} THEN TRUE WHEN {h2} {strict_false} {l1} THEN FALSE END)"
        else:
            apart = f"({h1} < {l2} OR {h2} < {l1})"
            settled = "FALSE" if op == "=" else "TRUE"
            value = (f"(CASE WHEN {a.v} IS NOT NULL AND {b.v} IS NOT NULL THEN {direct} "
                     f"WHEN {apart} THEN {settled} END)")
        return Sql(value, missing_of(a, b))

    def _if(self, node: ir.If) -> Sql:
        cond, then, otherwise = self.write(node.cond), self.write(node.then), self.write(node.otherwise)
        if self.known:
            return Sql(f"(CASE WHEN {cond.v} THEN {then.v} ELSE {otherwise.v} END)", nullable=False)
        value = (f"(CASE WHEN {cond.v} THEN {then.v} WHEN NOT {cond.v} THEN {otherwise.v} "
                 f"WHEN {then.v} = {otherwise.v} THEN {then.v} END)")
        nullable = cond.nullable or then.nullable or otherwise.nullable
        missing = (f"(CASE WHEN {cond.v} THEN {then.m} WHEN NOT {cond.v} THEN {otherwise.m} "
                   f"ELSE {missing_of(cond, then, otherwise)} END)")
        lo = hi = None
        if node.tag in ORDERED:
            both_lo = f"least({lower_limit(then)}, {lower_limit(otherwise)})"
            both_hi = f"greatest({upper_limit(then)}, {upper_limit(otherwise)})"
            # bounds.hull: no limit when either side has none (least/greatest would skip a NULL).
            lo = (f"(CASE WHEN {cond.v} THEN {then.lo or 'NULL'} WHEN NOT {cond.v} THEN {otherwise.lo or 'NULL'} "
                  f"WHEN {lower_limit(then)} IS NOT NULL AND {lower_limit(otherwise)} IS NOT NULL THEN {both_lo} END)")
            hi = (f"(CASE WHEN {cond.v} THEN {then.hi or 'NULL'} WHEN NOT {cond.v} THEN {otherwise.hi or 'NULL'} "
                  f"WHEN {upper_limit(then)} IS NOT NULL AND {upper_limit(otherwise)} IS NOT NULL THEN {both_hi} END)")
        return Sql(value, missing, lo, hi, nullable)

    # -- operations ----------------------------------------------------------------------------

    def _arithmetic(self, node: ir.Apply) -> Sql:
        left_tag, right_tag = (o.tag for o in node.operands)
        op = _symbol(node.operation.key, (left_tag, right_tag))
        a, b = (self.write(o) for o in node.operands)
        nullable = a.nullable or b.nullable
        tags = (left_tag, right_tag)
        if op in ("+", "-") and left_tag in ("money", "number", "percent") and right_tag == left_tag:
            value = self._exact(op, a.v, b.v, given=not nullable)
            if self.known:  # a known value is its own limit: none are read
                return Sql(value, nullable=False)
            if op == "+":
                lo, hi = self._exact("+", lower_limit(a), lower_limit(b)), self._exact("+", upper_limit(a), upper_limit(b))
            else:
                lo, hi = self._exact("-", lower_limit(a), upper_limit(b)), self._exact("-", upper_limit(a), lower_limit(b))
            return Sql(value, missing_of(a, b), lo, hi, nullable)
        if op == "*" and left_tag in ("money", "number", "percent") and right_tag in ("money", "number", "percent"):
            value = self._exact("*", a.v, b.v, given=not nullable)
            if self.known:
                return Sql(value, nullable=False)
            both = f"{lower_limit(a)} >= 0 AND {lower_limit(b)} >= 0"
            lo = f"(CASE WHEN {both} THEN {self._exact('*', lower_limit(a), lower_limit(b))} END)"
            hi = f"(CASE WHEN {both} THEN {self._exact('*', upper_limit(a), upper_limit(b))} END)"
            return Sql(value, missing_of(a, b), lo, hi, nullable)
        if op in ("+", "-") and tags in (("days", "days"), ("months", "months")):
            value = f"({a.v} {op} {b.v})"
            if op == "+":
                lo, hi = f"({lower_limit(a)} + {lower_limit(b)})", f"({upper_limit(a)} + {upper_limit(b)})"
            else:
                lo, hi = f"({lower_limit(a)} - {upper_limit(b)})", f"({upper_limit(a)} - {lower_limit(b)})"
            return Sql(value, missing_of(a, b), lo, hi, nullable)
        if op in ("+", "-") and tags in (("date", "days"), ("days", "date")):
            day, days = (a, b) if left_tag == "date" else (b, a)
            value = f"({day.v} {op} CAST({days.v} AS INTEGER))" if left_tag == "date" else f"({days.v} + {day.v})"
            return self._dated(value, a, b)
        if op in ("+", "-") and tags in (("date", "months"), ("months", "date")):
            day, months = (a, b) if left_tag == "date" else (b, a)
            sign = "-" if op == "-" else ""
            value = f"CAST({day.v} + to_months(CAST({sign}{months.v} AS INTEGER)) AS DATE)"
            return self._dated(value, a, b)
        if op == "-" and tags == ("date", "date"):
            value = f"CAST(datediff('day', {b.v}, {a.v}) AS DECIMAL(38,0))"
            return Sql(value, missing_of(a, b), nullable=nullable)
        if op == "/" and left_tag in ("money", "number", "percent"):
            return self._divided_by_literal(node, a)
        raise Unsupported(span(node), f"the operator `{op}` on {left_tag} and {right_tag}",
                          "this operation is not written yet")

    def _divided_by_literal(self, node: ir.Apply, a: Sql) -> Sql:
        """`a / n` for a written number n whose reciprocal is an exact decimal (2, 4, 5, 8, 10, …): `a * (1/n)`.

        The engine divides exactly (`EXACT.divide`); so does this product. A divisor with no exact
        reciprocal (3, a computed value) stays a gap. A row where `a` is unknown is left to Python,
        which works out the quotient's limits itself.
        """
        divisor = node.operands[1]
        value = divisor.value if isinstance(divisor, ir.Literal) else None
        reciprocal = None
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool) and value:
            try:
                reciprocal = EXACT.divide(Decimal(1), Decimal(value))
            except ArithmeticError:
                reciprocal = None
        if reciprocal is None:
            raise Unsupported(span(node), "a division by a computed value or by a number without an exact reciprocal",
                              "the engine divides exactly or reports an error; DuckDB would round the quotient")
        quotient = self._exact("*", a.v, literal(reciprocal, span(node)))
        if a.nullable:
            self.flags.append(f"({a.v} IS NULL)")
        return Sql(quotient, nullable=a.nullable)

    def _dated(self, value: str, a: Sql, b: Sql) -> Sql:
        """A date computed from others: a result outside the years 1 to 9999 is the engine's error."""
        value = self._once(f"try({value})")  # a number of days beyond DuckDB's INTEGER: NULL, and flagged
        self.flags.append(f"({value} NOT BETWEEN DATE '0001-01-01' AND DATE '9999-12-31')")
        given = not (a.nullable or b.nullable)  # then NULL is the error alone
        self.flags.append(f"({value} IS NULL)" if given else f"({value} IS NULL AND {a.v} IS NOT NULL AND {b.v} IS NOT NULL)")
        return Sql(value, missing_of(a, b), nullable=a.nullable or b.nullable)

    def _exact(self, op: str, a: str, b: str, given: bool = False) -> str:
        """`a op b` on DECIMALs, NULL where DuckDB's DECIMAL would overflow; such a row is left to Python.

        DuckDB keeps a product's width (DECIMAL(18,2) * DECIMAL(18,2) is DECIMAL(18,4)) and holds at
        most 38 digits; the engine computes exactly to 100 digits. `try` turns the overflow into NULL,
        and the flag sends the row to the Python engine instead of stopping the run. Where both
        operands are `given` (never NULL where the row is decided), NULL is the overflow alone.
        """
        value = self._once(f"try({a} {op} {b})")
        self.flags.append(f"({value} IS NULL)" if given else f"({value} IS NULL AND {a} IS NOT NULL AND {b} IS NOT NULL)")
        return value

    def _once(self, text):
        """`text` as a column computed once, unless it reads a list lambda's item (then it stays where it is read)."""
        if self.lets is None or text is None or any(
                int(depth) <= self.depth for depth in _LAMBDA_PARAMETER.findall(text)):  # an enclosing lambda's
            return text
        return self.lets.bind(text, self.guard)

    def _given(self, node: ir.Given) -> Sql:
        target = node.read
        if not isinstance(target, ir.FactRead):
            raise Unsupported(span(node), "`given` of this expression", "only a fact's column is tested here")
        fact = self.declaration(target.keys)
        if fact is not None and fact.type.kind == "list":
            column = Sql(_list_fact(self, target)[1])
        else:
            column = self._fact(target)
        return Sql(f"({column.v} IS NOT NULL)", nullable=False)

    def _quotient(self, node: ir.Apply) -> Sql:
        """`round_cents(a / b)` (or `round_down_cents`, `round`): the exact quotient rounded once, as `divide_rounded`.

        Both operands are taken as whole numbers of 10^-18 (exactly, or the row is Python's) and the
        rounding is integer arithmetic on HUGEINT with the engine's rule: half up is
        (2·|a|·q + |b|) // (2·|b|) steps of the quantum, down is |a|·q // |b|, q = 1/quantum. A
        zero divisor (the engine's error), an overflow or an unknown operand leave the row to Python.
        """
        func = node.operation.key
        quantum = {"round_cents": 2, "round_down_cents": 2, "round": 0}.get(func)
        if quantum is None:
            raise Unsupported(span(node), f"`{func}` of a division", "this rounding is not written yet")
        a, b = (self.write(o) for o in node.operands)
        n, d = self._scaled(a.v), self._scaled(b.v)
        q = 10 ** quantum
        if func == "round_down_cents":
            steps = f"(abs({n}) * {q}) // abs({d})"
        else:
            steps = f"(2 * abs({n}) * {q} + abs({d})) // (2 * abs({d}))"
        steps = self._once(f"try(CAST(CASE WHEN {d} <> 0 THEN {steps} END AS DECIMAL(38,0)))")
        sign = f"(CASE WHEN ({n} < 0) <> ({d} < 0) THEN -1 ELSE 1 END)"
        value = self._once(f"({sign} * {steps} * CAST('{Decimal(1).scaleb(-quantum)}' AS DECIMAL({quantum + 1},{quantum})))")
        self.flags.append(f"({a.v} IS NULL OR {b.v} IS NULL OR {steps} IS NULL)")
        return Sql(value, nullable=a.nullable or b.nullable)

    def _scaled(self, value: str) -> str:
        """A DECIMAL as the HUGEINT of its 10^-18ths; NULL where that is not exact or does not fit."""
        exact = self._once(f"try(CAST({value} AS DECIMAL(38,18)))")
        whole = f"try(CAST(replace(CAST({exact} AS VARCHAR), '.', '') AS HUGEINT))"
        return self._once(f"(CASE WHEN try({exact} = {value}) THEN {whole} END)")

    def _function(self, node: ir.Apply) -> Sql:
        func = node.operation.key
        args = [self.write(a) for a in node.operands]
        nullable = any(a.nullable for a in args)
        if func in ("min", "max"):
            return self._extreme(func == "min", args)
        if func in ("round_cents", "round"):
            (a,) = args
            digits = 2 if func == "round_cents" else 0
            # DuckDB rounds a DECIMAL half away from zero, as ROUND_HALF_UP does (library.round_cents).
            rounded = lambda x: f"round({x}, {digits})"  # noqa: E731
            return Sql(rounded(a.v), a.m, None if a.lo is None else rounded(lower_limit(a)),
                       None if a.hi is None else rounded(upper_limit(a)), nullable)
        if func in ("year", "month", "day"):
            (a,) = args
            return Sql(f"CAST({func}({a.v}) AS DECIMAL(38,0))", a.m, nullable=nullable)
        if func == "end_of_month":
            (a,) = args
            return Sql(f"last_day({a.v})", a.m, nullable=nullable)
        if func == "end_of_year":
            (a,) = args
            return Sql(f"make_date(year({a.v}), 12, 31)", a.m, nullable=nullable)
        if func == "days_between":
            first, second = args
            return Sql(f"CAST(datediff('day', {first.v}, {second.v}) AS DECIMAL(38,0))", missing_of(first, second),
                       nullable=nullable)
        if func == "abs":
            (a,) = args
            return Sql(f"abs({a.v})", a.m, nullable=nullable)
        if func == "date":
            year, month, day = args
            whole = " AND ".join(f"{x.v} = trunc({x.v})" for x in args)
            fits = f"{whole} AND {year.v} BETWEEN 1 AND 9999 AND {month.v} BETWEEN 1 AND 12 AND {day.v} BETWEEN 1 AND 31"
            made = (f"(CASE WHEN {fits} THEN try(make_date(CAST({year.v} AS BIGINT), CAST({month.v} AS BIGINT), "
                    f"CAST({day.v} AS BIGINT))) END)")
            self.flags.append(f"(NOT {any_null(args)} AND {made} IS NULL)")
            return Sql(made, missing_of(*args), nullable=nullable)
        raise Unsupported(span(node), f"the function `{func}`", "it is not written in SQL yet")

    def _matches(self, node: ir.Apply) -> Sql:
        """`matches` as DuckDB's regexp_full_match: RE2 with its default options, as dsl/patterns.py matches."""
        # The operation is the checker's compiled pattern's `fullmatch`: the pattern's text is its own.
        impl = node.operation.impl
        if not (isinstance(impl, types.MethodType) and isinstance(impl.__self__, Pattern)):
            raise Unsupported(span(node), "`matches` with a computed pattern", "only a written pattern is compiled")
        (text,) = node.operands
        value = self.write(text)
        return Sql(f"regexp_full_match({value.v}, {text_literal(impl.__self__.text)})", value.m,
                   nullable=value.nullable)

    def _extreme(self, smallest: bool, args: list[Sql]) -> Sql:
        """`min` or `max` as bounds._extreme settles them: known when a known value is beyond every unknown's limit."""
        pick, other = ("least", "greatest") if smallest else ("greatest", "least")
        best = f"{pick}({', '.join(a.v for a in args)})"  # least/greatest skip NULLs: the best known value
        if not any(a.nullable for a in args):
            return Sql(best, nullable=False)
        beyond = " AND ".join(
            f"({a.v} IS NOT NULL OR coalesce({best} {'<=' if smallest else '>='} "
            f"{lower_limit(a) if smallest else upper_limit(a)}, FALSE))" for a in args)
        value = f"(CASE WHEN {best} IS NOT NULL AND {beyond} THEN {best} END)"
        lows, highs = [lower_limit(a) for a in args], [upper_limit(a) for a in args]
        if smallest:
            lo = f"(CASE WHEN {' AND '.join(x + ' IS NOT NULL' for x in lows)} THEN least({', '.join(lows)}) END)"
            hi = f"least({', '.join(highs)})"
        else:
            lo = f"greatest({', '.join(lows)})"
            hi = f"(CASE WHEN {' AND '.join(x + ' IS NOT NULL' for x in highs)} THEN greatest({', '.join(highs)}) END)"
        return Sql(value, missing_of(*args), lo, hi)


def _list_fact(writer: ExpressionWriter, node: ir.Node) -> tuple[Fact, str]:
    """The declaration and column of the list fact an aggregation ranges over, or a gap."""
    fact = writer.declaration(node.keys) if isinstance(node, ir.FactRead) else None
    if not isinstance(node, ir.FactRead) or fact is None or fact.type.kind != "list":
        raise Unsupported(span(node), "a list aggregation over this list", "only a list fact's column is read here")
    item = fact.item if fact.item is not None else fact
    if fact.item is not None and fact.item.type.kind in ("list", "record"):
        raise Unsupported(span(node), "a list of lists or of records without fields", "it is not written in SQL")
    writer.facts_read.add(node.path)
    return item, quote(node.path)


def write_aggregate(writer: ExpressionWriter, node: ir.Aggregate) -> Sql:
    """`any`, `all`, `count`, `sum`, `min`, `max` over a list fact, with DuckDB's list lambdas.

    The value is the engine's where the list, every filter and every value the aggregation reads
    are known; a row where one may be unknown, or where the engine may raise (`min` of an empty
    list), is left to the Python engine by a flag: the engine's order of reading items (`any`
    stops at the first true one) and what an unknown one misses are then its own.
    """
    item, column = _list_fact(writer, node.items)
    func = node.func
    tag = node.tag
    if func == "sum" and tag not in ("money", "number", "percent"):
        raise Unsupported(span(node), f"the list aggregation `sum` of {tag}", "only amounts and numbers are summed here")
    default = writer.write(node.default) if node.default is not None else None
    outer_flags, outer_var = writer.flags, writer.items.get(node.var)
    writer.depth += 1
    param = f"item{writer.depth}"  # one name per depth: an inner lambda never hides an outer one
    writer.flags = []
    writer.items[node.var] = (param, item)
    try:
        where = writer.write(node.where) if node.where is not None else None
        body = writer.write(node.body) if node.body is not None else None
    finally:
        inner_flags = writer.flags
        writer.flags = outer_flags
        writer.depth -= 1
        if outer_var is None:
            writer.items.pop(node.var, None)
        else:
            writer.items[node.var] = outer_var
    # Each item's filter, value and flags once, as a STRUCT per item, read by field below: the
    # filter and the value are not written again for choosing, aggregating and flagging.
    keep = where.v if where is not None else "TRUE"
    inner = " OR ".join(f"coalesce({f}, FALSE)" for f in inner_flags) or "FALSE"
    fields = [f"k := {keep}"] + ([f"b := {body.v}"] if body is not None else []) + [f"f := {inner}"]
    pairs = writer._once(f"list_transform({column}, lambda {param}: struct_pack({', '.join(fields)}))")
    k, b = f"struct_extract({param}, 'k')", f"struct_extract({param}, 'b')"
    unknown = [f"{k} IS NULL", f"struct_extract({param}, 'f')"]
    if body is not None:
        unknown.append(f"({k} IS NOT FALSE AND {b} IS NULL)")
    chosen = writer._once(f"list_filter({pairs}, lambda {param}: {k})") if where is not None else pairs
    values = writer._once(f"list_transform({chosen}, lambda {param}: {b})") if body is not None else None
    flags = [f"{column} IS NULL",
             f"coalesce(list_bool_or(list_transform({pairs}, lambda {param}: {' OR '.join(unknown)})), FALSE)"]
    if func == "any":
        value = f"coalesce(list_bool_or({values}), FALSE)" if values else f"(len({chosen}) > 0)"
    elif func == "all":
        value = f"coalesce(list_bool_and({values}), TRUE)" if values else "TRUE"
    elif func == "count":
        value = f"CAST(len({chosen}) AS DECIMAL(38,0))"
    elif func == "sum":  # an empty list sums to 0; an overflowing sum is left to Python
        total = f"try(list_sum({values}))"
        flags.append(f"(len({chosen}) > 0 AND {total} IS NULL)")
        value = f"(CASE WHEN len({chosen}) = 0 THEN CAST(0 AS DECIMAL(1,0)) ELSE {total} END)"
    else:
        value = f"list_{func}({values})"
        if default is None:  # the engine's error: `min` of an empty list has no value
            flags.append(f"len({chosen}) = 0")
        else:
            value = f"(CASE WHEN len({chosen}) = 0 THEN {default.v} ELSE {value} END)"
            if default.nullable:
                flags.append(f"(len({chosen}) = 0 AND {default.v} IS NULL)")
    writer.flags.append("(" + " OR ".join(flags) + ")")
    return Sql(value, nullable=False)


def rule_column(name: str, tag: str) -> Sql:
    """A rule's columns, as the query's layers write them."""
    base = "r:" + name
    ordered = tag in ORDERED
    return Sql(quote(base), quote(base + "#m"), quote(base + "#lo") if ordered else None,
               quote(base + "#hi") if ordered else None)


def _record_field(node: ir.Node, name: str, fields: tuple[str, ...]) -> Unsupported:
    return Unsupported(span(node), f"the field `{'.'.join(fields)}` of `{name}`",
                       "record values of rules and parameters are not written yet")


def _symbol(key: str, tags: tuple[str, str]) -> str:
    """The operator an arithmetic operation's key and operand types were entered with (`add` of two amounts: `+`)."""
    return next((entry.symbol for entry in OPERATORS.values() if entry.key == key and entry.operands == tags), key)


def _what(node: ir.Node) -> str:
    if isinstance(node, ir.Aggregate):
        return f"the list aggregation `{node.func}`"
    if isinstance(node, ir.ListOf):
        return "a list value"
    return "this expression"


_APPLIERS: dict[str, Callable[[ExpressionWriter, ir.Apply], Sql]] = {
    COMPARISON: ExpressionWriter._comparison,
    ARITHMETIC: ExpressionWriter._arithmetic,
    NEGATION: ExpressionWriter._negation,
    QUOTIENT: ExpressionWriter._quotient,
    MATCH: ExpressionWriter._matches,
    FUNCTION: ExpressionWriter._function,
}

_WRITERS: dict[type, Callable[[ExpressionWriter, Any], Sql]] = {
    ir.Literal: ExpressionWriter._literal,
    ir.FactRead: ExpressionWriter._fact,
    ir.Constant: ExpressionWriter._constant,
    ir.LoopVar: ExpressionWriter._loop_var,
    ir.RuleRef: ExpressionWriter._rule,
    ir.FieldAccess: ExpressionWriter._field,
    ir.ParameterRead: ExpressionWriter._parameter_read,
    ir.Not: ExpressionWriter._not,
    ir.And: ExpressionWriter._and,
    ir.Or: ExpressionWriter._or,
    ir.Apply: ExpressionWriter._apply,
    ir.If: ExpressionWriter._if,
    ir.Given: ExpressionWriter._given,
    ir.Aggregate: write_aggregate,
}
