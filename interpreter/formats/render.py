"""Render a decision: stable JSON, a terminal tree, Markdown and self-contained HTML."""
from __future__ import annotations

import json
import re
from json.encoder import encode_basestring
from typing import cast

from rulerun.dsl.printable import printable

from ..engine.trace import Decision, TraceNode
from ..engine.values import Unknown, format_value, to_json
from .aggregated import aggregate_json, heading, item_lines
from .labels import Labels
from .localised import readable
from .receipt import SCHEMA_VERSION
from .sources import Sources, html_link, html_sources, markdown_link, markdown_sources, source_lines

MARKS = {True: "✓", False: "✗", None: "?"}


def shown(value, tag: str, lang: str | None = None) -> str:
    """A value as the text, Markdown and HTML reports show it (localised for `lang`), controls and newlines escaped."""
    # Every value of a case reaches these reports through here, so a case's text cannot steer the terminal.
    return printable(readable(value, tag, lang) if lang is not None else format_value(value, tag))


def _mark(node: TraceNode) -> str:
    if node.value is True or node.value is False:
        return MARKS[node.value]
    if type(node.value) is Unknown:
        return "?"
    return "•"


def _result_json(node: TraceNode):
    if type(node.value) is Unknown:
        return {"unknown": sorted(node.value.missing)}
    return to_json(node.value, node.tag)


def node_json(node: TraceNode, seen: set[str]) -> dict:
    """One trace node and those below it as JSON; a rule shown earlier in the trace is referred to, not repeated.

    Built with a list of pending children rather than by recursion: a chain of rules is as deep as it is long.
    """
    root: dict = {}
    pending = [(node, root)]
    while pending:
        current, out = pending.pop()
        out.update(_node_fields(current, seen))
        children = out.get("children")
        if children is not None:
            pending += reversed([(child, children[i]) for i, child in enumerate(current.children)])
    return root


def _node_fields(node: TraceNode, seen: set[str]) -> dict:
    """One node's JSON; its `children` are empty dicts, to be filled (in reading order, for `seen`)."""
    if node.kind in ("expr", "table") and node.id in seen:
        return {"id": node.id, "result": _result_json(node), "shown_above": True}
    seen.add(node.id)
    out = {
        "id": node.id, "kind": node.kind, "label": node.label, "expression": node.expression,
        "location": node.location, "source": node.source, "result": _result_json(node),
        "facts": {k: ({"unknown": True} if type(v) is Unknown else to_json(v, tag)) for k, (v, tag) in node.facts},
        "parameters": [{"name": p.name, "key": p.key, "value": to_json(p.value, p.tag),
                        "since": p.since.isoformat() if p.since else None, "source": p.source,
                        **({"at": p.at.isoformat()} if p.at else {})}
                       for p in node.parameters],
        "children": [{} for _ in node.children],
        "not_needed": list(node.not_needed),
    }
    if node.row is not None:
        out["row"] = node.row
    if node.note is not None:
        out["note"] = node.note
    if node.aggregates:
        out["aggregates"] = [aggregate_json(read) for read in node.aggregates]
    return out


def decision_json(decision: Decision, trace: bool = True, sources: dict | None = None,
                  failed_conditions: list | None = None, receipt: dict | None = None,
                  ident: str | None = None) -> dict:
    """The decision as plain JSON data with a stable shape; `ident` is the case's own id, when it has one."""
    out = {
        "measure": decision.measure,
        "evaluated_on": decision.evaluated_on.isoformat(),
        "reference_date": decision.reference_date.isoformat() if decision.reference_date else None,
        "eligible": decision.eligible,
        "amount": to_json(decision.amount, "money") if decision.amount is not None else None,
        "deadlines": {k: (v.isoformat() if v else None) for k, v in decision.deadlines.items()},
        "values": {k: to_json(v, tag) for k, (v, tag) in decision.outcome.items()},
        "failed": list(decision.failed),
        "missing": list(decision.missing),
        "notes": list(decision.notes),
    }
    if decision.amount_missing:  # eligible, with the amount unknown until these facts are given
        out["amount_missing"] = list(decision.amount_missing)
    if sources is not None:
        out["sources"] = sources
    if failed_conditions is not None:
        out["failed_conditions"] = failed_conditions
    if receipt is not None:  # the auditable decision format of schemas/decision.schema.json
        out["schema_version"] = SCHEMA_VERSION
        out["receipt"] = receipt
    if ident is not None:
        out["id"] = ident
    if trace:
        seen: set[str] = set()
        out["trace"] = [node_json(n, seen) for n in decision.trace]
    return out


