"""The decision plan of a measure: its parts in the order a decision is made, for every back-end."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from rulerun.dsl import ast
from rulerun.dsl.analysis import CheckedMeasure
from rulerun.dsl.measure import Text, Window

from .compile import Compiler
from .steps import Step
from .logic import and3
from .program import conjuncts
from .runtime import Env, Program


@dataclass
class Part:
    """A compiled part of the decision (eligibility, amount, a deadline, a value, a note)."""

    id: str
    label: dict
    text: str
    location: str
    step: Callable
    tag: str


@dataclass
class DecisionPlan:
    """Reference date -> window -> every condition -> amount -> deadlines, values and notes."""

    measure_id: str
    window: Window | None
    eligible: Part
    eligible_kind: str  # "eligible" for one expression, "conditions" for a list of conditions
    conditions: list[str]
    rule_conjuncts: dict[str, tuple[str, ...]]  # each rule's top-level `and`-conjuncts, for the failed list
    amount: Part | None
    deadlines: list[Part]
    values: list[Part]
    notes: list[tuple[Text, Step | None]]
    reported: list[str]  # the rules whose values say which conditions failed


def build_plan(checked: CheckedMeasure, program: Program) -> DecisionPlan:
    """The decision plan of a checked measure, its parts compiled to closures."""
    compiler = Compiler(checked.typing)
    measure = checked.measure
    decision = measure.decision
    assert decision is not None  # a measure without a decision does not pass the checker

    def part(ident: str, label: dict, node: ast.Expr, text: str | None) -> Part:
        span = node.span
        return Part(ident, label, text or "", f"{span.source.name}:{span.line}", compiler.compile(node),
                    checked.typing.types[id(node)].tag)

    def named(item) -> Part:
        label = item.label.as_dict() if item.label else {"nl": item.name, "en": item.name}
        return part(item.name, label, item.expr, item.text)

    if decision.eligible is not None:
        eligible = part("eligible", {"nl": "Komt in aanmerking", "en": "Eligible"}, decision.eligible,
                        decision.eligible_text)
        conditions = list(conjuncts(decision.eligible, checked.typing))
        kind = "eligible"
    else:
        conditions = [c for c, _ in decision.conditions or ()]
        eligible = Part("eligible", {"nl": "Voorwaarden", "en": "Conditions"}, " and ".join(conditions),
                        measure.path, _all_of(conditions), "bool")
        kind = "conditions"
    amount = (part("amount", {"nl": "Bedrag", "en": "Amount"}, decision.amount, decision.amount_text)
              if decision.amount is not None else None)
    rule_conjuncts = {name: rule.conjuncts for name, rule in program.rules.items()}
    reported = list(dict.fromkeys([*conditions, *(c for group in rule_conjuncts.values() for c in group)]))
    return DecisionPlan(
        measure_id=measure.id, window=measure.window, eligible=eligible, eligible_kind=kind, conditions=conditions,
        rule_conjuncts=rule_conjuncts, amount=amount, deadlines=[named(n) for n in decision.deadlines],
        values=[named(n) for n in decision.values],
        notes=[(note.text, compiler.compile(note.when) if note.when is not None else None) for note in decision.notes],
        reported=reported)


def _all_of(conditions: list[str]) -> Step:
    """A step that evaluates every condition (no short-circuit, so that every failure is reported)."""
    def step(env: Env) -> object:
        value: object = True
        for name in conditions:
            value = and3(value, env.rule(name))
        return value
    return step
