"""Compile a lowered measure (ir.LoweredMeasure) into a Program of closures, once; evaluation reuses it."""
from __future__ import annotations

from rulerun.dsl.errors import Diagnostic, EvaluationError

from . import ir
from .bounds import bounded, hull, limits_of
from .compile import Compiler
from .runtime import CompiledParameter, CompiledRule, Program
from .steps import Step
from .values import Unknown, unknown_of


def _table(compiler: Compiler, table: ir.Table) -> Step:
    rows = [(compiler.compile(r.when) if r.when is not None else None, compiler.compile(r.then), r.label)
            for r in table.rows]
    rule = table.rule

    def step(env):
        open_rows: list = []  # conditions left unknown, and the values of the rows they may select
        for when, then, label in rows:
            hit = True if when is None else when(env)
            if hit is True:
                if not open_rows:
                    if env.frame is not None:
                        env.frame.row = label
                    return then(env)
                return _undecided(env, open_rows, tentative(env, then), True)
            if type(hit) is Unknown:
                if env.frame is not None and not open_rows:
                    env.frame.row = f"undecided at {label}"
                open_rows += [hit, tentative(env, then)]
        if open_rows:
            return _undecided(env, open_rows, None, False)
        raise EvaluationError(Diagnostic(f"no row of table `{rule.id}` matches this case", rule.span,
                                         "add an `otherwise` row"))
    return step


def tentative(env, step):
    """The value of a row that may or may not be selected; one that cannot be computed is unknown.

    Evaluated so that its missing facts are listed; an error it would raise is reported only
    when the row is selected, as before.
    """
    depth = env.depth
    try:
        return step(env)
    except EvaluationError:
        env.depth = depth
        return Unknown()


def _undecided(env, open_rows: list, last, matched: bool):
    """A table's value when some row's condition is unknown: settled only when every possible row agrees.

    `open_rows` alternates unknown conditions and their rows' values; `last` is the value of the first
    row whose condition holds (`matched`), after them.
    """
    values = open_rows[1::2] + ([last] if matched else [])
    first = values[0]
    if matched and all(type(v) is not Unknown for v in values) and all(v == first for v in values):
        if env.frame is not None:
            env.frame.row += "; every row that may apply gives this value"
        return first
    if not matched:
        return unknown_of(*open_rows)
    return bounded(unknown_of(*open_rows, last), *limits_of(hull(values)))


def compile_measure(lowered: ir.LoweredMeasure, compiler: Compiler | None = None) -> Program:
    """Build the Program for a lowered measure (with `compiler`, one that adds to every closure)."""
    compiler = compiler or Compiler()
    program = Program()
    for name, parameter in lowered.parameters.items():
        versions = []
        for version in parameter.versions:
            # A parameter's values are literals: computed once, here, without a case.
            value = (compiler.compile(version.value)(None) if not isinstance(version.value, dict)
                     else {k: compiler.compile(v)(None) for k, v in version.value.items()})
            versions.append((version.since, value, version.citation, version.until))
        program.parameters[name] = CompiledParameter(name, parameter.tag, versions, parameter.keyed)
    for rule in lowered.rules:
        body = rule.body
        step = _table(compiler, body) if isinstance(body, ir.Table) else compiler.compile(body)
        program.rules[rule.name] = CompiledRule(
            id=rule.name, step=step, tag=rule.tag, label=rule.label, kind=rule.kind, expression=rule.expression,
            location=rule.location, source=rule.citation, references=rule.references, conjuncts=rule.conjuncts)
    if lowered.reference_date is not None:
        program.reference_date = compiler.compile(lowered.reference_date)
    return program