def to_json_text(decision: Decision, trace: bool = True, sources: dict | None = None,
                 failed_conditions: list | None = None, receipt: dict | None = None,
                 ident: str | None = None) -> str:
    """The JSON form as text: sorted keys, two-space indent (see `json_text`)."""
    return json_text(decision_json(decision, trace, sources, failed_conditions, receipt, ident))


#: Nesting levels shown by indentation; deeper levels keep this indentation (in JSON) or show their level.
MAX_INDENT = 50
_END = object()


def json_text(value) -> str:
    """`value` as `json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)` writes it, without recursion.

    A chain of rules gives a trace as deep as the chain is long: nesting deeper than 2 × MAX_INDENT
    levels keeps that indentation, so the text grows with the trace and not with its depth squared.
    """
    out: list[str] = []
    stack: list[list] = []  # per open container: its items, its level, whether a dict, whether none written yet
    pending = value
    while True:
        if isinstance(pending, dict) and pending:
            out.append("{")
            stack.append([iter(sorted(pending.items())), len(stack) + 1, True, True])
        elif isinstance(pending, (list, tuple)) and pending:
            out.append("[")
            stack.append([iter(pending), len(stack) + 1, False, True])
        else:
            out.append(_scalar(pending))
        while stack:
            frame = stack[-1]
            item = next(frame[0], _END)
            if item is _END:
                stack.pop()
                out.append("\n" + "  " * min(len(stack), 2 * MAX_INDENT) + ("}" if frame[2] else "]"))
                continue
            out.append(("\n" if frame[3] else ",\n") + "  " * min(frame[1], 2 * MAX_INDENT))
            frame[3] = False
            if frame[2]:
                key, pending = cast("tuple[object, object]", item)  # a dict's frame gives its (key, value) pairs
                out.append(encode_basestring(key if isinstance(key, str) else _scalar(key)) + ": ")
            else:
                pending = item
            break
        else:
            return "".join(out)


