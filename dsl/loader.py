"""Load a measure file: YAML -> schema -> model with parsed expressions -> imports."""
from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

from . import ast, cache, files, records, types
from .errors import Collector, Diagnostic, MeasureError, quoted
from .exact import EXACT
from .measure import (Citation, Decision, Fact, Measure, Named, Note, Parameter, Row, Rule, SourceDoc,
                      Text, Version, Window, with_imports)
from .names import normal_name
from .patterns import Pattern, PatternError, compile_pattern
from .schema import validate
from .yamlsource import Document, YamlProblem, has_top_key, parse_yaml, read_text

#: The keys that make a YAML mapping a measure or a definitions file.
_IDENTITY_KEYS = ("measure", "definitions")


def read_measure_document(path: Path, display: str | None = None, given: str | None = None) -> Document:
    """Read (or take `given` as the content of) a measure file and schema-validate it; raise MeasureError.

    Lines of the file are shown in errors only once it is known to be a measure: a file named by
    mistake (or on purpose) is never printed.
    """
    name = display or str(path)
    if given is not None and len(given.encode("utf-8")) > files.MAX_FILE_BYTES:  # the limit files are read with
        raise MeasureError(Diagnostic(f"is larger than {files.MAX_FILE_BYTES} bytes, the most rulerun reads from one "
                                      "file", file=name, hint="split it into smaller files"))
    text = ""
    try:
        text = read_text(path) if given is None else given
        document = parse_yaml(text, name, dates_as_text=True)
    except YamlProblem as problem:
        d = problem.diagnostic
        raise MeasureError(Diagnostic(d.message, d.span, d.hint, file=d.file or name,
                                      excerpt=has_top_key(text, _IDENTITY_KEYS))) from None
    if not isinstance(document.data, dict):
        raise MeasureError(Diagnostic(
            "a measure file must be a YAML mapping (keys such as `measure:`, `facts:`, `rules:`)",
            document.span(()), file=name, hint="see docs/measure-format.md", excerpt=False))
    problems = validate(document)
    if problems:
        if not any(key in document.data for key in _IDENTITY_KEYS):
            problems = [records.replace(d, excerpt=False) for d in problems]
        raise MeasureError(problems)
    return document


