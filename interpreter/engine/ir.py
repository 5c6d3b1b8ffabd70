"""The lowered form of a checked measure: one typed node per construct, what every back-end compiles from.

`lower.lower_measure` builds it once per measure. Each node carries the type tag of its result
(`tag`), whether evaluating it can meet Unknown (`unknown`), and the checked expression it came
from (`source`, for error positions and the trace). References are resolved (a rule by its slot,
a fact by its path with its declared bounds), operators and functions are bound to their
implementations (`lower.Operation`), so a back-end needs neither the checker's side tables nor
name lookups of its own.

`unknown` is False only where no case can make the value Unknown: a literal, the evaluation date,
a parameter read on a date that is always known, and anything built from those alone. A fact may
always be left out of a case, so a fact read and everything above it is True. A back-end may skip
its Unknown handling where it is False.
"""
from __future__ import annotations

import datetime
from typing import Any, Callable, Protocol, TypeVar, Union, dataclass_transform

from rulerun.dsl import ast
from rulerun.dsl.measure import Fact, Rule, Text, Window
from rulerun.dsl.records import record


_Class = TypeVar("_Class", bound=type)


@dataclass_transform(frozen_default=True)
def node(cls: _Class) -> _Class:
    """The class remade slotted and immutable, its fields those it annotates in order, compared by value."""
    made: _Class = record(frozen=True, slots=True)(cls)
    return made


#: The kind of an operation (`Operation.kind`), for a back-end that writes it out rather than calling `impl`.
COMPARISON, ARITHMETIC, NEGATION, QUOTIENT, MATCH, FUNCTION = (
    "comparison", "arithmetic", "negation", "quotient", "match", "function")


class Operation(Protocol):
    """An operator or function bound to its implementation: what `lower.bind` gives (`lower.Operation`)."""

    @property
    def kind(self) -> str: ...  # comparison, arithmetic, negation, quotient, match or function
    @property
    def key(self) -> str: ...  # the implementation key: an operator, a BINARY key, a function name
    @property
    def impl(self) -> Callable[..., Any]: ...
    @property
    def at(self) -> ast.Expr: ...  # where an error of the implementation is reported
    @property
    def tag(self) -> str: ...
    @property
    def spread(self) -> bool: ...  # variadic: `impl` takes one tuple of all the operands


@node
class Literal:
    """A constant value written in the measure."""

    tag: str
    unknown: bool
    source: ast.Expr
    value: object


@node
class FactRead:
    """A fact of the case, or a field of a record fact: Unknown naming `path` when the case leaves it out."""

    tag: str
    unknown: bool
    source: ast.Expr
    keys: tuple[str, ...]  # the fact's name, then the fields walked
    path: str  # the keys joined by dots, as `missing` names it
    low: object  # the declared bounds an absent value keeps (None where there is none)
    high: object


@node
class RuleRef:
    """The value of another rule, by its slot in `LoweredMeasure.rules`."""

    tag: str
    unknown: bool
    source: ast.Expr | None  # None for a condition of a list of conditions, named rather than written
    slot: int
    name: str


@node
class ParameterRead:
    """A parameter's value on the reference date, or `on` another date; for `key` when it has a value per key."""

    tag: str
    unknown: bool
    source: ast.Expr  # where a missing version or key is reported
    name: str
    key: Node | None
    on: Node | None  # None: the reference date
    fields: tuple[str, ...]  # of a record value


@node
class LoopVar:
    """The item an aggregate is at, or a field of it; `origin` is the fact path of the list, to name an absent field."""

    tag: str
    unknown: bool
    source: ast.Expr
    name: str
    fields: tuple[str, ...]
    origin: str | None


@node
class Constant:
    """`evaluation_date` (the day the case is decided on) or `reference_date`."""

    tag: str
    unknown: bool
    source: ast.Expr
    name: str


@node
class FieldAccess:
    """Fields of a record value computed by `target` (a rule's or a parameter's)."""

    tag: str
    unknown: bool
    source: ast.Expr
    target: Node
    fields: tuple[str, ...]


@node
class Apply:
    """An operator or function bound to its implementation (`operation`), over its lowered operands."""

    tag: str
    unknown: bool
    source: ast.Expr
    operation: Operation
    operands: tuple[Node, ...]


@node
class And:
    """Three-valued `and`: false on either side decides it; the right side is read only when it can matter."""

    tag: str
    unknown: bool
    source: ast.Expr
    left: Node
    right: Node


@node
class Or:
    """Three-valued `or`: true on either side decides it."""

    tag: str
    unknown: bool
    source: ast.Expr
    left: Node
    right: Node


@node
class Not:
    """Three-valued `not`."""

    tag: str
    unknown: bool
    source: ast.Expr
    operand: Node


@node
class If:
    """`if cond then a else b`; with an unknown condition, settled only when both branches agree."""

    tag: str
    unknown: bool
    source: ast.Expr
    cond: Node
    then: Node
    otherwise: Node


@node
class ListOf:
    """A list literal `[a, b]`."""

    tag: str
    unknown: bool
    source: ast.Expr
    items: tuple[Node, ...]


@node
class ListOrigin:
    """Where an aggregate's list is in the case: a fact's path, or a field of an enclosing loop variable's item."""

    fact: str | None  # the fact path, `aandeelhouders`
    var: str | None  # else the loop variable whose item holds the list
    suffix: str  # the fields after that variable, `.bestuurders`


@node
class Aggregate:
    """`func(body for each var in source where filter else default)`: sum, count, min, max, any or all."""

    tag: str
    unknown: bool
    source: ast.Aggregate
    func: str
    var: str
    items: Node
    body: Node | None
    where: Node | None
    default: Node | None
    origin: ListOrigin | None  # None: a computed list, not one of the case


