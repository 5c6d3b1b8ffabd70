"""Check a loaded measure as a whole: names, types, cycles, parameters, decision, unused items."""
from __future__ import annotations

from . import ast, types
from .checker import Checker, ParameterShape, Typing, did_you_mean
from .errors import Collector, Diagnostic, MeasureError
from .lint import lint
from .loader import load_problems
from .measure import Fact, Measure, Parameter, Rule
from .records import field, record
from .types import BOOL, DATE, ERROR, MONEY, Type, unify


#: Rules named at each end of a cycle in its message; those between are counted.
_CYCLE_SHOWN = 10


@record
class CheckedMeasure:
    """A measure that passed checking, with everything the compiler needs."""

    measure: Measure
    typing: Typing
    facts: dict[str, Fact]
    rules: dict[str, tuple[Rule, Type, "FileScope"]]
    parameters: dict[str, tuple[Parameter, Type]]
    references: dict[str, tuple[str, ...]]
    warnings: list[Diagnostic] = field(default_factory=list)
    used_facts: set[str] = field(default_factory=set)


class FileScope:
    """The names visible in one file: its own rules and parameters, its imports as `alias.name`."""

    def __init__(self, analysis: "_Analysis", measure: Measure, prefix: str):
        self.analysis = analysis
        self.measure = measure
        self.prefix = prefix
        self.current_rule: str | None = None

    def qualify(self, name: str) -> str:
        """The program-wide name of a rule or parameter name as written in this file (`alias.name` too)."""
        scope, local = self._split(name)
        return scope.prefix + local

    def _split(self, name: str):
        alias, _, rest = name.partition(".")
        if rest and alias in self.measure.uses:
            return self.analysis.scopes[self.prefix + alias + "."], rest
        return (self, name) if not rest else (None, None)

    def unread(self, first: str) -> bool:
        """Whether a name starting with `first` may be declared in an imported file that could not be read."""
        # Facts are shared by all files, so any fact may come from an unread file; `alias.x` only from its own.
        return first in self.measure.unusable_imports or (self.analysis.unread and first not in self.measure.uses)

    def fact(self, name: str) -> Type | None:
        fact = self.analysis.facts.get(name)
        if fact is not None:
            self.analysis.used_facts.add(name)
        return fact.type if fact else None

    def rule(self, name: str) -> Type | None:
        scope, local = self._split(name)
        if scope is None or local not in scope.measure.rules:
            return None
        qualified = scope.qualify(local)
        if self.current_rule is not None:
            self.analysis.references.setdefault(self.current_rule, []).append(qualified)
        return self.analysis.rule_type(qualified)

    def rule_name(self, name: str) -> str | None:
        """The program-wide name of rule `name` as written in this file, or None; records no reference."""
        scope, local = self._split(name)
        return scope.qualify(local) if scope is not None and local in scope.measure.rules else None

    def parameter(self, name: str) -> ParameterShape | None:
        scope, local = self._split(name)
        if scope is None or local not in scope.measure.parameters:
            return None
        qualified = scope.qualify(local)
        self.analysis.used_parameters.add(qualified)
        return self.analysis.parameter_shape(qualified)

    def names(self) -> list[str]:
        own = list(self.measure.rules) + list(self.measure.parameters) + list(self.analysis.facts)
        for alias in self.measure.uses:
            sub = self.analysis.scopes[self.prefix + alias + "."]
            own += [f"{alias}.{n}" for n in list(sub.measure.rules) + list(sub.measure.parameters)]
        return own