class _Builder:
    """Builds the measure model from a validated document, collecting expression errors."""

    def __init__(self, document: Document, report: Collector):
        self.doc = document
        self.report = report

    def expr(self, path: tuple) -> tuple[ast.Expr | None, str]:
        raw = self.doc.raw(path)
        value = self.doc.data
        for part in path:
            value = value[part]
        text = raw if raw is not None else str(value)
        if isinstance(value, bool):
            text = "true" if value else "false"
        from .parser import parse  # here: a measure recalled from the cache never needs the parser
        try:
            return parse(text.rstrip("\n") if raw is not None else text, self.doc.placement(path)), text.strip()
        except MeasureError as error:
            self.report.items.extend(error.diagnostics)
            return None, text.strip()

    def names(self, mapping: dict | None, path: tuple, what: str) -> list[tuple[str, str, Any]]:
        """(name, key as written, value) for a mapping of declarations, each name in its one spelling.

        Two keys that differ only in spelling (`ａ` and `a`) would be one name to one reader and two
        to another: the second is an error, not a silent second declaration.
        """
        out: list[tuple[str, str, Any]] = []
        seen: dict[str, str] = {}
        for key, value in (mapping or {}).items():
            name = normal_name(str(key))
            if name in seen:
                first = self.doc.span(path + (seen[name],), key=True)
                self.report.error(
                    f"{what} `{key}` is declared twice: it is the same name as `{seen[name]}`"
                    + (f" (line {first.line})" if first is not None else ""),
                    self.doc.span(path + (key,), key=True),
                    "names that differ only in the form of their letters (`ａ` and `a`) are one name; "
                    "rename or remove one")
                continue
            seen[name] = key
            out.append((name, key, value))
        return out

    def text(self, value: dict | None) -> Text | None:
        return self.label(value) if value else None

    def label(self, value: dict) -> Text:
        """A text the format requires (a label, a title)."""
        return Text(value["nl"], value["en"])

    def citation(self, value, path: tuple) -> Citation | None:
        return None if value is None else self.source(value, path)

    def source(self, value, path: tuple) -> Citation:
        """A citation the format requires (the source of a rule or a parameter)."""
        if isinstance(value, str):
            ref, _, section = value.partition(" ")
            return Citation(ref, section or None, self.doc.span(path))
        return Citation(value["ref"], value.get("section"), self.doc.span(path))

    def fact(self, name: str, spec: dict, path: tuple, in_list: bool = False) -> Fact:
        kind = spec["type"]
        span = self.doc.span(path, key=True)
        fields: dict[str, Fact] = {}
        item = None
        t: types.Type = types.ERROR

        def need(key: str, why: str) -> None:
            if key not in spec:
                self.report.error(f"fact `{name}` of type {kind} needs `{key}` ({why})", span)

        def forbid(*keys: str) -> None:
            for key in keys:
                if key in spec:
                    self.report.error(f"`{key}` does not apply to a fact of type {kind}",
                                      self.doc.span(path + (key,), key=True))
        if kind == "enum":
            need("values", "the values it can take")
            forbid("fields", "items", "unit")
            t = types.enum(spec.get("values", ["?"]))
        elif kind == "duration":
            need("unit", "`days` or `months`")
            forbid("fields", "items", "values")
            t = types.DAYS if spec.get("unit", "days") == "days" else types.MONTHS
        elif kind in ("record", "list"):
            forbid("values", "unit")
            if kind == "record" or "fields" in spec:
                if "fields" not in spec:
                    need("fields", "its fields")
                for fname, key, fspec in self.names(spec.get("fields"), path + ("fields",), "field"):
                    fields[fname] = self.fact(fname, fspec, path + ("fields", key), in_list=kind == "list")
                t = types.record({k: f.type for k, f in fields.items()})
                if kind == "list":
                    if "items" in spec:
                        self.report.error("a list has `fields` (a list of records) or `items`, not both", span)
                    t = types.list_of(t)
            else:
                if "items" not in spec:
                    need("fields", "the fields of its records, or `items` for a list of plain values")
                else:
                    item = self.fact(f"{name}[]", spec["items"], path + ("items",), in_list=True)
                    t = types.list_of(item.type)
        else:
            forbid("fields", "items", "values", "unit")
            t = types.BY_TAG[kind]
        if kind not in ("record",) and "question" not in spec and not in_list and not name.endswith("[]"):
            self.report.error(f"fact `{name}` needs a `question` (nl and en) so that a person can be asked for it",
                              span)
        if "pattern" in spec and kind != "text":
            self.report.error("`pattern` applies to text facts only", self.doc.span(path + ("pattern",), key=True))
        pattern = self.pattern(spec, path + ("pattern",)) if kind == "text" else None
        if "optional" in spec and not in_list:
            self.report.error("`optional` applies to fields of list records; any other fact may simply be left out",
                              self.doc.span(path + ("optional",), key=True))
        bounds = {}
        for key in ("minimum", "maximum"):
            if key in spec:
                if kind not in ("number", "money", "percent", "date"):
                    self.report.error(f"`{key}` applies to numbers, amounts, percentages and dates",
                                      self.doc.span(path + (key,), key=True))
                    continue
                node, _ = self.expr(path + (key,))
                if node is not None:
                    bounds[key] = _constant(node, t, self.report, f"the {key} of `{name}`")
        return Fact(name, t, self.label(spec["label"]), self.text(spec.get("question")), span, fields, item,
                    bounds.get("minimum"), bounds.get("maximum"), pattern,
                    bool(spec.get("optional", False)), spec.get("note"))

    def pattern(self, spec: dict, path: tuple) -> Pattern | None:
        if spec.get("pattern") is None:
            return None
        try:
            return compile_pattern(str(spec["pattern"]))
        except PatternError as error:
            self.report.error(f"invalid pattern: {error}", self.doc.span(path), error.hint)
            return None

    def parameter(self, name: str, spec: dict, path: tuple) -> Parameter:
        versions: list[Version] = []
        if "versions" in spec:
            entries = [(spec["versions"][i], path + ("versions", i)) for i in range(len(spec["versions"]))]
        else:
            entries = [({k: v for k, v in spec.items() if k in ("value", "values")}, path)]
        previous: datetime.date | None = None
        for entry, epath in entries:
            since = None
            if "from" in entry:
                since = _date(entry["from"], self.report, self.doc.span(epath + ("from",)))
                if since is not None and previous is not None and since <= previous:
                    problem = (f"{since} is given twice" if since == previous
                               else f"{since} comes after {previous}")
                    self.report.error(
                        f"versions of `{name}` must be in date order, each date once: {problem}",
                        self.doc.span(epath + ("from",)), "order the versions oldest first, one per start date")
                previous = since or previous
            until = None
            if "until" in entry:
                until = _date(entry["until"], self.report, self.doc.span(epath + ("until",)))
                if until is not None and since is not None and until < since:
                    self.report.error(f"version of `{name}` ends on {until}, before it starts on {since}",
                                      self.doc.span(epath + ("until",)), "`until` is the last day the value applies")
            value = values = None
            if "value" in entry:
                value, _ = self.expr(epath + ("value",))
            else:
                values = {}
                for key in entry["values"]:
                    # A value that does not parse keeps its key: the key is still given.
                    values[key], _ = self.expr(epath + ("values", key))
            versions.append(Version(since, value, values, self.citation(entry.get("source"), epath + ("source",)),
                                    self.doc.span(epath), until))
        return Parameter(name, self.label(spec["label"]), self.source(spec["source"], path + ("source",)),
                         versions, self.doc.span(path, key=True), spec.get("note"))

    def rule(self, name: str, spec: dict, path: tuple) -> Rule:
        rule = Rule(name, self.label(spec["label"]), self.source(spec["source"], path + ("source",)),
                    self.doc.span(path, key=True), "", note=spec.get("note"))
        if "expr" in spec:
            rule.expr, rule.text = self.expr(path + ("expr",))
            return rule
        rows = spec["table"]
        texts = []
        for i, row in enumerate(rows):
            rpath = path + ("table", i)
            if "otherwise" in row:
                if i != len(rows) - 1:
                    self.report.error(f"in rule `{name}`, the `otherwise` row must be the last row; "
                                      f"rows after it could never match", self.doc.span(rpath),
                                      "move `otherwise` to the end of the table")
                then, text = self.expr(rpath + ("otherwise",))
                rule.rows.append(Row(None, then, row.get("label"), self.doc.span(rpath)))
                texts.append(f"otherwise {_one_line(text)}")
                continue
            when, wtext = self.expr(rpath + ("when",))
            then, ttext = self.expr(rpath + ("then",))
            rule.rows.append(Row(when, then, row.get("label"), self.doc.span(rpath)))
            texts.append(f"when {_one_line(wtext)} then {_one_line(ttext)}")
        rule.text = "\n".join(texts)
        return rule

    def named(self, name: str, spec, path: tuple) -> Named | None:
        if isinstance(spec, dict):
            node, text = self.expr(path + ("expr",))
            label = self.label(spec["label"])
        else:
            node, text = self.expr(path)
            label = None
        return Named(name, label, node, text, self.doc.span(path, key=True)) if node is not None else None

    def decision(self, spec: dict) -> Decision:
        path = ("decision",)
        eligible = spec["eligible"]
        d = Decision(None, None, None, None, None, span=self.doc.span(path, key=True))
        if isinstance(eligible, list):
            d.conditions = [(normal_name(c), self.doc.span(path + ("eligible", i))) for i, c in enumerate(eligible)]
        else:
            d.eligible, d.eligible_text = self.expr(path + ("eligible",))
        if "amount" in spec:
            d.amount, d.amount_text = self.expr(path + ("amount",))
        for key, target in (("deadlines", d.deadlines), ("values", d.values)):
            for name, value in (spec.get(key) or {}).items():
                named = self.named(name, value, path + (key, name))
                if named is not None:
                    target.append(named)
        for i, note in enumerate(spec.get("notes") or []):
            when = None
            if "when" in note:
                when, _ = self.expr(path + ("notes", i, "when"))
            d.notes.append(Note(Text(note["nl"], note["en"]), when))
        return d


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _date(text, report: Collector, span) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(text))
    except ValueError:
        report.error(f"{quoted(text)} is not a calendar date", span, "write YYYY-MM-DD with a day that exists")
        return None


