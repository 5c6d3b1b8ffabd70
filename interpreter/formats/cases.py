"""Case files: the facts of one case (YAML or JSON), an optional date and expected outcome."""
from __future__ import annotations

import datetime
from pathlib import Path

from rulerun.dsl.errors import CaseError, Diagnostic
from rulerun.dsl.names import did_you_mean
from rulerun.dsl.records import field, record, replace
from rulerun.dsl.yamlsource import Document, YamlProblem, has_top_key, parse_yaml, read_standard_input, read_text

from .expectations import described, expect_problems
from .facts import as_written
from .scalars import Refused, read_date, read_money, shown

CASE_KEYS = ("id", "name", "description", "on", "facts", "expect")
EXPECT_KEYS = ("eligible", "amount", "deadlines", "failed", "missing", "values", "notes")


@record
class Case:
    """One case file."""

    path: str
    document: Document | None  # None for a case file that could not be read
    name: str | None
    on: datetime.date | None
    facts: object
    expect: dict | None = None
    line: int = 1
    extra: dict = field(default_factory=dict)
    id: str | None = None  # a batch record's `id`, carried into the decision


def read_case(path: str | Path, display: str | None = None) -> Case:
    """Read a case file (or `-` for standard input); raise CaseError on any problem."""
    name = display or str(path)
    text = ""
    try:
        text = read_standard_input() if str(path) == "-" else read_text(Path(path))
        document = parse_yaml(text, "<stdin>" if str(path) == "-" else name, dates_as_text=False)
    except YamlProblem as problem:
        records = _json_lines(text)
        if records > 1:
            raise CaseError(Diagnostic(
                f"this file holds {records} cases, one per line (JSON Lines); `explain` decides one case",
                hint="give one line of it (e.g. `sed -n 2p FILE | rulerun explain MEASURE -`), "
                     "or decide them all with `rulerun batch`", file=name, excerpt=False)) from None
        d = problem.diagnostic
        # Lines are shown only from what looks like a case: a file named by mistake is never printed.
        raise CaseError(Diagnostic(d.message, d.span, d.hint, file=d.file or name,
                                   excerpt=has_top_key(text, ("facts",)))) from None
    return case_from_document(document)


def _json_lines(text: str) -> int:
    """How many records `text` holds when it is JSON Lines (every line that is not blank an object), else 0."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return len(lines) if lines and all(line.startswith("{") and line.endswith("}") for line in lines) else 0


def case_from_document(document: Document, base: tuple = ()) -> Case:
    """Interpret a parsed document (or the mapping at `base` inside it) as a case."""
    data = document.data
    for part in base:
        data = data[part]
    name = document.source.name
    if not isinstance(data, dict):
        raise CaseError(Diagnostic("a case must be a mapping with `facts:` (and optionally `name:`, `on:`, "
                                   "`expect:`)", document.span(base), file=name, excerpt=False))
    problems = []
    for key in data:
        if key not in CASE_KEYS:
            problems.append(Diagnostic(f"unknown key `{key}` in the case", document.span(base + (key,), key=True),
                                       did_you_mean(key, CASE_KEYS) or "case keys: " + ", ".join(CASE_KEYS),
                                       file=name))
    if "facts" not in data:
        problems.append(Diagnostic("the case has no `facts:`", document.span(base), "put the facts under `facts:`",
                                   file=name))
    on = data.get("on")
    if on is not None:
        try:  # judged on the text as written: YAML would also take `!!timestamp 2022-1-5`
            on = read_date(as_written(document, base + ("on",), on))
        except Refused:
            problems.append(Diagnostic(f"`on` must be a date (YYYY-MM-DD), not `{shown(on)}`",
                                       document.span(base + ("on",)), "write YYYY-MM-DD, e.g. 2022-04-28",
                                       file=name))
            on = None
    expect = data.get("expect")
    if expect is not None:
        if not isinstance(expect, dict):
            problems.append(Diagnostic("`expect` must be a mapping", document.span(base + ("expect",)), file=name))
            expect = None
        else:
            for key in expect:
                if key not in EXPECT_KEYS:
                    problems.append(Diagnostic(f"unknown key `{key}` in `expect`",
                                               document.span(base + ("expect", key), key=True),
                                               did_you_mean(key, EXPECT_KEYS) or "keys: " + ", ".join(EXPECT_KEYS),
                                               file=name))
            problems += expect_problems(expect, document, base, name)
            if expect.get("amount") is not None:
                where = base + ("expect", "amount")
                try:  # read as a fact's amount is, so that `2.500` cannot pass for € 2.50
                    amount = read_money(as_written(document, where, expect["amount"]))
                    expect = {**expect, "amount": f"{amount:f}"}
                except Refused as refused:
                    problems.append(Diagnostic(f"`expect.amount`: {refused.message}", document.span(where),
                                               refused.hint, file=name))
    if data.get("name") is not None and not isinstance(data["name"], str):
        problems.append(Diagnostic(f"`name` must be a text, not {described(data['name'])}",
                                   document.span(base + ("name",)), "write the case's name as one line of text",
                                   file=name))
    ident = data.get("id")
    if ident is not None:
        if isinstance(ident, bool) or not isinstance(ident, (str, int)):
            problems.append(Diagnostic(f"`id` must be a text or a whole number, not {described(ident)}",
                                       document.span(base + ("id",)),
                                       "give the case's id as in a batch record, e.g. \"aanvraag-17\"", file=name))
            ident = None
        else:
            ident = str(ident)
    if problems:
        if not any(key in CASE_KEYS for key in data):  # not a case: its lines are not shown
            problems = [replace(d, excerpt=False) for d in problems]
        raise CaseError(sorted(problems, key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0)))
    info = document.nodes.get(base)
    return Case(name, document, data.get("name"), on, data.get("facts"), expect, info.line if info else 1, id=ident)
