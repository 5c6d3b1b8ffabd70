"""From a measure's results to a Decision: the one assembly every back-end ends in."""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Callable, Iterable, Mapping, Sequence

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
        elif current not in out:  # a conjunct two failed rules share is named once
            out.append(current)
    return out


#: A decision's verdict: eligible word, amount, failed conditions, missing facts, facts the amount misses, window note.
Verdict = tuple[str, Decimal | None, tuple[str, ...], tuple[str, ...], tuple[str, ...], dict | None]


def verdict(plan: DecisionPlan, reference: object, eligible: object, amount: object = None,
            rule_values: Mapping[str, object] | None = None, failed_conditions: Callable[[], tuple] | None = None
            ) -> Verdict:
    """The decision's verdict: (eligible word, amount, failed, missing, amount_missing, the closed window's note).

    `eligible` is True, False or Unknown, the window's verdict included: "no" with the window closed
    (checked here, so the closed-window decision is made in one place). `amount` is rounded, or Unknown;
    `rule_values` are the rules evaluated, to list the failed conditions (read only when not eligible);
    or `failed_conditions` gives that list (`failed`) as its caller keeps it.
    The note is None unless the window is closed. `assemble` and the batch's columns both end here.
    """
    if plan.window is not None:
        is_open, window_note = window_state(plan.window, reference)
        if is_open is False and window_note is not None:
            # Outside the window the measure does not apply: the window is the reason.
            return "no", None, ("window",), (), (), window_note
    missing: tuple[str, ...] = ()
    amount_missing = tuple(sorted(amount.missing)) if eligible is True and type(amount) is Unknown else ()
    if type(eligible) is Unknown or type(amount) is Unknown:
        missing = tuple(sorted({name for value in (eligible, amount) if type(value) is Unknown
                                for name in value.missing}))
    return ("yes" if eligible is True else "no" if eligible is False else "undetermined",
            amount if isinstance(amount, Decimal) else None,
            (() if eligible is not False else failed_conditions() if failed_conditions is not None
             else failed(plan, rule_values or {})), missing, amount_missing, None)


def assemble(plan: DecisionPlan, on: datetime.date, reference: object, eligible: object, *,
             amount: object = None, deadlines: Sequence = (), values: Sequence = (), shown: Iterable = (),
             rule_values: Mapping[str, object] | None = None, trace: tuple[TraceNode, ...] = ()) -> Decision:
    """The Decision from the results of the plan's steps (see `verdict`).

    `deadlines` and `values` follow the plan's order (Unknown becomes None); `shown` has a flag per note.
    Outside the window the deadlines and values the facts allow are still given (a dated value that
    does not exist then is unknown), with the window as the note.
    """
    word, amount, failed_conditions, missing, amount_missing, window_note = verdict(
        plan, reference, eligible, amount, rule_values)
    notes = ((window_note,) if window_note is not None else
             tuple(text.as_dict() for (text, _when), flag in zip(plan.notes, shown) if flag is True))
    return Decision(
        measure=plan.measure_id, evaluated_on=on,
        reference_date=reference if isinstance(reference, datetime.date) else None,
        eligible=word, amount=amount, deadlines=_deadlines(plan, deadlines), failed=failed_conditions,
        missing=missing, notes=notes, trace=trace, outcome=_outcome(plan, values), amount_missing=amount_missing)


def _deadlines(plan: DecisionPlan, deadlines: Sequence) -> dict:
    if not deadlines:
        return {p.id: None for p in plan.deadlines}
    return {p.id: known(v) for p, v in zip(plan.deadlines, deadlines)}


def _outcome(plan: DecisionPlan, values: Sequence) -> dict:
    if not values:
        return {p.id: (None, p.tag) for p in plan.values}
    return {p.id: (known(v), p.tag) for p, v in zip(plan.values, values)}


def known(value: object) -> object:
    """A result as a decision gives it: None when it is Unknown."""
    return None if type(value) is Unknown else value
