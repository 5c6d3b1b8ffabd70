"""Every name of a measure's files and cases: what it refers to, where it is declared and where it is used."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rulerun.dsl import ast
from rulerun.dsl.builtins import AGGREGATES
from rulerun.dsl.measure import Citation, Fact, Measure
from rulerun.dsl.source import Source, Span
from rulerun.dsl.yamlsource import Document, YamlProblem, parse_yaml

from .positions import contains


@dataclass(frozen=True)
class Target:
    """A thing a name can refer to; `file` is the declaring file (empty for facts and functions)."""

    kind: str   # rule, parameter, fact, alias, source, function
    file: str
    name: str   # a fact's or field's dotted path, else the name as declared


@dataclass(frozen=True)
class Occurrence:
    """One place a target's name is written: its declaration or a use."""

    target: Target
    span: Span
    declaration: bool = False


class Model:
    """The names of one measure, the files it imports and its cases."""

    def __init__(self, measure: Measure, cases: dict[Path, str]):
        self.root = measure
        self.files: dict[str, Measure] = {}
        self.documents: dict[str, Document | None] = {}  # None: the file's YAML cannot be read
        self.prefixes: dict[str, str] = {}
        self.facts: dict[str, Fact] = {}
        self.occurrences: list[Occurrence] = []
        self._names: dict[int, str] = {}
        self._collect(measure, "")
        for measure_file in self.files.values():
            self._declarations(measure_file)
            self._uses(measure_file)
        for path, text in cases.items():
            self._case(path, text)

    def _collect(self, measure: Measure, prefix: str) -> None:
        if measure.file in self.files:
            return
        self.files[measure.file] = measure
        self.prefixes[measure.file] = prefix
        self.documents[measure.file] = _document(measure.source)
        for name, fact in measure.facts.items():
            self.facts.setdefault(name, fact)
        for alias, used in measure.uses.items():
            self._collect(used, prefix + alias + ".")

    # -- looking up ------------------------------------------------------------------------------------

    def fact(self, dotted: str) -> Fact | None:
        """The fact or field at a dotted path (`dienst.soort`), or None."""
        parts = dotted.split(".")
        fact = self.facts.get(parts[0])
        for part in parts[1:]:
            if fact is None:
                return None
            fact = fact.fields.get(part)
        return fact

    def file_name(self, span: Span) -> str:
        """The resolved path of the file a span lies in."""
        key = id(span.source)
        if key not in self._names:
            self._names[key] = str(Path(span.source.name).resolve())
        return self._names[key]

    def file_of(self, span: Span) -> Measure | None:
        """The measure file a span lies in."""
        for measure in self.files.values():
            if measure.source is span.source:
                return measure
        return None

    def at(self, source_file: str, line: int, column: int) -> Occurrence | None:
        """The innermost name written at a 1-based position of a file."""
        found = [o for o in self.occurrences
                 if contains(o.span, line, column) and self.file_name(o.span) == source_file]
        if not found:
            return None
        return min(found, key=lambda o: (o.span.end_line - o.span.line, o.span.end_column - o.span.column))

    def of(self, target: Target) -> list[Occurrence]:
        """Every occurrence of a target, its declarations first."""
        found = [o for o in self.occurrences if o.target == target]
        return sorted(found, key=lambda o: not o.declaration)

    # -- declarations ----------------------------------------------------------------------------------

    def _declarations(self, measure: Measure) -> None:
        add = self.occurrences.append
        for name, rule in measure.rules.items():
            if rule.span is not None:
                add(Occurrence(Target("rule", measure.file, name), rule.span, True))
        for name, parameter in measure.parameters.items():
            if parameter.span is not None:
                add(Occurrence(Target("parameter", measure.file, name), parameter.span, True))
        for name, fact in measure.facts.items():
            self._fact_declaration(name, fact)
        document = self.documents[measure.file]
        for alias in measure.uses:
            span = document.span(("uses", alias), key=True) if document else None
            if span is not None:
                add(Occurrence(Target("alias", measure.file, alias), span, True))
        for ident in measure.sources:
            span = document.span(("sources", ident), key=True) if document else None
            if span is not None:
                add(Occurrence(Target("source", measure.file, ident), span, True))

    def _fact_declaration(self, path: str, fact: Fact) -> None:
        if fact.span is not None:
            self.occurrences.append(Occurrence(Target("fact", "", path), fact.span, True))
        for name, field in fact.fields.items():
            self._fact_declaration(f"{path}.{name}", field)

    # -- uses ------------------------------------------------------------------------------------------

    def _uses(self, measure: Measure) -> None:
        for expr in _expressions(measure):
            self._walk(measure, expr, {})
        citations: list[Citation | None] = [r.source for r in measure.rules.values()]
        citations += [p.source for p in measure.parameters.values()]
        citations += [v.source for p in measure.parameters.values() for v in p.versions]
        if measure.window is not None:
            citations.append(measure.window.source)
        for citation in citations:
            self._citation(measure, citation)
        decision = measure.decision
        for name, span in (decision.conditions or []) if decision else []:
            if span is not None and span.line == span.end_line and span.text == name:
                self._name(measure, tuple(name.split(".")), span, {})

    def _citation(self, measure: Measure, citation: Citation | None) -> None:
        if citation is None or citation.span is None:
            return
        span = citation.span
        text = span.source.line(span.line)
        start = text.find(citation.ref, span.column - 1)
        if start >= 0:
            self.occurrences.append(Occurrence(Target("source", measure.file, citation.ref),
                                               Span(span.source, span.line, start + 1, span.line,
                                                    start + 1 + len(citation.ref))))

    def _walk(self, measure: Measure, node: ast.Expr, variables: dict[str, str | None]) -> None:
        if isinstance(node, ast.Name):
            self._name(measure, node.path, node.span, variables)
            return
        if isinstance(node, (ast.Call, ast.Aggregate)):
            span = node.span
            if span.source.line(span.line)[span.column - 1:].startswith(node.func):
                self.occurrences.append(Occurrence(
                    Target("function", "", node.func),
                    Span(span.source, span.line, span.column, span.line, span.column + len(node.func))))
        if isinstance(node, ast.Aggregate):
            self._walk(measure, node.source, variables)
            inner = dict(variables)
            inner[node.var] = self._list_fact(measure, node.source, variables)
            for child in (node.body, node.where):
                if child is not None:
                    self._walk(measure, child, inner)
            if node.default is not None:
                self._walk(measure, node.default, variables)
            return
        for child in ast.children(node):
            self._walk(measure, child, variables)

    def _list_fact(self, measure: Measure, source: ast.Expr, variables: dict) -> str | None:
        """The fact path of the list an aggregate ranges over, so that its items' fields can be named."""
        if not isinstance(source, ast.Name):
            return None
        head, rest = source.path[0], source.path[1:]
        if head in variables:
            base = variables[head]
            return ".".join((base, *rest)) if base else None
        dotted = source.dotted
        return dotted if self.fact(dotted) is not None and not self._declares(measure, head) else None

    def _declares(self, measure: Measure, name: str) -> bool:
        return name in measure.rules or name in measure.parameters

    def _name(self, measure: Measure, path: tuple[str, ...], span: Span, variables: dict) -> None:
        """Record what each part of a dotted name refers to, as the checker resolves it."""
        spans = _parts(path, span)
        if spans is None:
            return
        add = self.occurrences.append
        head = path[0]
        if head in variables:
            base = variables[head]
            for i in range(1, len(path)) if base else ():
                if self.fact(".".join((base, *path[1:i + 1]))) is not None:
                    add(Occurrence(Target("fact", "", ".".join((base, *path[1:i + 1]))), spans[i]))
            return
        if len(path) >= 2 and head in measure.uses:
            used = measure.uses[head]
            for kind, names in (("rule", used.rules), ("parameter", used.parameters)):
                if path[1] in names:
                    add(Occurrence(Target("alias", measure.file, head), spans[0]))
                    add(Occurrence(Target(kind, used.file, path[1]), spans[1]))
                    return
        for kind, names in (("rule", measure.rules), ("parameter", measure.parameters)):
            if head in names:
                add(Occurrence(Target(kind, measure.file, head), spans[0]))
                return
        for i in range(len(path)):
            dotted = ".".join(path[:i + 1])
            if self.fact(dotted) is None:
                return
            add(Occurrence(Target("fact", "", dotted), spans[i]))

    # -- cases -----------------------------------------------------------------------------------------

    def _case(self, path: Path, text: str) -> None:
        """Fact names in a case's `facts` and `expect.missing`, and rule names in its `expect.failed`."""
        document = _document(Source(str(path), text))
        if document is None or not isinstance(document.data, dict):
            return
        for key in document.keys:
            if len(key) >= 2 and key[0] == "facts":
                names = tuple(str(k) for k in key[1:] if not isinstance(k, int))
                span = document.span(key, key=True)
                if self.fact(".".join(names)) is not None and span is not None:
                    self.occurrences.append(Occurrence(Target("fact", "", ".".join(names)), span))
        expect = document.data.get("expect")
        for group in ("failed", "missing"):
            items = expect.get(group) if isinstance(expect, dict) else None
            for i, name in enumerate(items if isinstance(items, list) else []):
                span = document.span(("expect", group, i))
                if not isinstance(name, str) or span is None or span.text != name:
                    continue
                if group == "failed" and name in self.root.rules:
                    self.occurrences.append(Occurrence(Target("rule", self.root.file, name), span))
                elif group == "missing" and self.fact(name) is not None:
                    self._name(self.root, tuple(name.split(".")), span, {})  # a fact path, each part its own