def _constant(node: ast.Expr, t: types.Type, report: Collector, what: str):
    inner = node.operand if isinstance(node, ast.Unary) and node.op == "neg" else node
    negate = inner is not node
    if not isinstance(inner, ast.Literal):
        report.error(f"{what} must be a literal value", node.span)
        return None
    if types.BY_TAG.get(inner.kind) != t and not (t.kind == "enum" and inner.kind == "text"):
        report.error(f"{what} must be {t}, not {inner.kind}", node.span)
        return None
    if not negate:
        return inner.value
    if isinstance(inner.value, Decimal):
        return EXACT.minus(inner.value)
    report.error(f"{what} cannot be negative: a {inner.kind} has no minus sign", node.span,
                 "remove the `-`, e.g. write 2024-01-01 for a date")
    return None


def load_measure(path: Path | str, display: str | None = None, partial: bool = False, keep: bool = True) -> Measure:
    """Load, validate and parse a measure (or definitions) file and the files it uses.

    A file that cannot be read or does not match the format raises MeasureError. Other errors
    (an expression that does not parse, a date that does not exist) raise too, unless `partial`:
    then the measure comes back with them in `problems`, and `check_measure` reports them together
    with every name and type error of the parts they leave intact. A measure loaded without error
    is kept in the cache folder unless not `keep` (its caller keeps what it makes of it instead).
    """
    path = Path(path)
    display = display or str(path)
    try:
        files.require_regular(path, display, files.MAX_FILE_BYTES)  # before the cache reads it
    except files.FileProblem as problem:
        raise MeasureError(problem.diagnostic) from None
    measure = cache.recall_measure(path, display)
    if measure is None:
        measure = _load(path, display, ())
        problems = load_problems(measure)
        if not partial:
            Collector(problems).raise_if_errors(MeasureError)
        if not problems and keep:
            cache.keep_measure(display, measure, with_imports(measure))
    return measure


