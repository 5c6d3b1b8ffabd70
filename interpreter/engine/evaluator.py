"""Evaluate a compiled measure for one case and assemble the decision with its trace."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from rulerun.dsl import ast
from rulerun.dsl.analysis import CheckedMeasure, check_measure
from rulerun.dsl.deep import run_deep, too_deep
from rulerun.dsl.errors import RulerunError
from rulerun.dsl.loader import load_measure

from .codegen import Generated, generate, generate_batch
from .compile import Compiler
from ..formats.facts import read_facts
from .logic import and3
from .program import compile_measure, conjuncts
from .runtime import Env, Frame, Program
from .trace import Decision, TraceNode
from .values import Unknown, plain, round_cents


@dataclass
class Part:
    """A compiled part of the decision (eligibility, amount, a deadline, a value, a note)."""

    id: str
    label: dict
    text: str
    location: str
    step: object
    tag: str


class CompiledMeasure:
    """A loaded, checked and compiled measure: evaluate it for many cases."""

    def __init__(self, checked: CheckedMeasure):
        self.checked = checked
        self.measure = checked.measure
        self.program: Program = compile_measure(checked)
        compiler = Compiler(checked.typing)
        decision = self.measure.decision
        if decision.eligible is not None:
            self.eligible = self._part(compiler, "eligible", {"nl": "Komt in aanmerking", "en": "Eligible"},
                                       decision.eligible, decision.eligible_text)
            self.conditions = list(conjuncts(decision.eligible, checked.typing))
        else:
            self.conditions = [c for c, _ in decision.conditions]
            self.eligible = Part("eligible", {"nl": "Voorwaarden", "en": "Conditions"}, " and ".join(self.conditions),
                                 self.measure.path, _all_of(self.conditions), "bool")
        self.amount = (self._part(compiler, "amount", {"nl": "Bedrag", "en": "Amount"}, decision.amount,
                                  decision.amount_text) if decision.amount is not None else None)
        self.deadlines = [self._named(compiler, n) for n in decision.deadlines]
        self.values = [self._named(compiler, n) for n in decision.values]
        self.notes = [(note.text, compiler.compile(note.when) if note.when is not None else None)
                      for note in decision.notes]
        self.deadline_ids = [p.id for p in self.deadlines]
        # The rules whose values say which conditions failed: the conditions and their conjuncts.
        self.reported = list(dict.fromkeys(
            [*self.conditions, *(c for rule in self.program.rules.values() for c in rule.conjuncts)]))
        self.generated, self.batch = _generate(self)

    def _named(self, compiler: Compiler, named) -> Part:
        label = named.label.as_dict() if named.label else {"nl": named.name, "en": named.name}
        return self._part(compiler, named.name, label, named.expr, named.text)

    def _part(self, compiler: Compiler, ident: str, label: dict, node, text) -> Part:
        span = node.span
        return Part(ident, label, text or "", f"{span.source.name}:{span.line}", compiler.compile(node),
                    self.checked.typing.types[id(node)].tag)

    def read_facts(self, raw, document=None, base: tuple = ()) -> dict:
        """Validate and convert raw case facts for this measure."""
        return read_facts(self.checked.facts, raw, document, base)

    def evaluate(self, facts: dict, on: datetime.date, trace: bool = True) -> Decision:
        """The decision for typed `facts`, evaluated on `on`."""
        if not trace and self.generated is not None:
            decision = _decide_known(self, facts, on)
            if decision is not None:
                return decision
        return _decide(self, facts, on, trace)

    def decide_many(self, cases: Iterable[tuple[dict, datetime.date]], chunk: int = 1000
                    ) -> Iterator[Decision | RulerunError]:
        """Decisions without trace for (typed facts, date) pairs, in order; a case that fails yields its error."""
        from .columns import decide_columns
        pending: list = []
        for pair in cases:
            pending.append(pair)
            if len(pending) == chunk:
                yield from _decisions(decide_columns(self, pending))
                pending = []
        if pending:
            yield from _decisions(decide_columns(self, pending))


def _decisions(columns) -> Iterator[Decision | RulerunError]:
    for i in range(len(columns)):
        yield columns.errors[i] if i in columns.errors else columns.decision(i)


def _window_closed(compiled: CompiledMeasure, on: datetime.date, reference: datetime.date) -> Decision:
    _value, note = _window_state(compiled.measure.window, reference)
    return Decision(measure=compiled.measure.id, evaluated_on=on, reference_date=reference, eligible="no",
                    amount=None, deadlines={p.id: None for p in compiled.deadlines}, failed=("window",),
                    notes=(note,), outcome={p.id: (None, p.tag) for p in compiled.values})


_TRUE = ast.Literal("bool", True, None)


def _generate(compiled: CompiledMeasure) -> tuple:
    """The measure's decision as generated Python for one case and for many; None when Python cannot hold it."""
    measure = compiled.measure
    parts: dict = {}
    if measure.reference_date is not None:
        parts["reference"] = measure.reference_date
    decision = measure.decision
    parts["eligible"] = decision.eligible if decision.eligible is not None else tuple(compiled.conditions)
    if decision.amount is not None:
        parts["amount"] = decision.amount
    for named in decision.deadlines:
        parts[("deadline", named.name)] = named.expr
    for named in decision.values:
        parts[("value", named.name)] = named.expr
    for i, note in enumerate(decision.notes):
        parts[("note", i)] = note.when if note.when is not None else _TRUE
    checked = compiled.checked
    rules = {name: r for name, (r, _t, _s) in checked.rules.items()}
    try:
        one = generate(measure.id, checked.typing, rules, compiled.program, parts, compiled.conditions)
        many = generate_batch(measure.id, checked.typing, rules, compiled.program, parts, compiled.conditions,
                              compiled.reported, measure.window is not None)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None, None  # e.g. nesting deeper than Python's compiler takes: the closures decide
    return one, many


