"""Parser: literals, precedence, positions, and syntax errors."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from rulerun.dsl import ast
from rulerun.dsl.errors import MeasureError
from rulerun.dsl.parser import MAX_DEPTH, MAX_LENGTH, parse


def show(node) -> str:
    """A fully parenthesised rendering that makes precedence visible."""
    if isinstance(node, ast.Binary):
        return f"({show(node.left)} {node.op} {show(node.right)})"
    if isinstance(node, ast.Unary):
        return f"({node.op} {show(node.operand)})"
    if isinstance(node, ast.If):
        return f"(if {show(node.cond)} then {show(node.then)} else {show(node.otherwise)})"
    if isinstance(node, ast.Name):
        return node.dotted
    if isinstance(node, ast.Literal):
        return str(node.value)
    if isinstance(node, ast.Index):
        return f"{show(node.target)}[{show(node.key)}]"
    if isinstance(node, ast.Call):
        return f"{node.func}(" + ", ".join(show(a) for a in node.args) + ")"
    return type(node).__name__


@pytest.mark.parametrize("text, kind, value", [
    ("1000", "number", Decimal("1000")),
    ("1_000.50", "number", Decimal("1000.50")),
    ("€ 500", "money", Decimal("500")),
    ("€ 1_234.56", "money", Decimal("1234.56")),
    ("EUR 12", "money", Decimal("12")),
    ("30%", "percent", Decimal("0.3")),
    ("12.5%", "percent", Decimal("0.125")),
    ("2022-04-28", "date", datetime.date(2022, 4, 28)),
    ("14 days", "days", 14),
    ("1 day", "days", 1),
    ("2 weeks", "days", 14),
    ("1 week", "days", 7),
    ("6 months", "months", 6),
    ("1 month", "months", 1),
    ("1 year", "months", 12),
    ("3 years", "months", 36),
    ('"DV.O225337"', "text", "DV.O225337"),
    ('"say \\"hi\\""', "text", 'say "hi"'),
    ("true", "bool", True),
    ("false", "bool", False),
])
def test_literals(text, kind, value):
    node = parse(text)
    assert isinstance(node, ast.Literal)
    assert (node.kind, node.value) == (kind, value)


@pytest.mark.parametrize("text, shape", [
    ("a or b and c", "(a or (b and c))"),
    ("a and b or c", "((a and b) or c)"),
    ("not a and b", "((not a) and b)"),
    ("not a = b", "(not (a = b))"),
    ("a + b * c", "(a + (b * c))"),
    ("a - b - c", "((a - b) - c)"),
    ("a / b * c", "((a / b) * c)"),
    ("-a * b", "((neg a) * b)"),
    ("a + b < c * d", "((a + b) < (c * d))"),
    ("a < b and c >= d", "((a < b) and (c >= d))"),
    ("if a then b else c + 1", "(if a then b else (c + 1))"),
    ("if a then b else c or d", "(if a then b else (c or d))"),
    ("x.y.z", "x.y.z"),
    ("p[o.grootte] * k", "(p[o.grootte] * k)"),
    ("a not in b", "(a not in b)"),
    ("min(a, b) + 1", "(min(a, b) + 1)"),
])
def test_precedence(text, shape):
    assert show(parse(text)) == shape


def test_list_and_aggregate_shapes():
    node = parse('sum(s.aandeel for each s in aandeelhouders where s.groep = "x" else 0%)')
    assert isinstance(node, ast.Aggregate)
    assert (node.func, node.var) == ("sum", "s")
    assert node.body.dotted == "s.aandeel" and node.default is not None
    counted = parse("count(each s in l)")
    assert counted.body is None and counted.where is None
    assert len(parse("[1, 2, 3,]").items) == 3


def test_positions_are_columns_not_offsets():
    node = parse("a +\n  bb * c")
    right = node.right.left
    assert (right.span.line, right.span.column, right.span.end_column) == (2, 3, 5)


@pytest.mark.parametrize("text, fragment", [
    ("a +", "ends too early"),
    ("(a", "ends too early"),
    ("a b", "unexpected `b`"),
    ("1 < 2 < 3", "cannot be chained"),
    ("a == b", "single `=`"),
    ("'x'", "double quotes"),
    ("1,5", "with a point: 12.5"),
    ("2022-13-01", "not a calendar date"),
    ("1.5 days", "whole number"),
    ("a && b", "`and`"),
    ("", "empty expression"),
])
def test_syntax_errors(text, fragment):
    with pytest.raises(MeasureError) as caught:
        parse(text)
    assert fragment in str(caught.value)


def test_limits():
    with pytest.raises(MeasureError, match="limit is"):
        parse("1 + " * (MAX_LENGTH // 4) + "1")
    with pytest.raises(MeasureError, match="nested more than"):
        parse("-(" * (MAX_DEPTH + 5) + "1" + ")" * (MAX_DEPTH + 5))