@node
class Given:
    """`given(fact)`: whether the case gives the fact `read` reads; never unknown."""

    tag: str
    unknown: bool
    source: ast.Expr
    read: Node


@node
class AllOf:
    """Every rule of a list of conditions, all evaluated (no short-circuit, so that each failure is known)."""

    tag: str
    unknown: bool
    source: ast.Expr | None  # a list of conditions is no expression of its own
    rules: tuple[RuleRef, ...]


Node = Union[Literal, FactRead, RuleRef, ParameterRead, LoopVar, Constant, FieldAccess, Apply, And, Or, Not, If,
             ListOf, Aggregate, Given, AllOf]


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of `node`, in evaluation order."""
    if isinstance(node, ParameterRead):
        return tuple(n for n in (node.key, node.on) if n is not None)
    if isinstance(node, FieldAccess):
        return (node.target,)
    if isinstance(node, Apply):
        return node.operands
    if isinstance(node, (And, Or)):
        return (node.left, node.right)
    if isinstance(node, Not):
        return (node.operand,)
    if isinstance(node, If):
        return (node.cond, node.then, node.otherwise)
    if isinstance(node, ListOf):
        return node.items
    if isinstance(node, Aggregate):
        return tuple(n for n in (node.items, node.where, node.body, node.default) if n is not None)
    if isinstance(node, Given):
        return (node.read,)
    if isinstance(node, AllOf):
        return node.rules
    return ()


@node
class Row:
    """A row of a decision table; `when` is None for the `otherwise` row."""

    when: Node | None
    then: Node
    label: str  # how the trace names it: `2`, `1 (groot project)`, `otherwise`


@node
class Table:
    """A decision table: the first row whose condition holds gives the value."""

    tag: str
    unknown: bool
    rule: Rule  # for the error when no row matches
    rows: tuple[Row, ...]


@node
class LoweredRule:
    """A rule in its slot, with what the trace says about it."""

    slot: int
    name: str
    body: Node | Table
    tag: str
    unknown: bool
    label: dict
    kind: str  # "expr" or "table"
    expression: str  # as written
    location: str  # `file.yaml:12`
    citation: str | None
    references: tuple[str, ...]  # the rules it reads, as the trace lists those not evaluated
    conjuncts: tuple[str, ...]  # the rules that are its top-level `and`-conjuncts, to report failed conditions


@node
class ParameterVersion:
    """One version of a parameter: from `since` (None: always) until `until` (None: open), one value or one per key."""

    since: datetime.date | None
    until: datetime.date | None
    value: Node | dict[str, Node]
    citation: str | None


@node
class LoweredParameter:
    """A parameter with its versions in date order."""

    name: str
    tag: str
    keyed: bool
    versions: tuple[ParameterVersion, ...]


@node
class DecisionPart:
    """A part of the decision (eligibility, amount, a deadline, a value) with how the trace names it."""

    id: str
    label: dict
    text: str
    location: str
    body: Node

    @property
    def tag(self) -> str:
        """The type of the part's value."""
        return self.body.tag


@node
class DecisionNote:
    """A remark shown with the decision when `when` holds (always when None)."""

    text: Text
    when: Node | None


@node
class LoweredDecision:
    """What the measure decides: eligibility from one expression or a list of conditions, then the rest."""

    eligible: DecisionPart
    eligible_kind: str  # "eligible" for one expression, "conditions" for a list of conditions
    conditions: tuple[str, ...]  # the rules whose failure the decision reports
    amount: DecisionPart | None
    deadlines: tuple[DecisionPart, ...]
    values: tuple[DecisionPart, ...]
    notes: tuple[DecisionNote, ...]


@node
class LoweredMeasure:
    """A checked measure lowered: everything a back-end reads, and nothing of the checker's."""

    measure_id: str
    path: str
    window: Window | None
    facts: dict[str, Fact]  # the declarations: types and bounds of the case's inputs
    rules: tuple[LoweredRule, ...]
    slots: dict[str, int]  # rule name -> slot
    parameters: dict[str, LoweredParameter]
    reference_date: Node | None  # None: the evaluation date
    decision: LoweredDecision

    def rule(self, name: str) -> LoweredRule:
        """The rule called `name`."""
        return self.rules[self.slots[name]]


def walk(root: Node | Table) -> list[Node | Table]:
    """`root` and every node below it, without recursion (a long chain of `and`s is deep)."""
    out: list[Node | Table] = []
    pending: list[Node | Table] = [root]
    while pending:
        current = pending.pop()
        out.append(current)
        if isinstance(current, Table):
            for row in reversed(current.rows):
                pending.append(row.then)
                if row.when is not None:
                    pending.append(row.when)
        else:
            pending.extend(reversed(children(current)))
    return out


def measure_nodes(lowered: LoweredMeasure) -> list[Node | Table]:
    """Every node of a lowered measure: rules, parameter values, the reference date and the decision."""
    roots: list[Node | Table] = [rule.body for rule in lowered.rules]
    for parameter in lowered.parameters.values():
        for version in parameter.versions:
            roots.extend(version.value.values() if isinstance(version.value, dict) else (version.value,))
    if lowered.reference_date is not None:
        roots.append(lowered.reference_date)
    decision = lowered.decision
    parts = [decision.eligible, *([decision.amount] if decision.amount else []), *decision.deadlines, *decision.values]
    roots.extend(p.body for p in parts)
    roots.extend(n.when for n in decision.notes if n.when is not None)
    return [n for root in roots for n in walk(root)]