class _Analysis:
    def __init__(self, measure: Measure):
        self.measure = measure
        self.report = Collector()
        self.typing = Typing()
        self.scopes: dict[str, FileScope] = {}
        self.facts: dict[str, Fact] = {}
        self.rule_types: dict[str, Type] = {}
        self.rules: dict[str, tuple[Rule, FileScope]] = {}
        self.parameters: dict[str, tuple[Parameter, FileScope]] = {}
        self.parameter_types: dict[str, ParameterShape] = {}
        self.in_progress: list[str] = []
        self.references: dict[str, list[str]] = {}
        self.used_facts: set[str] = set()
        self.used_parameters: set[str] = set()
        self.unread = False
        self._collect(measure, "")
        # Errors the loader found (an expression that does not parse) are reported with the rest:
        # what depends on a broken part has no type and is not reported again.
        self.report.items.extend(load_problems(measure))

    def _collect(self, measure: Measure, prefix: str) -> None:
        """The names of `measure` and of the files it imports, depth first, with a list rather than recursion."""
        pending = [(measure, prefix)]
        while pending:
            current, at = pending.pop()
            self._collect_file(current, at)
            pending += reversed([(used, at + alias + ".") for alias, used in current.uses.items()])

    def _collect_file(self, measure: Measure, prefix: str) -> None:
        scope = self.scopes[prefix] = FileScope(self, measure, prefix)
        self.unread = self.unread or bool(measure.unusable_imports)
        for name, fact in measure.facts.items():
            existing = self.facts.get(name)
            if existing is not None and existing.type != fact.type:
                self.report.error(f"fact `{name}` is declared as {fact.type} here and as {existing.type} in "
                                  f"{existing.span.source.name if existing.span else 'another file'}", fact.span,
                                  "one case has one value per fact: give both declarations the same type")
            self.facts.setdefault(name, fact)
        for name, rule in measure.rules.items():
            self.rules[prefix + name] = (rule, scope)
        for name, parameter in measure.parameters.items():
            self.parameters[prefix + name] = (parameter, scope)

    def checker(self, scope: FileScope) -> Checker:
        return Checker(scope, self.report, self.typing)

    def rule_type(self, name: str) -> Type:
        if name in self.rule_types:
            return self.rule_types[name]
        if name in self.in_progress:
            cycle = self.in_progress[self.in_progress.index(name):] + [name]
            if len(cycle) > 2 * _CYCLE_SHOWN:  # a generated chain can close a cycle of thousands of rules
                cycle[_CYCLE_SHOWN:-_CYCLE_SHOWN] = [f"… {len(cycle) - 2 * _CYCLE_SHOWN} more …"]
            rule = self.rules[name][0]
            self.report.error("rules refer to each other in a cycle: " + " -> ".join(cycle), rule.span,
                              "a rule cannot depend on itself; break the cycle")
            self.rule_types[name] = ERROR
            return ERROR
        self.in_progress.append(name)
        rule, scope = self.rules[name]
        saved, scope.current_rule = scope.current_rule, name
        try:
            result = self._check_rule(rule, scope)
        finally:
            scope.current_rule = saved
            self.in_progress.pop()
        self.rule_types.setdefault(name, result)
        return self.rule_types[name]

    def _check_rule(self, rule: Rule, scope: FileScope) -> Type:
        checker = self.checker(scope)
        if rule.expr is not None:
            return checker.check(rule.expr)
        result: Type | None = None
        for row in rule.rows:
            if row.when is not None:
                checker.condition(row.when, "a table row's `when`")
            if row.then is None:
                continue
            t = checker.check(row.then)
            joined = t if result is None else unify(result, t)
            if joined is None:
                self.report.error(f"every row of table `{rule.id}` must give one type; this row gives "
                                  f"{t}, earlier rows {result}", row.then.span)
                return ERROR
            result = joined
        return result or ERROR

    def _named_first(self) -> list[str]:
        """The rules, each after the rules its expressions name, or in declaration order when names form a cycle.

        Checking a rule checks the rules it reads first. In this order they are checked already, so a
        chain of 10,000 rules is checked one rule deep, declared in any order. A cycle (or a loop
        variable named like a rule) keeps the declaration order, and a cycle is reported as always.
        """
        named = {name: _rules_named(rule, scope) for name, (rule, scope) in self.rules.items()}
        order: list[str] = []
        done: set[str] = set()
        for root in self.rules:
            if root in done:
                continue
            open_rules = {root}
            stack = [(root, iter(named[root]))]
            while stack:  # depth first with a list of open rules, not recursion
                name, names = stack[-1]
                following = next((n for n in names if n not in done), None)
                if following is None:
                    stack.pop()
                    open_rules.discard(name)
                    done.add(name)
                    order.append(name)
                elif following in open_rules:
                    return list(self.rules)
                else:
                    open_rules.add(following)
                    stack.append((following, iter(named[following])))
        return order

    def parameter_shape(self, name: str) -> ParameterShape:
        if name in self.parameter_types:
            return self.parameter_types[name]
        parameter, scope = self.parameters[name]
        checker = self.checker(scope)
        found: Type | None = None
        keys: tuple[str, ...] | None = None
        for version in parameter.versions:
            nodes = [version.value] if version.value is not None else list((version.values or {}).values())
            if version.values is not None:
                vkeys = tuple(version.values)
                if keys is not None and set(vkeys) != set(keys):
                    self.report.error(f"every version of `{parameter.name}` must have the same keys "
                                      f"({', '.join(keys)})", version.span)
                keys = keys or vkeys
            elif keys is not None:
                self.report.error(f"`{parameter.name}` mixes versions with one value and versions per key",
                                  version.span)
            for node in nodes:
                if node is None:
                    continue
                if not _is_constant(node):
                    self.report.error("a parameter value must be a literal such as `30%`, `€ 7_500` or "
                                      "`2022-04-28`", node.span, "compute derived values in a rule")
                t = checker.check(node)
                joined = t if found is None else unify(found, t)
                if joined is None:
                    self.report.error(f"all values of `{parameter.name}` must have one type; this is {t}, "
                                      f"others are {found}", node.span)
                    continue
                found = joined
        if found is not None and found.kind == "enum":
            found = types.TEXT
        dated = len(parameter.versions) > 1 or any(v.since is not None for v in parameter.versions)
        shape = ParameterShape(found or ERROR, keys, dated)
        self.parameter_types[name] = shape
        return shape

    def run(self) -> CheckedMeasure:
        for name in self.parameters:
            self.parameter_shape(name)
        for name in self._named_first():
            self.rule_type(name)
        top = self.scopes[""]
        measure = self.measure
        checker = self.checker(top)
        if measure.reference_date is not None:
            checker.check(measure.reference_date, DATE, "`reference_date`")
        decision = measure.decision
        roots: list[str] = []
        if decision is not None:
            top.current_rule = "<decision>"
            if decision.conditions is not None:
                for name, span in decision.conditions:
                    t = top.rule(name)
                    if t is None:
                        self.report.error(f"unknown rule `{name}` in `decision.eligible`", span,
                                          did_you_mean(name, top.names()))
                    elif t != ERROR and t != BOOL:
                        self.report.error(f"condition `{name}` must be a yes/no rule, but it gives {t}", span)
            elif decision.eligible is not None:
                checker.check(decision.eligible, BOOL, "`decision.eligible`")
            if decision.amount is not None:
                checker.check(decision.amount, MONEY, "`decision.amount`")
            for named in decision.deadlines:
                checker.check(named.expr, DATE, f"deadline `{named.name}`")
            for named in decision.values:
                t = checker.check(named.expr)
                if t.kind in ("record", "list"):
                    self.report.error(f"value `{named.name}` must be a single value, not {t}", named.expr.span)
            for note in decision.notes:
                if note.when is not None:
                    checker.check(note.when, BOOL, "a note's `when`")
            top.current_rule = None
            roots = self.references.get("<decision>", [])
        if not self.report.errors:
            # Unused items are reported only for a measure without errors: an error often hides a use.
            self._unused(roots)
        self.report.raise_if_errors(MeasureError)
        checked = CheckedMeasure(
            measure=measure, typing=self.typing, facts=self.facts,
            rules={n: (r, self.rule_types[n], s) for n, (r, s) in self.rules.items()},
            parameters={n: (p, self.parameter_types[n].type) for n, (p, _) in self.parameters.items()},
            references={k: tuple(dict.fromkeys(v)) for k, v in self.references.items()},
            warnings=[], used_facts=set(self.used_facts))
        lint(checked, self.report)
        checked.warnings = [d for d in self.report.items if d.severity == "warning"]
        return checked

    def _unused(self, roots: list[str]) -> None:
        own_facts = self.measure.facts
        for name, fact in own_facts.items():
            if name not in self.used_facts:
                self.report.warning(f"fact `{name}` is declared but no rule reads it", fact.span,
                                    "remove it, or use it in a rule")
        for name, parameter in self.measure.parameters.items():
            if name not in self.used_parameters:
                self.report.warning(f"parameter `{name}` is declared but no rule uses it", parameter.span)
        if self.measure.kind != "measure":
            return
        reachable = reachable_rules(self.references, roots)
        for name, rule in self.measure.rules.items():
            if name not in reachable:
                self.report.warning(f"rule `{name}` does not contribute to the decision", rule.span,
                                    "use it in `decision`, in another rule, or remove it")