def _decide_known(compiled: CompiledMeasure, facts: dict, on: datetime.date) -> Decision | None:
    """The decision by the generated code, without trace; None when the closure evaluator must decide."""
    parts = compiled.generated.parts
    memo: dict = {}
    try:
        reference = parts["reference"](facts, memo, on, on) if "reference" in parts else on
        if _window_state(compiled.measure.window, reference)[0] is False:
            return _window_closed(compiled, on, reference)
        eligible = parts["eligible"](facts, memo, reference, on)
        amount = (round_cents(parts["amount"](facts, memo, reference, on))
                  if eligible and compiled.amount is not None else None)
        deadlines = {p.id: parts["deadline", p.id](facts, memo, reference, on) for p in compiled.deadlines}
        outcome = {p.id: (parts["value", p.id](facts, memo, reference, on), p.tag) for p in compiled.values}
        notes = tuple(text.as_dict() for i, (text, _when) in enumerate(compiled.notes)
                      if parts["note", i](facts, memo, reference, on) is True)
    except Exception:  # noqa: BLE001 - an unknown fact or an error to report: the closure evaluator decides
        return None
    return Decision(measure=compiled.measure.id, evaluated_on=on, reference_date=reference,
                    eligible="yes" if eligible else "no", amount=amount, deadlines=deadlines,
                    failed=() if eligible else tuple(_failed(compiled, memo)), notes=notes, outcome=outcome)


def _all_of(conditions: list[str]):
    """A step that evaluates every condition (no short-circuit, so that every failure is reported)."""
    def step(env):
        value = True
        for name in conditions:
            value = and3(value, env.rule(name))
        return value
    return step


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
                     parameters=tuple(frame.parameters), children=tuple(frame.children.values()))
    return value, node


def _failed(compiled: CompiledMeasure, cache: dict) -> list[str]:
    """The conditions that failed, each traced down to the deepest failed conjuncts evaluated."""
    failed: list[str] = []
    for name in compiled.conditions:
        if cache.get(name) is False:
            failed += [f for f in _failed_leaves(compiled, cache, name) if f not in failed]
    return failed or ["eligible"]


def _failed_leaves(compiled: CompiledMeasure, cache: dict, name: str) -> list[str]:
    """The deepest failed conjuncts below `name`, in order; a list of rules still to open, not recursion."""
    out: list[str] = []
    pending = [name]
    while pending:
        current = pending.pop()
        group = compiled.program.rules[current].conjuncts
        below = [c for c in group if cache.get(c) is False] if len(group) > 1 else []
        if below:
            pending += reversed(below)
        else:
            out.append(current)
    return out


def _window_state(window, day) -> tuple[object, dict | None]:
    """Whether `day` falls in the measure's application window, and the note when it does not."""
    if window is None or type(day) is Unknown:
        return (True if window is None else day), None
    if window.start and day < window.start:
        return False, {"nl": f"aanvragen kunnen pas vanaf {window.start.isoformat()}",
                       "en": f"applications open on {window.start.isoformat()}"}
    if window.end and day > window.end:
        return False, {"nl": f"aanvragen konden tot en met {window.end.isoformat()}",
                       "en": f"applications closed on {window.end.isoformat()}"}
    return True, None