def _scalar(value) -> str:
    """A JSON value without items: text, number, yes/no, null, or an empty list or object."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    return json.dumps(value)


_WORDS = {
    "en": {"eligible": "Eligible", "amount": "Amount", "deadlines": "Deadlines", "failed": "Failed conditions",
           "missing": "Missing facts", "notes": "Notes", "values": "Values", "yes": "yes", "no": "no",
           "undetermined": "undetermined", "evaluated": "evaluated on", "reference": "reference date",
           "not_needed": "not needed", "shown": "shown above", "row": "row", "trace": "Explanation",
           "since": "since", "sources": "Sources", "case": "Case", "needs": "needs", "at": "at"},
    "nl": {"eligible": "Komt in aanmerking", "amount": "Bedrag", "deadlines": "Termijnen",
           "failed": "Niet voldaan", "missing": "Ontbrekende gegevens", "notes": "Opmerkingen",
           "values": "Waarden", "yes": "ja", "no": "nee", "undetermined": "onbepaald",
           "evaluated": "beoordeeld op", "reference": "peildatum", "not_needed": "niet nodig",
           "shown": "zie hoger", "row": "rij", "trace": "Verklaring", "since": "sinds",
           "sources": "Bronnen", "case": "Geval", "needs": "hangt af van", "at": "op"},
}


def _summary_lines(decision: Decision, title: str, lang: str, labels: Labels | None = None,
                   changes: dict | None = None, ident: str | None = None) -> list[tuple[str, str]]:
    w = _WORDS[lang]
    case = [(w["case"], printable(ident))] if ident is not None else []
    if labels is not None:
        return case + _readable_summary(decision, lang, labels, changes or {})
    rows = case + [(w["eligible"], w[decision.eligible])]
    if decision.amount is not None:
        rows.append((w["amount"], shown(decision.amount, "money")))
    elif decision.amount_missing:
        rows.append((w["amount"], f"? — {w['needs']} " + ", ".join(decision.amount_missing)))
    for name, day in decision.deadlines.items():
        rows.append((f"{w['deadlines']}: {name}", day.isoformat() if day else "?"))
    for name, (value, tag) in decision.outcome.items():
        text = w["yes"] if value is True else w["no"] if value is False else (
            shown(value, tag) if value is not None else "?")
        rows.append((f"{w['values']}: {name}", text))
    if decision.failed:
        rows.append((w["failed"], ", ".join(decision.failed)))
    if decision.missing:
        rows.append((w["missing"], ", ".join(decision.missing)))
    for note in decision.notes:
        rows.append((w["notes"], printable(note[lang])))
    return rows


def _readable_summary(decision: Decision, lang: str, labels: Labels, changes: dict) -> list[tuple[str, str]]:
    """The summary with labels for identifiers and values localised."""
    w = _WORDS[lang]
    rows = [(w["eligible"], w[decision.eligible])]
    if decision.amount is not None:
        rows.append((w["amount"], shown(decision.amount, "money", lang)))
    elif decision.amount_missing:
        rows.append((w["amount"], f"? — {w['needs']} "
                     + "; ".join(printable(labels.of(n, lang)) for n in decision.amount_missing)))
    for name, day in decision.deadlines.items():
        rows.append((f"{w['deadlines']}: {printable(labels.of(name, lang))}", shown(day, "date", lang)))
    for name, (value, tag) in decision.outcome.items():
        rows.append((f"{w['values']}: {printable(labels.of(name, lang))}", shown(value, tag, lang)))
    if decision.failed:
        rows.append((w["failed"], "; ".join(printable(labels.of(n, lang) + (f" ({changes[n]})" if n in changes else ""))
                                            for n in decision.failed)))
    if decision.missing:
        rows.append((w["missing"], "; ".join(printable(labels.of(n, lang)) for n in decision.missing)))
    for note in decision.notes:
        rows.append((w["notes"], printable(note[lang])))
    return rows


def _header(decision: Decision, title: str, lang: str, localised: bool = False) -> str:
    w = _WORDS[lang]
    day = (lambda d: shown(d, "date", lang)) if localised else (lambda d: d.isoformat())
    # A title often ends in brackets already (`SME wallet (KMO-portefeuille)`): the id follows a dash instead.
    head = f"{printable(title)} — {decision.measure}, {w['evaluated']} {day(decision.evaluated_on)}"
    if decision.reference_date:
        head += f", {w['reference']} {day(decision.reference_date)}"
    return head


def _label(node: TraceNode, lang: str) -> str:
    # A measure's texts are printed as escaped as a case's: a hostile measure cannot steer the terminal either.
    return printable(node.label.get(lang, node.id))


def _value(node: TraceNode, lang: str | None = None) -> str:
    return shown(node.value, node.tag, lang)


def _details(node: TraceNode, lang: str, localised: bool = False) -> list[str]:
    """What is shown under a node: its expression (one entry, over several lines when written so), facts, …"""
    w = _WORDS[lang]
    each = lang if localised else None
    lines = []
    whole = []  # the expression, one entry with its lines joined: the reports show it whole
    if node.expression and node.kind not in ("window", "conditions"):
        whole.append("\n".join(printable(line) for line in node.expression.splitlines()))
    for path, (value, tag) in node.facts:
        lines.append(f"{path} = {shown(value, tag, each) if type(value) is not Unknown else '? (missing)'}")
    for p in node.parameters:
        key = f"[{p.key}]" if p.key is not None else ""
        since = f" ({w['since']} {shown(p.since, 'date', each) if each else p.since.isoformat()})" if p.since else ""
        at = f" {w['at']} {shown(p.at, 'date', each) if each else p.at.isoformat()}" if p.at else ""
        lines.append(f"{p.name}{key}{at} = {shown(p.value, p.tag, each)}{since}")
    if node.row:
        lines.append(f"{w['row']}: {node.row}")
    if node.not_needed:
        lines.append(f"{w['not_needed']}: {', '.join(node.not_needed)}")
    if node.note:
        lines.append(node.note)
    return whole + [printable(line) for line in lines]


def _aggregates(node: TraceNode, lang: str, localised: bool) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each aggregate of a node: its heading, and per item its mark and line."""
    each = lang if localised else None
    return [(heading(read, lang), [("…" if isinstance(state, str) else MARKS[state], text) for state, text in
                                   item_lines(read, lang, lambda value, tag: shown(value, tag, each))])
            for read in node.aggregates]


