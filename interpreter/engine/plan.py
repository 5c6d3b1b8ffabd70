"""The decision plan of a measure: its parts in the order a decision is made, for every back-end."""
from __future__ import annotations

from typing import Callable

from rulerun.dsl.measure import Text, Window
from rulerun.dsl.records import record

from . import ir
from .compile import Compiler
from .runtime import Program
from .steps import Step


@record
class Part:
    """A compiled part of the decision (eligibility, amount, a deadline, a value, a note)."""

    id: str
    label: dict
    text: str
    location: str
    step: Callable
    tag: str


@record
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


def build_plan(lowered: ir.LoweredMeasure, program: Program, compiler: Compiler | None = None) -> DecisionPlan:
    """The decision plan of a lowered measure, its parts compiled to closures (by `compiler` when given)."""
    compiler = compiler or Compiler()
    decision = lowered.decision

    def part(lowered_part: ir.DecisionPart) -> Part:
        return Part(lowered_part.id, lowered_part.label, lowered_part.text, lowered_part.location,
                    compiler.compile(lowered_part.body), lowered_part.tag)

    conditions = list(decision.conditions)
    rule_conjuncts = {name: rule.conjuncts for name, rule in program.rules.items()}
    reported = list(dict.fromkeys([*conditions, *(c for group in rule_conjuncts.values() for c in group)]))
    return DecisionPlan(
        measure_id=lowered.measure_id, window=lowered.window, eligible=part(decision.eligible),
        eligible_kind=decision.eligible_kind, conditions=conditions, rule_conjuncts=rule_conjuncts,
        amount=part(decision.amount) if decision.amount is not None else None,
        deadlines=[part(p) for p in decision.deadlines], values=[part(p) for p in decision.values],
        notes=[(note.text, compiler.compile(note.when) if note.when is not None else None) for note in decision.notes],
        reported=reported)
