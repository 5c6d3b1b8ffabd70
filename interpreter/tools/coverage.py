"""Which rules, table rows, condition outcomes, parameter versions and sources a measure's cases exercise.

The universe is what the decision can reach: the rules it refers to, transitively, and the
parameters those rules read. A case counts only when it evaluates (a case that fails its
expectations still exercises what it evaluated). Gaps are reported per cited source section.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from rulerun.dsl import ast
from rulerun.dsl.analysis import reachable_rules
from rulerun.dsl.measure import row_label

from ..engine.evaluator import CompiledMeasure
from ..engine.trace import Decision, walk


@dataclass
class Gap:
    """One thing no case exercises, with the source section that states it."""

    kind: str        # rule, false, true, row, version, source
    item: str        # a stable name: `minimum_bedrag`, `steunpercentage` row `3`, `tarief` from 2016-04-01
    source: str      # the citation, e.g. "W10" or "S3 Leeftijd van de onderneming"
    message: str

    @property
    def key(self) -> str:
        """The gap as written in a measure's docs page: e.g. "`minimum_bedrag` never false"."""
        return {"rule": "`{}` never evaluated", "true": "`{}` never true", "false": "`{}` never false",
                "row": "{} never matched", "version": "{} never used", "source": "source {} never cited by "
                "anything evaluated"}[self.kind].format(self.item)


@dataclass
class Coverage:
    """Counts and gaps for one measure."""

    measure: str
    cases: int
    totals: dict = field(default_factory=dict)      # kind -> (covered, total)
    gaps: list[Gap] = field(default_factory=list)

    def as_json(self) -> dict:
        """A JSON-ready form."""
        return {"measure": self.measure, "cases": self.cases,
                "totals": {k: {"covered": c, "total": t} for k, (c, t) in self.totals.items()},
                "gaps": [{"kind": g.kind, "item": g.item, "source": g.source, "message": g.message, "key": g.key}
                         for g in self.gaps]}


class Tracker:
    """Accumulates what the decisions of a measure's cases exercised."""

    def __init__(self, compiled: CompiledMeasure):
        self.compiled = compiled
        self.cases = 0
        self.rules: set[str] = set()
        self.outcomes: dict[str, set] = {}
        self.rows: dict[str, set[str]] = {}
        self.versions: set[tuple[str, datetime.date | None]] = set()

    def add(self, decision: Decision) -> None:
        """Record one case's decision (evaluated with its trace)."""
        self.cases += 1
        for node in walk(decision.trace):
            for read in node.parameters:
                self.versions.add((read.name, read.since))
            if node.id not in self.compiled.program.rules or node.kind not in ("expr", "table"):
                continue
            self.rules.add(node.id)
            if node.value is True or node.value is False:
                self.outcomes.setdefault(node.id, set()).add(node.value)
            if node.row and not node.row.startswith("undecided"):
                self.rows.setdefault(node.id, set()).add(node.row)

    def report(self, lang: str = "en") -> Coverage:
        """The coverage of everything the decision can reach, with the gaps."""
        checked = self.compiled.checked
        reachable = _reachable(checked)
        coverage = Coverage(self.compiled.measure.id, self.cases)
        gaps = coverage.gaps
        counts = {k: [0, 0] for k in ("rules", "conditions", "rows", "versions", "sources")}
        cited: dict[str, bool] = {}

        def count(kind: str, covered: bool) -> None:
            counts[kind][1] += 1
            counts[kind][0] += covered

        def cite(citation, covered: bool) -> str:
            text = str(citation) if citation is not None else "(no source)"
            if citation is not None:
                cited[citation.ref] = cited.get(citation.ref, False) or covered
            return text

        for name in reachable:
            rule, rtype, _ = checked.rules[name]
            label = f"'{rule.label.get(lang)}' ({name})"
            hit = name in self.rules
            where = cite(rule.source, hit)
            count("rules", hit)
            if not hit:
                gaps.append(Gap("rule", name, where, f"no case evaluates the rule {label}"))
            if rtype.kind == "bool":
                outcomes = self.outcomes.get(name, set())
                count("conditions", outcomes == {True, False})
                for value, word in ((True, "true"), (False, "false")):
                    if hit and value not in outcomes:
                        gaps.append(Gap(word, name, where,
                                        f"no case exercises the condition {label} with a {word} outcome"))
            for i, row in enumerate(rule.rows):
                tag = row_label(i, row)
                matched = tag in self.rows.get(name, set())
                count("rows", matched)
                if not matched:
                    gaps.append(Gap("row", f"`{name}` row `{tag}`", where,
                                    f"no case matches row {tag} of the table {label}"))
        window = self.compiled.measure.window
        for name in _parameters(checked, reachable):
            parameter, _ = checked.parameters[name]
            for version, ends in zip(parameter.versions, _ends(parameter.versions)):
                if window is not None and not _overlaps(version.since, ends, window.start, window.end):
                    continue  # a value from before (or after) the window can never apply to this measure
                used = (name, version.since) in self.versions
                where = cite(version.source or parameter.source, used)
                count("versions", used)
                if not used:
                    since = f"from {version.since}" if version.since else "(undated)"
                    gaps.append(Gap("version", f"`{name}` {since}", where,
                                    f"no case uses the value of '{parameter.label.get(lang)}' ({name}) {since}"))
        if window is not None and window.source is not None:
            cite(window.source, self.cases > 0)
        for ref, covered in sorted(cited.items()):
            count("sources", covered)
            if not covered:
                title = self.compiled.measure.sources.get(ref)
                gaps.append(Gap("source", ref, ref, f"nothing any case evaluates cites {ref}"
                                + (f" ({title.title})" if title else "")))
        coverage.totals = {k: tuple(v) for k, v in counts.items()}
        gaps.sort(key=lambda g: (g.source, g.kind, g.item))
        return coverage