def _flatten(nodes) -> list[tuple[TraceNode, int, bool]]:
    """The trace in reading order as (node, depth, shown_above); a rule already shown is not expanded."""
    seen: set[str] = set()
    out: list[tuple[TraceNode, int, bool]] = []
    pending = [(node, 0) for node in reversed(nodes)]
    while pending:  # a list of nodes still to show, not recursion: a chain of rules is as deep as it is long
        node, depth = pending.pop()
        repeated = node.kind in ("expr", "table") and node.id in seen
        out.append((node, depth, repeated))
        if repeated:
            continue
        seen.add(node.id)
        pending += [(child, depth + 1) for child in reversed(node.children)]
    return out


def _where(node: TraceNode, sources: Sources | None, link=None, escape=str) -> str:
    """Where a node comes from: its citation (linked by `link` when given) and its location, in `escape`d text."""
    cited = sources.of_node(node) if sources is not None else None
    parts = [escape(x) for x in (str(cited) if cited is not None else node.source, node.location) if x]
    if cited is not None and link is not None:
        parts[0] = link(str(cited), cited.doc.url)
    return " · ".join(parts)


def _indent(depth: int) -> tuple[str, str]:
    """The indentation of a node at `depth`, and the level written before it when deeper than MAX_INDENT."""
    if depth <= MAX_INDENT:
        return "  " * depth, ""
    return "  " * MAX_INDENT, f"[{depth}] "


def _groups(rows: list[tuple[str, str]], lang: str) -> list[tuple[str, str, str]]:
    """Summary rows as ("row", key, value), or ("group", name, "") followed by its ("item", label, value)s.

    Deadlines, values and notes are each labelled once, their items below: the same in every format.
    """
    w = _WORDS[lang]
    out: list[tuple[str, str, str]] = []
    current = None
    for key, value in rows:
        group, _, label = key.partition(": ")
        if group in (w["deadlines"], w["values"]) and label or key == w["notes"]:
            if group != current:
                out.append(("group", group, ""))
                current = group
            out.append(("item", label, value))
        else:
            current = None
            out.append(("row", key, value))
    return out


def _grouped(rows: list[tuple[str, str]], lang: str) -> list[str]:
    """Summary lines with each group (deadlines, values, notes) labelled once and its items indented below."""
    lines = []
    for kind, key, value in _groups(rows, lang):
        if kind == "group":
            lines.append(f"  {key}:")
        elif kind == "item":
            lines.append(f"    {key}: {value}" if key else f"    - {value}")
        else:
            lines.append(f"  {key}: {value}")
    return lines


def _markdown_summary(rows: list[tuple[str, str]], lang: str, grouped: bool) -> list[str]:
    """The summary table; grouped, each group is a row of its own in bold and its items follow it."""
    if not grouped:
        return [f"| {_markdown_text(k)} | {_markdown_text(v)} |" for k, v in rows]
    out = []
    for kind, key, value in _groups(rows, lang):
        if kind == "group":
            out.append(f"| **{_markdown_text(key)}** | |")
        elif kind == "item":
            out.append(f"| {_markdown_text(key) if key else '–'} | {_markdown_text(value)} |")
        else:
            out.append(f"| {_markdown_text(key)} | {_markdown_text(value)} |")
    return out


def _html_summary(rows: list[tuple[str, str]], lang: str, grouped: bool) -> str:
    """The summary table's rows; grouped, each group is a header row over its items."""
    from html import escape as e  # only HTML reports need it
    if not grouped:
        return "".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in rows)
    out = []
    for kind, key, value in _groups(rows, lang):
        if kind == "group":
            out.append(f"<tr><th colspan='2' scope='rowgroup'>{e(key)}</th></tr>")
        elif kind == "item":
            out.append(f"<tr class='in-group'><td>{e(key)}</td><td>{e(value)}</td></tr>")
        else:
            out.append(f"<tr><td>{e(key)}</td><td>{e(value)}</td></tr>")
    return "".join(out)


