"""Parse expressions into the AST with Lark's LALR parser, which words every syntax error; the only user of lark."""
from __future__ import annotations

import functools
import hashlib
import io
from decimal import InvalidOperation
from pathlib import Path

import lark
from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import ast, cache, literals
from .errors import Diagnostic, MeasureError
from .literals import LiteralProblem
from .names import normal_name
from .source import Placement, Span

_TERMINALS = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a text in double quotes",
    "DATE": "a date (YYYY-MM-DD)", "MONEY_SIGN": "`€`", "DURATION_UNIT": "a unit (days, weeks, months, years)",
    "COMPARE": "a comparison (= != < <= > >=)", "ADD": "`+` or `-`", "MUL": "`*` or `/`",
    "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`", "RSQB": "`]`", "COMMA": "`,`", "DOT": "`.`",
    "PERCENT": "`%`", "MINUS": "`-`", "$END": "the end of the expression",
}


#: The parser tables built from grammar.lark, shipped with the package so that no run builds them; its first
#: line names the Lark that built them and the grammar's digest, so tables of another grammar or Lark are not used.
TABLES = Path(__file__).with_name("grammar.tables")


def _grammar() -> str:
    return Path(__file__).with_name("grammar.lark").read_text(encoding="utf-8")


def _stamp(grammar: str) -> bytes:
    return f"lark {lark.__version__} {hashlib.sha256(grammar.encode('utf-8')).hexdigest()}\n".encode("ascii")


def _build(grammar: str) -> Lark:
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)


def make_tables(grammar: str | None = None) -> bytes:
    """The content of `TABLES` for `grammar` (grammar.lark when None), built by the installed Lark."""
    grammar = _grammar() if grammar is None else grammar
    tables = io.BytesIO()
    _build(grammar).save(tables)
    return _stamp(grammar) + tables.getvalue()


def write_tables() -> Path:
    """Build the shipped parser tables again from grammar.lark (after the grammar or Lark changed)."""
    TABLES.write_bytes(make_tables())
    return TABLES


def _shipped(grammar: str) -> Lark | None:
    try:
        content = TABLES.read_bytes()
    except OSError:
        return None
    stamp, _, tables = content.partition(b"\n")
    if stamp + b"\n" != _stamp(grammar):
        return None  # another grammar or another Lark: build them (or recall them from the cache folder)
    try:
        # A file of the installed package, trusted as its code is; unlike lark's own `cache=True`, which
        # unpickles a file of the shared temporary folder that any user can plant.
        return Lark.load(io.BytesIO(tables))
    except Exception:  # noqa: BLE001 - tables this Lark cannot read are built instead
        return None


@functools.cache
def _lark() -> Lark:
    grammar = _grammar()
    shipped = _shipped(grammar)
    if shipped is not None:
        return shipped
    maker = f"lark {lark.__version__}"
    kept = cache.recall_parser(grammar, maker)
    if kept is not None:
        try:
            return Lark.load(io.BytesIO(kept))
        except Exception:  # noqa: BLE001 - tables that do not load are built again and replaced
            pass
    parser = _build(grammar)
    tables = io.BytesIO()
    parser.save(tables)
    cache.keep_parser(grammar, maker, tables.getvalue())
    return parser


class _ParseFailure(Exception):
    """Raised inside the transformer for a literal that lexes but is invalid."""

    def __init__(self, message: str, meta, hint: str | None = None, offset: int | None = None, width: int = 1):
        super().__init__(message)
        self.message, self.meta, self.hint = message, meta, hint
        self.offset, self.width = offset, width  # a part of a one-line token, from its start


@v_args(meta=True)
class _ToAst(Transformer_NonRecursive):
    """Builds AST nodes; method names follow the grammar's rule aliases."""

    def __init__(self, placement: Placement):
        super().__init__()
        self.placement = placement

    def _span(self, meta) -> Span:
        return self.placement.span(meta.line, meta.column, meta.end_line, meta.end_column)

    def number(self, meta, children):
        return ast.Literal("number", _literal(literals.number, meta, children[0]), self._span(meta))

    def percent(self, meta, children):
        return ast.Literal("percent", _literal(literals.percent, meta, children[0]), self._span(meta))

    def money(self, meta, children):
        return ast.Literal("money", _literal(literals.number, meta, children[1]), self._span(meta))

    def duration(self, meta, children):
        kind, value = _literal(literals.duration, meta, children[0], children[1])
        return ast.Literal(kind, value, self._span(meta))

    def date(self, meta, children):
        return ast.Literal("date", _literal(literals.date, meta, children[0]), self._span(meta))

    def text(self, meta, children):
        return ast.Literal("text", _literal(literals.text, meta, children[0]), self._span(meta))

    def true(self, meta, children):
        return ast.Literal("bool", True, self._span(meta))

    def false(self, meta, children):
        return ast.Literal("bool", False, self._span(meta))

    def name(self, meta, children):
        return ast.Name((normal_name(children[0]),), self._span(meta))

    def field(self, meta, children):
        target, name = children
        if isinstance(target, ast.Name):
            return ast.Name(target.path + (normal_name(name),), self._span(meta))
        return ast.Field(target, normal_name(name), self._span(meta))

    def index(self, meta, children):
        return ast.Index(children[0], children[1], self._span(meta))

    def list_expr(self, meta, children):
        return ast.ListExpr(tuple(c for c in children if c is not None), self._span(meta))

    def arguments(self, meta, children):
        return tuple(children)

    def call(self, meta, children):
        return ast.Call(normal_name(children[0]), children[1] or (), self._span(meta))

    def comprehension(self, meta, children):
        return children

    def aggregate(self, meta, children):
        func, (body, var, source, where, default) = normal_name(children[0]), children[1]
        return ast.Aggregate(func, normal_name(var), source, body, where, default, self._span(meta))

    def at(self, meta, children):
        return ast.At(children[0], children[1], self._span(meta))

    def neg(self, meta, children):
        return ast.Unary("neg", children[0], self._span(meta))

    def not_op(self, meta, children):
        return ast.Unary("not", children[0], self._span(meta))

    def _binary(self, op, meta, left, right):
        return ast.Binary(op, left, right, self._span(meta))

    def arith(self, meta, children):
        return self._binary(str(children[1]), meta, children[0], children[2])

    def compare(self, meta, children):
        return self._binary(str(children[1]), meta, children[0], children[2])

    def in_op(self, meta, children):
        return self._binary("in", meta, children[0], children[1])

    def not_in_op(self, meta, children):
        return self._binary("not in", meta, children[0], children[1])

    def and_op(self, meta, children):
        return self._binary("and", meta, children[0], children[1])

    def or_op(self, meta, children):
        return self._binary("or", meta, children[0], children[1])

    def if_expr(self, meta, children):
        return ast.If(children[0], children[1], children[2], self._span(meta))


