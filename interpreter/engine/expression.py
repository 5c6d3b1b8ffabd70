"""Evaluate a single expression against facts: for tests, notebooks and embedding."""
from __future__ import annotations

import datetime

from rulerun.dsl.checker import ParameterShape, check_expression
from rulerun.dsl.errors import MeasureError
from rulerun.dsl.loader import facts_from_declarations
from rulerun.dsl.measure import Fact
from rulerun.dsl.parser import parse
from rulerun.dsl.types import Type

from . import ir
from .compile import Compiler
from .lower import lower_expression
from ..formats.facts import read_facts
from .runtime import Env, Program


class _FactScope:
    """A scope with facts only."""

    def __init__(self, facts: dict[str, Fact]):
        self.facts = facts

    def fact(self, name: str) -> Type | None:
        return self.facts[name].type if name in self.facts else None

    def rule(self, name: str) -> Type | None:
        return None

    def parameter(self, name: str) -> ParameterShape | None:
        return None

    def names(self) -> list[str]:
        return list(self.facts)

    def qualify(self, name: str) -> str:
        return name

    def unread(self, first: str) -> bool:
        return False


def lower_text(text: str, declarations: dict | None = None) -> tuple[ir.Node, Type, dict[str, Fact]]:
    """Parse, check and lower `text`; return (IR node, type, facts). Raises MeasureError."""
    facts = facts_from_declarations(declarations or {})
    node = parse(text)
    result, typing, report = check_expression(node, _FactScope(facts))
    report.raise_if_errors(MeasureError)
    return lower_expression(node, typing, facts), result, facts


def compile_expression(text: str, declarations: dict | None = None):
    """Parse, check and compile `text`; return (step, type, facts). Raises MeasureError."""
    lowered, result, facts = lower_text(text, declarations)
    return Compiler().compile(lowered), result, facts


def evaluate_expression(text: str, declarations: dict | None = None, facts: dict | None = None,
                        on: datetime.date = datetime.date(2024, 1, 1)):
    """The value of `text` for raw `facts` declared by `declarations` (a measure's `facts:` mapping)."""
    step, result, declared = compile_expression(text, declarations)
    typed = read_facts(declared, facts or {})
    return step(Env(Program(), typed, on)), result
