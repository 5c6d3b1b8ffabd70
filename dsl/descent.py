"""A quick recursive-descent parser for the expressions it can vouch for; Lark (`lalr.py`) parses the rest.

It reads grammar.lark's language and builds the very tree, spans included, that Lark's parser and
`lalr._ToAst` build; `tests/dsl/test_descent.py` compares the two. It is conservative: it gives up
(None) on any text it is not sure of (a syntax error, an invalid literal, a keyword or `EUR` written
where a name goes, deep nesting), so that Lark parses it and words every error as before. A measure
whose expressions all read here is loaded without importing Lark at all.
"""
from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from . import ast, literals
from .names import normal_name
from .source import Placement, Span

#: Lark's terminals of grammar.lark (the same regular expressions), tried in this order: DATE before NUMBER
#: as its priority says; the others cannot start alike.
_TOKEN = re.compile("|".join([
    r"(?P<ws>[ \t\f\r\n]+)",
    r"(?P<date>\d{4}-\d{2}-\d{2}(?![\d_]))",
    r"(?P<number>\d(?:_?\d)*(?:\.\d(?:_?\d)*)?)",
    r"(?P<name>(?!\d)\w+)",
    r'(?P<text>"(?:[^"\\\n]|\\.)*")',
    r"(?P<sign><=|>=|!=|[-+*/()\[\],.%=<>€])",
]))
# Keywords are read as such wherever they stand (a name that is a keyword, which Lark reads as a name where the
# keyword cannot stand, is left to Lark), and so is `EUR` after a `.` or `each`; a unit is read as one only right
# after a number, where no name may stand (tests/dsl/test_descent.py checks that against Lark's tables).
_KEYWORDS = frozenset({"if", "then", "else", "or", "and", "not", "in", "at", "for", "each", "where", "true", "false"})
_UNITS = frozenset({"day", "days", "week", "weeks", "month", "months", "year", "years"})
_COMPARE = frozenset({"<=", ">=", "!=", "=", "<", ">"})
#: Nesting beyond which Lark parses instead (its transformer needs no Python stack per level).
_DEEPEST = 30
_END = ("end", "", 0, 0)
#: The SHA-256 of the grammar.lark this parser reads. Another grammar is left to Lark whole, until this parser
#: is made to read it and the digest written here (tests/dsl/test_descent.py fails until then).
GRAMMAR = "6af302e46ade14091cf048e7276e9db9535047179fad4671dbae9ab5fc15036e"


class _GiveUp(Exception):
    """Not an expression this parser vouches for."""


def parse(text: str, placement: Placement) -> ast.Expr | None:
    """The expression's tree exactly as Lark's parser makes it, or None when this parser cannot vouch for one."""
    if not _grammar_read():
        return None
    tokens = _tokens(text)
    if tokens is None:
        return None
    reader = _Reader(tokens, placement)
    try:
        node, _, _ = reader.expr(0)
        if reader.peek()[0] != "end":
            return None
    except (_GiveUp, literals.LiteralProblem, ArithmeticError, IndexError, RecursionError):
        return None  # Lark parses it, and words what is wrong with it
    return node


@functools.cache
def _grammar_read() -> bool:
    """Whether grammar.lark is the grammar this parser reads."""
    digest = hashlib.sha256(Path(__file__).with_name("grammar.lark").read_bytes()).hexdigest()
    return digest == GRAMMAR


def _tokens(text: str) -> list[tuple[str, str, int, int]] | None:
    """(kind, text, line, column) of each token, then the end; None for a character no token starts with.

    The kind is a keyword or sign itself, or one of name, number, date, text.
    """
    tokens = []
    line, line_start, position = 1, 0, 0
    match = _TOKEN.match
    while position < len(text):
        found = match(text, position)
        if found is None:
            return None
        kind, written = found.lastgroup or "", found.group()
        if kind == "ws":
            newlines = written.count("\n")
            if newlines:  # Lark counts lines by "\n" alone, and columns in characters from 1
                line += newlines
                line_start = position + written.rindex("\n") + 1
        else:  # a keyword or sign is its own kind, so that the reader compares one string
            if kind == "sign" or (kind == "name" and written in _KEYWORDS):
                kind = written
            tokens.append((kind, written, line, position - line_start + 1))
        position = found.end()
    tokens.append(_END)
    return tokens


