"""From a measure's results to a Decision: the one assembly every back-end ends in."""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

from rulerun.dsl.measure import Window

from .plan import DecisionPlan
from .trace import Decision, TraceNode
from .values import Unknown


def window_state(window: Window | None, day: object) -> tuple[object, dict | None]:
    """Whether `day` falls in the measure's application window, and the note when it does not."""
    if window is None or type(day) is Unknown:
        return (True if window is None else day), None
    assert isinstance(day, datetime.date)
    if window.start and day < window.start:
        return False, {"nl": f"aanvragen kunnen pas vanaf {window.start.isoformat()}",
                       "en": f"applications open on {window.start.isoformat()}"}
    if window.end and day > window.end:
        return False, {"nl": f"aanvragen konden tot en met {window.end.isoformat()}",
                       "en": f"applications closed on {window.end.isoformat()}"}
    return True, None


def window_open(window: Window | None, day: object) -> object:
    """True, False, or Unknown when the reference date is unknown."""
    return window_state(window, day)[0]


def failed(plan: DecisionPlan, rule_values: Mapping[str, object]) -> tuple[str, ...]:
    """The conditions that failed, each traced down to the deepest failed conjuncts evaluated."""
    out: list[str] = []
    for name in plan.conditions:
        if rule_values.get(name) is False:
            out += [f for f in _failed_leaves(plan, rule_values, name) if f not in out]
    return tuple(out) or ("eligible",)


def _failed_leaves(plan: DecisionPlan, rule_values: Mapping[str, object], name: str) -> list[str]:
    """The deepest failed conjuncts below `name`, in order; a list of rules still to open, not recursion."""
    out: list[str] = []
    pending = [name]
    while pending:
        current = pending.pop()
        group = plan.rule_conjuncts[current]
        below = [c for c in group if rule_values.get(c) is False] if len(group) > 1 else []
        if below:
            pending += reversed(below)
        else:
            out.append(current)
    return out


def assemble(plan: DecisionPlan, on: datetime.date, reference: object, eligible: object, *,
             amount: object = None, deadlines: Sequence = (), values: Sequence = (), shown: Iterable = (),
             rule_values: Mapping[str, object] | None = None, trace: tuple[TraceNode, ...] = ()) -> Decision:
    """The Decision from the results of the plan's steps.

    `eligible` is True, False or Unknown, the window's verdict included: False with the window closed
    (checked here, so the closed-window decision is made in one place). `amount` is rounded, or Unknown;
    `deadlines` and `values` follow the plan's order (Unknown becomes None); `shown` has a flag per
    note; `rule_values` are the rules evaluated, to list the failed conditions.
    """
    day = reference if isinstance(reference, datetime.date) else None
    is_open, window_note = window_state(plan.window, reference) if plan.window is not None else (True, None)
    if is_open is False and window_note is not None:
        # Outside the window the measure does not apply; the deadlines and values its facts allow are
        # still given (a dated value that does not exist then is unknown), with the window as the reason.
        return Decision(measure=plan.measure_id, evaluated_on=on, reference_date=day, eligible="no", amount=None,
                        deadlines=_deadlines(plan, deadlines), failed=("window",), notes=(window_note,),
                        trace=trace, outcome=_outcome(plan, values))
    missing: tuple[str, ...] = ()
    amount_missing = tuple(sorted(amount.missing)) if eligible is True and type(amount) is Unknown else ()
    if type(eligible) is Unknown or type(amount) is Unknown:
        missing = tuple(sorted({name for value in (eligible, amount) if type(value) is Unknown
                                for name in value.missing}))
        amount = None if type(amount) is Unknown else amount
    return Decision(
        measure=plan.measure_id, evaluated_on=on, reference_date=day,
        eligible="yes" if eligible is True else "no" if eligible is False else "undetermined",
        amount=amount if isinstance(amount, Decimal) else None,
        deadlines=_deadlines(plan, deadlines),
        failed=failed(plan, rule_values or {}) if eligible is False else (), missing=missing,
        notes=tuple(text.as_dict() for (text, _when), flag in zip(plan.notes, shown) if flag is True),
        trace=trace,
        outcome=_outcome(plan, values), amount_missing=amount_missing)


def _deadlines(plan: DecisionPlan, deadlines: Sequence) -> dict:
    if not deadlines:
        return {p.id: None for p in plan.deadlines}
    return {p.id: _known(v) for p, v in zip(plan.deadlines, deadlines)}


def _outcome(plan: DecisionPlan, values: Sequence) -> dict:
    if not values:
        return {p.id: (None, p.tag) for p in plan.values}
    return {p.id: (_known(v), p.tag) for p, v in zip(plan.values, values)}


def _known(value: object) -> object:
    return None if type(value) is Unknown else value
