"""The traced back-end: decide one case with the plan's closures, recording the trace when asked."""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import cast

from rulerun.dsl.errors import EvaluationError

from .assembly import assemble, window_state
from .logic import and3
from .plan import DecisionPlan, Part
from .runtime import Env, Frame, Program
from .trace import Decision, TraceNode
from .values import Unknown, plain, round_cents


def decide(plan: DecisionPlan, program: Program, facts: dict, on: datetime.date, trace: bool) -> Decision:
    """The decision for typed `facts` on `on`, by the closures; with its trace when `trace`."""
    env = Env(program, facts, on, trace)
    return env.settle(lambda: _decide_in(plan, env, on))


def _decide_in(plan: DecisionPlan, env: Env, on: datetime.date) -> Decision:
    """The decision, evaluated in `env`; run again after a long chain of rules was set aside (Env.settle)."""
    nodes: list[TraceNode] = []
    reference = env.reference_date()
    is_open = window_state(plan.window, reference)[0]
    if env.frame is not None and plan.window is not None:
        nodes.append(_window_node(plan, reference))
    if is_open is False:
        # The measure does not apply, but what the facts allow is still worked out and shown.
        deadlines = _all(env, plan.deadlines, "deadline", nodes, tolerant=True)
        values = _all(env, plan.values, "value", nodes, tolerant=True)
        return assemble(plan, on, reference, False, deadlines=deadlines, values=values, trace=tuple(nodes))
    value, node = _traced(env, plan.eligible, plan.eligible_kind)
    if node is not None:
        nodes.append(node)
    eligible = and3(is_open, value)
    amount: object = None
    if plan.amount is not None and eligible is True:
        value, node = _traced(env, plan.amount, "amount")
        amount = value if type(value) is Unknown else round_cents(cast(Decimal, value))
        if node is not None:
            if type(value) is not Unknown and amount != value:
                node.note = f"rounded half up to the cent from € {plain(cast(Decimal, value))}"  # the node is new
            nodes.append(node)
    elif plan.amount is not None and type(eligible) is Unknown:
        amount = _open_amount(env, plan.amount, nodes)
    deadlines = _all(env, plan.deadlines, "deadline", nodes)
    values = _all(env, plan.values, "value", nodes)
    shown = [when is None or when(env) is True for _text, when in plan.notes]
    return assemble(plan, on, reference, eligible, amount=amount, deadlines=deadlines, values=values, shown=shown,
                    rule_values=env.cache, trace=tuple(nodes))


def _open_amount(env: Env, part: Part, nodes: list[TraceNode]) -> object:
    """While eligibility is open, what the amount still needs: an Unknown listing it, else None.

    Those facts can change the outcome too, so `missing` lists them now rather than after
    eligibility is settled; the amount itself is given only once the case is eligible.
    """
    depth = env.depth
    try:
        value, node = _traced(env, part, "amount")
    except EvaluationError:  # reported when the case is eligible and the amount is needed
        env.depth = depth
        return None
    if node is not None:
        node.note = "eligibility is not settled yet: the amount the case would have when it is"
        nodes.append(node)
    return value if type(value) is Unknown else None


def _all(env: Env, parts: list[Part], kind: str, nodes: list[TraceNode], tolerant: bool = False) -> list[object]:
    """The values of `parts`; when `tolerant`, a part that cannot be computed is unknown, not an error."""
    out: list[object] = []
    for part in parts:
        if tolerant:
            depth = env.depth
            try:
                value, node = _traced(env, part, kind)
            except EvaluationError:  # outside the window a dated value may not exist
                env.depth = depth
                out.append(Unknown())
                continue
        else:
            value, node = _traced(env, part, kind)
        out.append(value)
        if node is not None:
            nodes.append(node)
    return out


def _traced(env: Env, part: Part, kind: str = "part") -> tuple[object, TraceNode | None]:
    if env.frame is None:
        return part.step(env), None
    parent, env.frame = env.frame, Frame()
    try:
        value = part.step(env)
    finally:
        frame, env.frame = env.frame, parent
    node = TraceNode(id=part.id, label=part.label, kind=kind, expression=part.text, location=part.location,
                     source=None, value=value, tag=part.tag, facts=tuple(sorted(frame.facts.items())),
                     parameters=tuple(frame.parameters), children=tuple(frame.children.values()),
                     aggregates=tuple(frame.aggregates))
    return value, node


def _window_node(plan: DecisionPlan, reference: object) -> TraceNode:
    window = plan.window
    assert window is not None
    value, note = window_state(window, reference)
    return TraceNode(id="window", label={"nl": "Aanvraagperiode", "en": "Application window"}, kind="window",
                     expression=f"{window.start or '…'} – {window.end or '…'}",
                     location=f"{window.span.source.name}:{window.span.line}" if window.span else "",
                     source=str(window.source) if window.source else None, value=value, tag="bool",
                     facts=(), note=note["en"] if note else None)