def measure_files(measure: Measure) -> list[str]:
    """The resolved paths of a measure's file and of every file it imports."""
    out = [measure.file]
    for used in measure.uses.values():
        out += [f for f in measure_files(used) if f not in out]
    return out


def _document(source: Source) -> Document | None:
    try:
        return parse_yaml(source.text, source.name, dates_as_text=True)
    except YamlProblem:
        return None


def _parts(path: tuple[str, ...], span: Span) -> list[Span] | None:
    """The span of each part of a dotted name, when it is written on one line without spaces."""
    dotted = ".".join(path)
    if span.line != span.end_line or span.text != dotted:
        return None
    out, column = [], span.column
    for part in path:
        out.append(Span(span.source, span.line, column, span.line, column + len(part)))
        column += len(part) + 1
    return out


def _expressions(measure: Measure) -> list[ast.Expr]:
    """Every expression written in a measure file."""
    out: list[ast.Expr | None] = [measure.reference_date]
    for rule in measure.rules.values():
        out.append(rule.expr)
        for row in rule.rows:
            out += [row.when, row.then]
    for parameter in measure.parameters.values():
        for version in parameter.versions:
            out.append(version.value)
            out += list((version.values or {}).values())
    decision = measure.decision
    if decision is not None:
        out += [decision.eligible, decision.amount]
        out += [n.expr for n in decision.deadlines + decision.values]
        out += [n.when for n in decision.notes]
    return [e for e in out if e is not None]


#: What the aggregates take and give, for hover and completion (a function gives its own `signature`).
SIGNATURES = {f"{name}(…)": f"{name}(x.field for each x in list where …)" for name in AGGREGATES}