def _window(compiled: CompiledMeasure, env: Env):
    window = compiled.measure.window
    if window is None:
        return True, None, None
    value, note = _window_state(window, env.reference_date())
    label = {"nl": "Aanvraagperiode", "en": "Application window"}
    text = f"{window.start or '…'} – {window.end or '…'}"
    node = TraceNode(id="window", label=label, kind="window", expression=text,
                     location=f"{window.span.source.name}:{window.span.line}" if window.span else "",
                     source=str(window.source) if window.source else None, value=value, tag="bool",
                     facts=(), note=note["en"] if note else None) if env.frame is not None else None
    return value, node, note


def _decide(compiled: CompiledMeasure, facts: dict, on: datetime.date, trace: bool) -> Decision:
    env = Env(compiled.program, facts, on, trace)
    return env.settle(lambda: _decide_in(compiled, env, on))


def _decide_in(compiled: CompiledMeasure, env: Env, on: datetime.date) -> Decision:
    """The decision, evaluated in `env`; run again after a long chain of rules was set aside (Env.settle)."""
    nodes: list[TraceNode] = []
    reference = env.reference_date()
    window_ok, window_node, window_note = _window(compiled, env)
    if window_node is not None:
        nodes.append(window_node)
    failed: list[str] = []
    notes: list[dict] = []
    deadlines: dict = {p.id: None for p in compiled.deadlines}
    outcome: dict = {p.id: (None, p.tag) for p in compiled.values}
    missing: set[str] = set()
    amount = None
    if window_ok is False:
        # Outside the window the measure does not apply: its dated values may not even exist.
        eligible = False
        failed.append("window")
        notes.append(window_note)
    else:
        kind = "eligible" if compiled.measure.decision.eligible is not None else "conditions"
        value, node = _traced(env, compiled.eligible, kind)
        if node is not None:
            nodes.append(node)
        eligible = and3(window_ok, value)
        if eligible is False:
            failed = _failed(compiled, env.cache)
        if type(eligible) is Unknown:
            missing |= eligible.missing
        if compiled.amount is not None and eligible is True:
            value, node = _traced(env, compiled.amount, "amount")
            if type(value) is Unknown:
                missing |= value.missing
            else:
                amount = round_cents(value)
            if node is not None:
                if amount is not None and amount != value:
                    node.note = f"rounded half up to the cent from € {plain(value)}"  # the node is new
                nodes.append(node)
        for part in compiled.deadlines:
            value, node = _traced(env, part, "deadline")
            deadlines[part.id] = None if type(value) is Unknown else value
            if node is not None:
                nodes.append(node)
        for part in compiled.values:
            value, node = _traced(env, part, "value")
            outcome[part.id] = (None if type(value) is Unknown else value, part.tag)
            if node is not None:
                nodes.append(node)
        for text, when in compiled.notes:
            if when is None or when(env) is True:
                notes.append(text.as_dict())
    state = "yes" if eligible is True else "no" if eligible is False else "undetermined"
    return Decision(measure=compiled.measure.id, evaluated_on=on,
                    reference_date=reference if isinstance(reference, datetime.date) else None,
                    eligible=state, amount=amount, deadlines=deadlines, failed=tuple(failed),
                    missing=tuple(sorted(missing)), notes=tuple(notes), trace=tuple(nodes), outcome=outcome)


def load(path: str | Path, display: str | None = None) -> CompiledMeasure:
    """Load, check and compile a measure file (raises MeasureError with every problem).

    Always on a deep thread: a RecursionError inside a library (the schema validator's) does not
    always come out as one, so a retry could not tell it; a load costs far more than a thread.
    """
    return run_deep(_load, path, display)


def _load(path: str | Path, display: str | None) -> CompiledMeasure:
    try:
        return CompiledMeasure(check_measure(load_measure(path, display, partial=True)))
    except RecursionError:
        raise too_deep(display or str(path)) from None


def evaluate(measure: CompiledMeasure | str | Path, facts: dict, on: datetime.date | None = None,
             trace: bool = True) -> Decision:
    """Evaluate `measure` for raw `facts` (as read from YAML/JSON) on date `on` (default: today)."""
    compiled = measure if isinstance(measure, CompiledMeasure) else load(measure)
    typed = compiled.read_facts(facts)
    return compiled.evaluate(typed, on or datetime.date.today(), trace)