Start = tuple[int, int]
#: A node with the start and end of its container: the node, or the outermost parentheses around it, as
#: Lark's positions take them for the node that holds it.
Parsed = tuple[ast.Expr, Start, Start]


class _Reader:
    """One expression's tokens, read by the grammar's rules, loosest first."""

    def __init__(self, tokens: list[tuple[str, str, int, int]], placement: Placement):
        self.tokens, self.at, self.placement = tokens, 0, placement

    def peek(self) -> tuple[str, str, int, int]:
        return self.tokens[self.at]

    def take(self) -> tuple[str, str, int, int]:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def next_is(self, kind: str) -> bool:
        return self.tokens[self.at][0] == kind

    def expect(self, kind: str) -> Start:
        token = self.tokens[self.at]
        if token[0] != kind:
            raise _GiveUp
        self.at += 1
        return _end(token)

    def expect_name(self) -> tuple[str, str, int, int]:
        token = self.tokens[self.at]
        if token[0] != "name" or token[1] == "EUR":
            raise _GiveUp
        self.at += 1
        return token

    def span(self, start: Start, end: Start) -> Span:
        return self.placement.span(start[0], start[1], end[0], end[1])

    def expr(self, depth: int) -> Parsed:
        if depth > _DEEPEST:
            raise _GiveUp
        if self.tokens[self.at][0] == "if":
            start = _start(self.take())
            cond = self.expr(depth + 1)
            self.expect("then")
            then = self.expr(depth + 1)
            self.expect("else")
            otherwise = self.expr(depth + 1)
            return ast.If(cond[0], then[0], otherwise[0], self.span(start, otherwise[2])), start, otherwise[2]
        return self.disjunction(depth)

    def binary(self, op: str, left: Parsed, right: Parsed) -> Parsed:
        return ast.Binary(op, left[0], right[0], self.span(left[1], right[2])), left[1], right[2]

    def disjunction(self, depth: int) -> Parsed:
        left = self.conjunction(depth)
        while self.tokens[self.at][0] == "or":
            self.at += 1
            left = self.binary("or", left, self.conjunction(depth))
        return left

    def conjunction(self, depth: int) -> Parsed:
        left = self.negation(depth)
        while self.tokens[self.at][0] == "and":
            self.at += 1
            left = self.binary("and", left, self.negation(depth))
        return left

    def negation(self, depth: int) -> Parsed:
        if self.tokens[self.at][0] == "not":
            if depth > _DEEPEST:
                raise _GiveUp
            start = _start(self.take())
            operand = self.negation(depth + 1)
            return ast.Unary("not", operand[0], self.span(start, operand[2])), start, operand[2]
        return self.comparison(depth)

    def comparison(self, depth: int) -> Parsed:
        left = self.sum(depth)
        kind = self.tokens[self.at][0]
        if kind in _COMPARE:
            self.at += 1
            return self.binary(kind, left, self.sum(depth))
        if kind == "in":
            self.at += 1
            return self.binary("in", left, self.sum(depth))
        if kind == "not":
            self.at += 1
            self.expect("in")
            return self.binary("not in", left, self.sum(depth))
        return left

    def sum(self, depth: int) -> Parsed:
        left = self.product(depth)
        while self.tokens[self.at][0] in ("+", "-"):
            op = self.take()[1]
            left = self.binary(op, left, self.product(depth))
        return left

    def product(self, depth: int) -> Parsed:
        left = self.unary(depth)
        while self.tokens[self.at][0] in ("*", "/"):
            op = self.take()[1]
            left = self.binary(op, left, self.unary(depth))
        return left

    def unary(self, depth: int) -> Parsed:
        if self.tokens[self.at][0] == "-":
            if depth > _DEEPEST:
                raise _GiveUp
            start = _start(self.take())
            operand = self.unary(depth + 1)
            return ast.Unary("neg", operand[0], self.span(start, operand[2])), start, operand[2]
        target = self.postfix(depth)
        if self.tokens[self.at][0] == "at":
            self.at += 1
            on = self.postfix(depth)
            return ast.At(target[0], on[0], self.span(target[1], on[2])), target[1], on[2]
        return target

    def postfix(self, depth: int) -> Parsed:
        node, start, end = self.atom(depth)
        while True:
            kind = self.tokens[self.at][0]
            if kind == ".":
                self.at += 1
                token = self.expect_name()
                end = _end(token)
                name = normal_name(token[1])
                if isinstance(node, ast.Name):
                    node = ast.Name(node.path + (name,), self.span(start, end))
                else:
                    node = ast.Field(node, name, self.span(start, end))
            elif kind == "[":
                self.at += 1
                key = self.expr(depth + 1)
                end = self.expect("]")
                node = ast.Index(node, key[0], self.span(start, end))
            else:
                return node, start, end

    def atom(self, depth: int) -> Parsed:
        kind, written, line, column = token = self.take()
        start = (line, column)
        if kind == "number":
            return self.number(token)
        if kind == "date":
            return self.literal("date", literals.date(written), token, token)
        if kind == "text":
            return self.literal("text", literals.text(written), token, token)
        if kind == "€" or (kind == "name" and written == "EUR"):
            amount = self.take()
            if amount[0] != "number":
                raise _GiveUp
            return self.literal("money", literals.number(amount[1]), token, amount)
        if kind == "true" or kind == "false":
            return self.literal("bool", kind == "true", token, token)
        if kind == "name":
            if self.next_is("("):
                return self.call(token, depth)
            return ast.Name((normal_name(written),), self.span(start, _end(token))), start, _end(token)
        if kind == "(":
            inner = self.expr(depth + 1)
            return inner[0], start, self.expect(")")
        if kind == "[":
            items = []
            while not self.next_is("]"):
                items.append(self.expr(depth + 1)[0])
                if not self.next_is(","):
                    break
                self.at += 1
            end = self.expect("]")
            return ast.ListExpr(tuple(items), self.span(start, end)), start, end
        raise _GiveUp

    def number(self, token: tuple[str, str, int, int]) -> Parsed:
        kind, written, _, _ = after = self.peek()
        if kind == "%":
            self.at += 1
            return self.literal("percent", literals.percent(token[1]), token, after)
        if kind == "name" and written in _UNITS:
            self.at += 1
            unit, value = literals.duration(token[1], written)
            return self.literal(unit, value, token, after)
        return self.literal("number", literals.number(token[1]), token, token)

    def literal(self, kind: str, value: object, first: tuple[str, str, int, int],
                last: tuple[str, str, int, int]) -> Parsed:
        start, end = _start(first), _end(last)
        return ast.Literal(kind, value, self.span(start, end)), start, end

    def call(self, name: tuple[str, str, int, int], depth: int) -> Parsed:
        start = _start(name)
        self.at += 1  # the "("
        func = normal_name(name[1])
        if self.next_is(")"):
            end = _end(self.take())
            return ast.Call(func, (), self.span(start, end)), start, end
        body = None
        if not self.next_is("each"):
            first = self.expr(depth + 1)
            if not self.next_is("for"):
                arguments = [first[0]]
                while self.next_is(","):
                    self.at += 1
                    arguments.append(self.expr(depth + 1)[0])
                end = self.expect(")")
                return ast.Call(func, tuple(arguments), self.span(start, end)), start, end
            self.at += 1
            body = first[0]
        self.expect("each")
        var = normal_name(self.expect_name()[1])
        self.expect("in")
        source = self.expr(depth + 1)[0]
        where = default = None
        if self.next_is("where"):
            self.at += 1
            where = self.expr(depth + 1)[0]
        if self.next_is("else"):
            self.at += 1
            default = self.expr(depth + 1)[0]
        end = self.expect(")")
        return ast.Aggregate(func, var, source, body, where, default, self.span(start, end)), start, end


def _start(token: tuple[str, str, int, int]) -> Start:
    return token[2], token[3]


def _end(token: tuple[str, str, int, int]) -> Start:
    return token[2], token[3] + len(token[1])