def load_problems(measure: Measure) -> list[Diagnostic]:
    """The load-time errors of a measure and of the files it uses, each once."""
    return list(dict.fromkeys(d for m in with_imports(measure) for d in m.problems))


def load_measure_texts(path: Path | str, texts: Mapping[Path, str], display: str | None = None) -> Measure:
    """Load a measure as `load_measure(partial=True)` does, taking the files in `texts` (resolved path -> text) from there."""
    # Texts being edited are not saved: never kept in, nor recalled from, the cache.
    path = Path(path)
    return _load(path, display or str(path), (), texts=texts)


def _load(path: Path, display: str, stack: tuple, root: Path | None = None,
          texts: Mapping[Path, str] | None = None) -> Measure:
    """The measure at `path` with the files it imports, loaded with a list of files in progress, not recursion.

    Each file is a generator (`_file`) that yields the imports it needs and is sent back each one
    loaded, or its MeasureError; an import chain of thousands of files nests no calls.
    """
    root = root or path.parent.resolve()  # imports stay inside the folder of the measure being loaded
    pending = [_file(path, display, stack, root, texts)]
    reply: Measure | MeasureError | None = None
    while True:
        try:
            target, shown, chain = pending[-1].send(reply)
        except StopIteration as loaded:
            pending.pop()
            reply = loaded.value
        except MeasureError as error:
            pending.pop()
            if not pending:
                raise
            reply = error
        else:
            pending.append(_file(target, shown, chain, root, texts))
            reply = None
            continue
        if not pending:
            assert isinstance(reply, Measure)  # the outermost file's own MeasureError was raised above
            return reply