def _wrapped(lines: list[str], width: int, whole: set[int]) -> list[str]:
    """Lines longer than `width` wrapped with a hanging indent; the lines numbered in `whole` (expressions) kept."""
    import textwrap

    import click
    out = []
    for number, line in enumerate(lines):
        if number in whole or len(click.unstyle(line)) <= width:  # colour codes take no columns
            out.append(line)
            continue
        pad = line[:len(line) - len(line.lstrip(" "))]
        out += textwrap.wrap(line.lstrip(" "), width, initial_indent=pad, subsequent_indent=pad + "    ",
                             break_on_hyphens=False, break_long_words=False) or [line]
    return out


def to_text(decision: Decision, title: str, lang: str = "en", color: bool = False,
            sources: Sources | None = None, labels: Labels | None = None, changes: dict | None = None,
            width: int | None = None, ident: str | None = None) -> str:
    """A terminal report: summary, then the trace as a tree with ✓ ✗ ? marks."""
    import click
    w = _WORDS[lang]
    colors = {"✓": "green", "✗": "red", "?": "yellow", "•": "cyan"}

    def style(text: str, mark: str | None = None, bold: bool = False) -> str:
        if not color:
            return text
        return click.style(text, fg=colors.get(mark) if mark else None, bold=bold)

    each = lang if labels is not None else None
    out = [style(_header(decision, title, lang, each is not None), bold=True)]
    rows = _summary_lines(decision, title, lang, labels, changes, ident)
    out += _grouped(rows, lang) if labels is not None else [f"  {key}: {value}" for key, value in rows]
    whole: set[int] = set()  # the lines of expressions and facts, which are kept whole
    if decision.trace:
        out += ["", style(w["trace"], bold=True)]
    for node, depth, repeated in _flatten(decision.trace):
        pad, level = _indent(depth)
        mark = _mark(node)
        if repeated:
            out.append(f"{pad}{level}{style(mark, mark)} {node.id} = {_value(node, each)}  ({w['shown']})")
            continue
        where = printable(_where(node, sources))
        shown_value = style(_value(node, each), mark)
        out.append(f"{pad}{level}{style(mark, mark)} {node.id}: {_label(node, lang)} = {shown_value}"
                   + (f"   [{where}]" if where else ""))
        details = [f"{pad}    {line}" for entry in _details(node, lang, each is not None) for line in entry.split("\n")]
        whole.update(range(len(out), len(out) + len(details)))
        out += details
        for title, items in _aggregates(node, lang, each is not None):  # not kept whole: wrapped when long
            out.append(f"{pad}    {title}")
            out += [f"{pad}      {style(mark, mark)} {text}" for mark, text in items]
    used = sources.used(decision) if sources is not None else {}
    if used:
        out += ["", style(w["sources"], bold=True)] + source_lines(used)
    if width is not None:
        out = _wrapped(out, width, whole)
    return "\n".join(out) + "\n"


_MARKDOWN = re.compile(r"([\\`*_\[\]<>|#~&])")


def _markdown_text(text: str) -> str:
    """Text shown as itself in Markdown: the characters that would format, link or end a table cell escaped."""
    return _MARKDOWN.sub(r"\\\1", text)