def _ends(versions) -> list:
    """The last day of each version: its `until`, else the day before the next one starts."""
    out = []
    for version, following in zip(versions, list(versions[1:]) + [None]):
        nxt = following.since - datetime.timedelta(days=1) if following is not None and following.since else None
        out.append(version.until or nxt)
    return out


def _overlaps(since, until, start, end) -> bool:
    return (until is None or start is None or until >= start) and (since is None or end is None or since <= end)


def _reachable(checked) -> list[str]:
    """The rules the decision can reach, in declaration order."""
    found = reachable_rules(checked.references, checked.references.get("<decision>", ()))
    return [n for n in checked.rules if n in found]


def _parameters(checked, rules: list[str]) -> list[str]:
    """The parameters read by these rules or by the decision itself, in declaration order."""
    refs = checked.typing.refs
    read: set[str] = set()
    roots = []
    for name in rules:
        rule = checked.rules[name][0]
        roots += [rule.expr] if rule.expr is not None else [x for r in rule.rows for x in (r.when, r.then)]
    decision = checked.measure.decision
    if decision is not None:
        roots += [decision.eligible, decision.amount] + [n.expr for n in decision.deadlines + decision.values]
    stack = [r for r in roots if r is not None]
    while stack:
        node = stack.pop()
        target = node.target if isinstance(node, ast.Index) else node
        ref = refs.get(id(target)) if isinstance(target, ast.Name) else None
        if ref is not None and ref.kind == "parameter":
            read.add(ref.name)
        stack.extend(ast.children(node))
    return [n for n in checked.parameters if n in read]


def render_text(coverage: Coverage) -> list[str]:
    """Lines for the terminal: the totals, then the gaps grouped by source section."""
    names = {"rules": "rules evaluated", "conditions": "conditions seen true and false", "rows": "table rows matched",
             "versions": "parameter values used", "sources": "sources cited by what was evaluated"}
    lines = [f"{coverage.measure}: coverage over {coverage.cases} case(s)"]
    for kind, (covered, total) in coverage.totals.items():
        lines.append(f"  {covered:>3}/{total:<3} {names[kind]}")
    if not coverage.gaps:
        lines.append("  every item is exercised")
        return lines
    lines.append("  not exercised:")
    current = None
    for gap in coverage.gaps:
        if gap.source != current:
            current = gap.source
            lines.append(f"    {current}:")
        lines.append(f"      - {gap.message}")
    return lines