def _literal(value_of, meta, *tokens):
    try:
        return value_of(*(str(token) for token in tokens))
    except LiteralProblem as problem:
        raise _ParseFailure(problem.message, meta, problem.hint, problem.offset, problem.width) from None


def parse_lalr(text: str, placement: Placement) -> ast.Expr:
    """Parse one expression of at most MAX_LENGTH characters; raise MeasureError with a positioned diagnostic."""
    try:
        tree = _lark().parse(text)
        return _ToAst(placement).transform(tree)
    except UnexpectedInput as error:
        raise MeasureError(_syntax_diagnostic(error, text, placement)) from None
    except VisitError as error:
        failure = error.orig_exc
        if isinstance(failure, _ParseFailure):
            m = failure.meta
            if failure.offset is None:
                span = placement.span(m.line, m.column, m.end_line, m.end_column)
            else:
                column = m.column + failure.offset
                span = placement.span(m.line, column, m.line, column + failure.width)
            raise MeasureError(Diagnostic(failure.message, span, failure.hint)) from None
        raise
    except InvalidOperation:
        raise MeasureError(Diagnostic("number out of range", placement.span(1, 1, 1, 2))) from None


def _describe(names) -> str:
    described = sorted({_TERMINALS.get(n, f"`{n.lower()}`") for n in names if not n.startswith("__")})
    return ", ".join(described[:8]) + (" …" if len(described) > 8 else "")


def _syntax_diagnostic(error: UnexpectedInput, text: str, placement: Placement) -> Diagnostic:
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            line, column = _end_position(text)
            return Diagnostic("the expression ends too early", placement.span(line, column, line, column + 1),
                              f"expected {_describe(error.accepts or error.expected)}")
        width = max(1, len(str(token)))
        hint: str | None = _token_hint(token, text, error)
        return Diagnostic(f"unexpected `{token}`", placement.span(
            token.line, token.column, token.line, token.column + width), hint)
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream if error.pos_in_stream is not None else len(text)
        char = text[position] if position < len(text) else ""
        hint = _char_hint(char, text, position)
        return Diagnostic(f"unexpected character `{char}`", placement.span(
            error.line, error.column, error.line, error.column + 1), hint)
    if isinstance(error, UnexpectedEOF):
        line, column = _end_position(text)
        return Diagnostic("the expression ends too early", placement.span(line, column, line, column + 1))
    raise error  # pragma: no cover - lark has no other UnexpectedInput kinds


def _token_hint(token: Token, text: str, error: UnexpectedToken) -> str:
    accepts = error.accepts or error.expected or set()
    if str(token) == ",":
        return "decimals are written with a point: 12.5, not 12,5; commas separate arguments"
    if token.type == "COMPARE" and "COMPARE" not in accepts:
        if str(token) == "=" and token.start_pos and text[token.start_pos - 1] in "=!<>":
            return "equality is written with a single `=`"
        return "comparisons cannot be chained; combine them with `and`: `a < b and b < c`"
    return f"expected {_describe(error.accepts or error.expected)}"


def _char_hint(char: str, text: str, pos: int) -> str | None:
    if char == "=" and pos > 0 and text[pos - 1] in "=!<>":
        return "equality is a single `=`"
    if char == "'":
        return 'texts are written in double quotes: "..."'
    if char == "&" or char == "|":
        return "write `and` / `or`"
    if char == ",":
        return "decimals are written with a point: 12.5, not 12,5"
    if char == "$":
        return "amounts are in euro: write `€ 500`"
    return None


def _end_position(text: str) -> tuple[int, int]:
    lines = text.rstrip().split("\n")
    return len(lines), len(lines[-1]) + 1