def _markdown_code(text: str) -> str:
    """Text as a code span, fenced with more backticks than it holds, so that no backtick in it can end the span."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _markdown_entry(entry: str, pad: str) -> list[str]:
    """One detail as a list item: a code span, or a fenced block for an expression written over several lines."""
    if "\n" not in entry:
        return [f"{pad}- {_markdown_code(entry)}"]
    fence = "`" * max(3, max((len(run) for run in re.findall("`+", entry)), default=0) + 1)
    return [f"{pad}- {fence}"] + [f"{pad}  {line}" for line in entry.split("\n")] + [f"{pad}  {fence}"]


def to_markdown(decision: Decision, title: str, lang: str = "en", sources: Sources | None = None,
                labels: Labels | None = None, changes: dict | None = None, ident: str | None = None) -> str:
    """The decision as Markdown: a summary table, then the trace as nested lists."""
    w = _WORDS[lang]
    # Every text of the measure or the case is escaped: a title or label cannot format, link or inject markup.
    each = lang if labels is not None else None
    out = [f"# {_markdown_text(_header(decision, title, lang, each is not None))}", "", "| | |", "|---|---|"]
    out += _markdown_summary(_summary_lines(decision, title, lang, labels, changes, ident), lang, labels is not None)
    out += ["", f"## {w['trace']}", ""]
    for node, depth, repeated in _flatten(decision.trace):
        pad, level = _indent(depth)
        value = _markdown_text(_value(node, each))
        if repeated:
            out.append(f"{pad}- {level}{_mark(node)} `{node.id}` = {value} ({w['shown']})")
            continue
        where = _where(node, sources, markdown_link, _markdown_text)
        out.append(f"{pad}- {level}{_mark(node)} **{node.id}**: {_markdown_text(_label(node, lang))} = **{value}**"
                   + (f" _({where})_" if where else ""))
        for entry in _details(node, lang, each is not None):
            out += _markdown_entry(entry, pad + "  ")
        for title, items in _aggregates(node, lang, each is not None):
            out.append(f"{pad}  - {_markdown_text(title)}")
            out += [f"{pad}    - {mark} {_markdown_text(text)}" for mark, text in items]
    used = sources.used(decision) if sources is not None else {}
    if used:
        out += ["", f"## {w['sources']}", ""] + markdown_sources(used)
    return "\n".join(out) + "\n"


_CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}
table{border-collapse:collapse}td{padding:.2rem .8rem;border-bottom:1px solid #ddd}
details{margin-left:1.2rem}summary{cursor:pointer}.yes{color:#17803d}.no{color:#b42318}
.unknown{color:#b54708}.where{color:#667085;font-size:.85em}pre{background:#f6f6f6;padding:.3rem .6rem;margin:.2rem 0}
th{text-align:left;padding:.4rem .8rem .1rem}.in-group td:first-child{padding-left:1.6rem}
.items{margin:.2rem 0 .2rem 1.2rem}.items ul{margin:.1rem 0;padding-left:1.2rem;list-style:none}"""


_CSS_MARK = {"✓": "yes", "✗": "no", "?": "unknown"}


def to_html(decision: Decision, title: str, lang: str = "en", sources: Sources | None = None,
            labels: Labels | None = None, changes: dict | None = None, ident: str | None = None) -> str:
    """One self-contained HTML page with collapsible trace nodes."""
    from html import escape as e  # only HTML reports need it
    w = _WORDS[lang]
    each = lang if labels is not None else None
    rows = _html_summary(_summary_lines(decision, title, lang, labels, changes, ident), lang, labels is not None)

    def css(node: TraceNode) -> str:
        return {"✓": "yes", "✗": "no", "?": "unknown"}.get(_mark(node), "")

    parts: list[str] = []
    open_depths: list[int] = []  # the depths of the nodes whose <details> are still open
    for node, depth, repeated in _flatten(decision.trace):
        while open_depths and open_depths[-1] >= depth:
            open_depths.pop()
            parts.append("</details>")
        if repeated:
            parts.append(f"<div class='{css(node)}'>{_mark(node)} {e(node.id)} = {e(_value(node, each))} "
                         f"({w['shown']})</div>")
            continue
        where = _where(node, sources, html_link, e)
        details = "".join(f"<pre>{e(line)}</pre>" for line in _details(node, lang, each is not None))
        details += "".join(f"<div class='items'>{e(title)}<ul>"
                           + "".join(f"<li class='{_CSS_MARK.get(mark, '')}'>{mark} {e(text)}</li>" for mark, text in items)
                           + "</ul></div>" for title, items in _aggregates(node, lang, each is not None))
        parts.append(f"<details open><summary class='{css(node)}'>{_mark(node)} <b>{e(node.id)}</b>: "
                     f"{e(_label(node, lang))} = <b>{e(_value(node, each))}</b> "
                     f"<span class='where'>{where}</span></summary>{details}")
        open_depths.append(depth)
    body = "".join(parts) + "</details>" * len(open_depths)
    used = sources.used(decision) if sources is not None else {}
    if used:
        body += f"<h2>{w['sources']}</h2>" + html_sources(used)
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{e(printable(title))}</title>"
            f"<style>{_CSS}</style></head><body><h1>{e(_header(decision, title, lang, each is not None))}</h1>"
            f"<table>{rows}</table><h2>{w['trace']}</h2>{body}</body></html>\n")
