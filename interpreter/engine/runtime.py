"""The evaluation environment of one case: facts, memoised rules, dated parameters, tracing."""
from __future__ import annotations

import datetime

from rulerun.dsl import ast
from rulerun.dsl.errors import Diagnostic, EvaluationError
from rulerun.dsl.records import field, record

from .steps import Step
from .trace import AggregateRead, ParameterRead, TraceNode
from .values import Unknown

_MISSING = object()
#: Rules evaluated inside one another before the innermost is set aside to be evaluated first.
MAX_NESTED_RULES = 200


class Deeper(Exception):
    """A rule needed this deep in a chain of rules: evaluate it first (see `Env.settle`)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


@record
class CompiledParameter:
    """A parameter ready for lookup: dated versions of one value or of a value per key."""

    name: str
    tag: str
    versions: list[tuple[datetime.date | None, object, str | None, datetime.date | None]]
    keyed: bool

    def version(self, on: datetime.date):
        """The version in force on `on`: (since, value, source), or None when no version covers `on`."""
        chosen = None
        for since, value, source, until in self.versions:
            if since is None or since <= on:
                chosen = (since, value, source) if until is None or on <= until else None
            else:
                break
        return chosen


@record
class CompiledRule:
    """A rule ready to run, with what the trace needs to say about it."""

    id: str
    step: Step
    tag: str
    label: dict
    kind: str
    expression: str
    location: str
    source: str | None
    references: tuple[str, ...] = ()
    conjuncts: tuple[str, ...] = ()


@record
class Program:
    """Everything compiled from one measure."""

    rules: dict[str, CompiledRule] = field(default_factory=dict)
    parameters: dict[str, CompiledParameter] = field(default_factory=dict)
    reference_date: object = None


class Frame:
    """What one rule read while it was evaluated (only when tracing)."""

    __slots__ = ("facts", "parameters", "children", "row", "aggregates", "inside")

    def __init__(self) -> None:
        self.facts: dict[str, tuple[object, str]] = {}  # path -> (value, type tag)
        self.parameters: list[ParameterRead] = []
        self.children: dict[str, TraceNode] = {}  # by rule, in the order first needed
        self.row: str | None = None
        self.aggregates: list[AggregateRead] = []
        self.inside = 0  # aggregates being evaluated: one inside another is shown through the outer one


class Env:
    """The state of evaluating one case."""

    __slots__ = ("program", "facts", "on", "vars", "items", "cache", "frame", "_reference", "nodes", "depth",
                 "failed")

    def __init__(self, program: Program, facts: dict, on: datetime.date, trace: bool = False):
        self.program = program
        self.facts = facts
        self.on = on
        self.vars: dict = {}
        self.items: dict = {}  # loop variable -> (path of its list, index of the item), to name a missing field
        self.cache: dict = {}
        self.frame: Frame | None = Frame() if trace else None
        self._reference = _MISSING
        self.nodes: dict[str, TraceNode] = {}
        self.depth = 0  # rules being evaluated inside one another; reset by `settle` when it stops them
        self.failed: dict[str, EvaluationError] = {}  # rules set aside by `settle` whose evaluation raised

    def fact(self, path: str, keys: tuple[str, ...], tag: str = ""):
        """A fact's value, or Unknown naming it when the case does not give it."""
        value: object = self.facts
        for key in keys:
            if type(value) is not dict or key not in value:
                value = Unknown((path,))
                break
            value = value[key]
        if value is None:
            value = Unknown((path,))
        if self.frame is not None:
            self.frame.facts[path] = (value, tag)
        return value

    def rule(self, name: str):
        """A rule's value, evaluated once per case."""
        if self.frame is None:
            value = self.cache.get(name, _MISSING)
            if value is _MISSING:
                if name in self.failed:
                    raise self.failed[name]
                depth = self.depth
                if depth >= MAX_NESTED_RULES:
                    raise Deeper(name)
                self.depth = depth + 1
                value = self.cache[name] = self.program.rules[name].step(self)
                self.depth = depth
            return value
        return self.traced_rule(name)

    def traced_rule(self, name: str):
        """A rule's value; records its trace node in the calling frame."""
        parent = self.frame
        node = self.nodes.get(name)
        if node is None:
            if name in self.failed:
                raise self.failed[name]
            depth = self.depth
            if depth >= MAX_NESTED_RULES:
                raise Deeper(name)
            rule = self.program.rules[name]
            # Loop variables need no fresh scope: rules cannot read them, and aggregates restore their own.
            self.frame = frame = Frame()
            self.depth = depth + 1
            try:
                value = rule.step(self)
            finally:
                self.frame = parent
            self.depth = depth
            children = frame.children
            node = TraceNode(
                rule.id, rule.label, rule.kind, rule.expression, rule.location, rule.source, value, rule.tag,
                tuple(sorted(frame.facts.items())) if frame.facts else (), tuple(frame.parameters),
                tuple(children.values()), tuple([r for r in rule.references if r not in children]), frame.row,
                aggregates=tuple(frame.aggregates))
            self.nodes[name] = node
            self.cache[name] = value
        if parent is not None and name not in parent.children:
            parent.children[name] = node
        return node.value

    def settle(self, evaluate):
        """`evaluate()`, with the rules of a long chain evaluated first, from the deepest up.

        A rule reads the rules it refers to, and those theirs: evaluated inside one another, a chain
        of 10,000 rules would need as many nested calls. Past MAX_NESTED_RULES the innermost rule
        needed is set aside (`Deeper`), evaluated on its own (memoised, with its trace node), and
        `evaluate` runs again: it finds that rule's value and goes on. Only rules the evaluation
        needs are evaluated, in the order it needs them, so values, errors and traces are the same.
        """
        while True:
            try:
                return evaluate()
            except Deeper as deeper:
                self.depth = 0
                pending = [deeper.name]
            while pending:
                parent, self.frame = self.frame, (Frame() if self.frame is not None else None)
                try:
                    self.rule(pending[-1])  # recorded in a frame of its own, not in the trace
                    pending.pop()
                except Deeper as deeper:
                    pending.append(deeper.name)
                except EvaluationError as error:
                    # Raised again where the evaluation needs the rule: there it may be read only
                    # tentatively (a table row that may not apply, a deadline outside the window).
                    self.failed[pending.pop()] = error
                finally:
                    self.frame = parent
                    self.depth = 0

    def reference_date(self):
        """The date that picks dated parameter values: the measure's reference date, else `on`."""
        if self._reference is _MISSING:
            step = self.program.reference_date
            self._reference = self.on if step is None else step(self)
        return self._reference

    def parameter(self, name: str, key, node: ast.Expr, at: datetime.date | None = None):
        """A parameter's value in force on the reference date (or `at`), for `key` when it is keyed."""
        parameter = self.program.parameters[name]
        on = self.reference_date() if at is None else at
        if type(on) is Unknown:
            return on
        version = parameter.version(on)
        if version is None:
            first = parameter.versions[0][0]
            if first is not None and on < first:
                raise EvaluationError(Diagnostic(
                    f"parameter `{name}` has no value on {on.isoformat()}; its first value applies from "
                    f"{first.isoformat()}", node.span, "add an earlier version, or limit the measure's window"))
            raise EvaluationError(Diagnostic(
                f"parameter `{name}` has no value on {on.isoformat()}: no version covers that date",
                node.span, "add a version for that period, or limit the measure's window"))
        since, value, source = version
        if key is not None:
            if key not in value:
                raise EvaluationError(Diagnostic(
                    f"parameter `{name}` has no value for `{key}`", node.span,
                    "keys: " + ", ".join(value)))
            value = value[key]
        if self.frame is not None and not any(p.name == name and p.key == key and p.at == at
                                              for p in self.frame.parameters):
            # Once per rule, however often it is read (for every item of a list, say).
            self.frame.parameters.append(ParameterRead(name, key, value, parameter.tag, since, source, at))
        return value
