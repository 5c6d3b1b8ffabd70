"""Compile a checked measure into a Program of closures, once; evaluation reuses it."""
from __future__ import annotations

from rulerun.dsl import ast
from rulerun.dsl.analysis import CheckedMeasure
from rulerun.dsl.errors import Diagnostic, EvaluationError
from rulerun.dsl.measure import Rule, row_label

from .bounds import bounded, hull, limits_of
from .compile import Compiler
from .runtime import CompiledParameter, CompiledRule, Program
from .values import Unknown, unknown_of


def _location(span) -> str:
    return f"{span.source.name}:{span.line}" if span is not None else ""


def _citation(citation) -> str | None:
    return str(citation) if citation is not None else None


def _checked(node: ast.Expr | None) -> ast.Expr:
    """An expression that a checked measure always has: only a partial load, which never compiles, lacks one."""
    if node is None:
        raise ValueError("a measure with load problems cannot be compiled")
    return node


def _table(compiler: Compiler, rule: Rule):
    rows = [(compiler.compile(r.when) if r.when is not None else None, compiler.compile(_checked(r.then)),
             row_label(i, r), r)
            for i, r in enumerate(rule.rows)]

    def step(env):
        open_rows: list = []  # conditions left unknown, and the values of the rows they may select
        for when, then, label, row in rows:
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


def conjuncts(node: ast.Expr | None, typing) -> tuple[str, ...]:
    """The rules that are top-level `and`-conjuncts of `node` (for reporting failed conditions)."""
    out: list[str] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop(0)
        if isinstance(current, ast.Binary) and current.op == "and":
            stack[:0] = [current.left, current.right]
        elif isinstance(current, ast.Name):
            ref = typing.refs.get(id(current))
            if ref is not None and ref.kind == "rule" and not ref.fields:
                out.append(ref.name)
    return tuple(out)


def compile_measure(checked: CheckedMeasure) -> Program:
    """Build the Program for a checked measure."""
    compiler = Compiler(checked.typing, checked.facts)
    program = Program()
    for name, (parameter, t) in checked.parameters.items():
        versions = []
        for version in parameter.versions:
            if version.value is not None:
                value = compiler.compile(version.value)(None)
            else:
                value = {k: compiler.compile(_checked(v))(None) for k, v in (version.values or {}).items()}
            source = version.source or parameter.source
            versions.append((version.since, value, _citation(source), version.until))
        program.parameters[name] = CompiledParameter(name, t.tag, versions, parameter.keys is not None)
    for name, (rule, t, _scope) in checked.rules.items():
        step = compiler.compile(rule.expr) if rule.expr is not None else _table(compiler, rule)
        program.rules[name] = CompiledRule(
            id=name, step=step, tag=t.tag, label=rule.label.as_dict(), kind="expr" if rule.expr else "table",
            expression=rule.text, location=_location(rule.span), source=_citation(rule.source),
            references=checked.references.get(name, ()), conjuncts=conjuncts(rule.expr, checked.typing))
    if checked.measure.reference_date is not None:
        program.reference_date = compiler.compile(checked.measure.reference_date)
    return program