def _file(path: Path, display: str, _stack: tuple, root: Path, texts: Mapping[Path, str] | None):
    """Load one file; yields (path, display, import chain) per import and is sent the Measure or MeasureError."""
    resolved = path.resolve()
    document = read_measure_document(path, display, (texts or {}).get(resolved))
    data = document.data
    report = Collector()
    b = _Builder(document, report)
    kind = "definitions" if "definitions" in data else "measure"
    ident = data.get(kind)
    if ident != path.stem:
        report.error(f"the {kind} id `{ident}` must equal the file name `{path.stem}`",
                     document.span((kind,)), f"rename the file to `{ident}.yaml` or the id to `{path.stem}`")
    measure = Measure(
        id=ident, kind=kind, path=display, file=str(resolved), source=document.source, title=b.label(data["title"]),
        summary=b.text(data.get("summary")), authority=data.get("authority"),
        sources={k: SourceDoc(k, v["title"], v["url"], v.get("note")) for k, v in data["sources"].items()},
        facts={n: b.fact(n, s, ("facts", k)) for n, k, s in b.names(data.get("facts"), ("facts",), "fact")},
        parameters={n: b.parameter(n, s, ("parameters", k))
                    for n, k, s in b.names(data.get("parameters"), ("parameters",), "parameter")},
        rules={n: b.rule(n, s, ("rules", k)) for n, k, s in b.names(data.get("rules"), ("rules",), "rule")},
    )
    if "window" in data:
        w = data["window"]
        measure.window = Window(
            _date(w["from"], report, document.span(("window", "from"))) if "from" in w else None,
            _date(w["until"], report, document.span(("window", "until"))) if "until" in w else None,
            b.citation(w.get("source"), ("window", "source")), document.span(("window",), key=True))
        if measure.window.start and measure.window.end and measure.window.start > measure.window.end:
            report.error("the window closes before it opens", measure.window.span)
    if "reference_date" in data:
        measure.reference_date, measure.reference_text = b.expr(("reference_date",))
    if kind == "measure":
        measure.decision = b.decision(data["decision"])
    _check_citations(measure, report, document)
    stack = _stack + (resolved,)
    declared = []
    for alias, key, relative in b.names(data.get("uses"), ("uses",), "import"):
        declared.append(alias)
        target = (path.parent / relative)
        span = document.span(("uses", key))
        if "\0" in relative:
            report.error("the imported path holds a NUL character", span, "write the path of a definitions file")
            continue
        if Path(relative).is_absolute() or not target.resolve().is_relative_to(root):
            report.error(f"imported file {quoted(relative)} is outside the folder of the measure being loaded", span,
                         "an import is a path relative to the importing file, inside the measure's folder or its "
                         "subfolders; absolute paths, `..` out of it and links that lead out of it are refused")
            continue
        if target.resolve() in stack:
            chain = " -> ".join(Path(p).name for p in stack + (target.resolve(),))
            report.error(f"files import each other in a cycle: {chain}", span, "remove one of the imports: files cannot depend on each other in a circle")
            continue
        if not target.exists() and target.resolve() not in (texts or {}):
            report.error(f"imported file `{relative}` does not exist", span,
                         f"paths are relative to this file's folder ({path.parent})")
            continue
        used = yield target, str(Path(display).parent / relative), stack
        if isinstance(used, MeasureError):
            report.items.extend(used.diagnostics)
            continue
        if used.kind != "definitions":
            report.error(f"`{relative}` is a measure; only definitions files can be imported", span)
            continue
        measure.uses[alias] = used
    measure.problems = list(report.items)
    measure.unusable_imports = {alias for alias in declared if alias not in measure.uses}
    return measure


def _check_citations(measure: Measure, report: Collector, document: Document) -> None:
    cited = [r.source for r in measure.rules.values()] + [p.source for p in measure.parameters.values()]
    cited += [v.source for p in measure.parameters.values() for v in p.versions if v.source]
    if measure.window and measure.window.source:
        cited.append(measure.window.source)
    from .names import did_you_mean
    for citation in cited:
        if citation is not None and citation.ref not in measure.sources:
            report.error(f"source `{citation.ref}` is not listed under `sources`", citation.span,
                         did_you_mean(citation.ref, measure.sources) or "add it to `sources` with its title and url")


def facts_from_declarations(declarations: dict, name: str = "<facts>") -> dict[str, Fact]:
    """Fact declarations (the `facts:` mapping of a measure, as data) turned into Facts."""
    import yaml

    class _Plain(yaml.SafeDumper):
        def ignore_aliases(self, data):
            return True
    text = yaml.dump({"facts": declarations}, Dumper=_Plain, allow_unicode=True)
    document = parse_yaml(text, name, dates_as_text=True)
    report = Collector()
    builder = _Builder(document, report)
    facts = {n: builder.fact(n, s, ("facts", k)) for n, k, s in builder.names(document.data.get("facts"), ("facts",),
                                                                                "fact")}
    report.raise_if_errors(MeasureError)
    return facts