def reachable_rules(references: dict, roots) -> set[str]:
    """The rules `roots` refer to, directly or through other rules (the roots included)."""
    found: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name not in found:
            found.add(name)
            stack.extend(references.get(name, ()))
    return found


def _rules_named(rule: Rule, scope: FileScope) -> list[str]:
    """The rules that names in `rule`'s expressions can refer to, as the checker resolves them (longest first)."""
    nodes = [rule.expr] if rule.expr is not None else [e for row in rule.rows for e in (row.when, row.then) if e]
    found: list[str] = []
    while nodes:
        node = nodes.pop()
        if isinstance(node, ast.Name):
            path = node.path
            named = (scope.rule_name(".".join(path[:k])) for k in range(len(path), 0, -1))
            found += [n for n in named if n is not None][:1]
        nodes.extend(ast.children(node))
    return found


def _is_constant(node: ast.Expr) -> bool:
    if isinstance(node, ast.Unary) and node.op == "neg":
        node = node.operand
    if isinstance(node, ast.ListExpr):
        return all(_is_constant(i) for i in node.items)
    return isinstance(node, ast.Literal)


def check_measure(measure: Measure) -> CheckedMeasure:
    """Check a loaded measure; raise MeasureError listing every error."""
    return _Analysis(measure).run()
