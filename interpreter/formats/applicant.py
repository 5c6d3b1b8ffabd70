"""The applicant's report: the outcome in words, what to do by when, why not or what is still asked, the sources."""
from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass, field

from rulerun.dsl.printable import printable

from ..engine.trace import Decision, TraceNode, walk
from ..engine.values import Unknown
from .labels import Labels
from .localised import readable
from .sources import Sources, link_target

WORDS = {
    "en": {
        "yes": "You are eligible for {title}.", "no": "You are not eligible for {title}.",
        "undetermined": "It cannot be decided yet whether you are eligible for {title}: some answers are missing.",
        "amount": "The support amounts to {amount}.",
        "amount_open": "The amount cannot be worked out yet: it depends on {needs}.", "figures": "Key figures", "todo": "What to do by when",
        "why": "Why not", "open": "Still to answer", "notes": "Good to know", "sources": "Sources",
        "not_met": "not met", "report": "Report for the applicant", "decided": "Assessed on {day}.",
        "reference": "The rules in force on {day} apply.", "unknown_day": "not known yet",
        "case": "Your file: {ident}.",
    },
    "nl": {
        "yes": "U komt in aanmerking voor {title}.", "no": "U komt niet in aanmerking voor {title}.",
        "undetermined": "Of u in aanmerking komt voor {title}, kan nog niet beslist worden: er ontbreken antwoorden.",
        "amount": "De steun bedraagt {amount}.",
        "amount_open": "Het bedrag kan nog niet berekend worden: het hangt af van {needs}.", "figures": "Kerngegevens", "todo": "Wat moet u doen, en tegen wanneer",
        "why": "Waarom niet", "open": "Nog te beantwoorden", "notes": "Goed om te weten", "sources": "Bronnen",
        "not_met": "niet voldaan", "report": "Verslag voor de aanvrager", "decided": "Beoordeeld op {day}.",
        "reference": "De regels die golden op {day} zijn toegepast.", "unknown_day": "nog niet bekend",
        "case": "Uw dossier: {ident}.",
    },
}


@dataclass
class Failed:
    """A condition that does not hold, in words, with the values that made it fail."""

    label: str
    values: list[tuple[str, str]] = field(default_factory=list)
    change: str | None = None  # what would make it hold, when one value decides it


@dataclass
class Report:
    """What the applicant reads, already in words and localised."""

    lang: str
    title: str
    outcome: str
    dates: list[str]
    figures: list[tuple[str, str]]
    deadlines: list[tuple[str, str]]
    failed: list[Failed]
    questions: list[str]
    notes: list[str]
    sources: list[tuple[str, str]]  # (text, url)


def _words(text: str, labels: Labels, lang: str) -> str:
    """A measure's note with each quoted identifier it names ('eigen_bijdrage_betalen') replaced by its label."""
    return re.sub(r"['`]([a-z_][a-z0-9_.]*)['`]",
                  lambda m: f"'{labels.of(m.group(1), lang)}'" if labels.known(m.group(1)) else m.group(0), text)


def _failed(decision: Decision, name: str, labels: Labels, lang: str) -> Failed:
    """A failed condition with the facts, parameters and amounts its rule read."""
    node = next((n for n in walk(decision.trace) if n.id == name and n.kind in ("expr", "table")), None)
    out = Failed(labels.of(name, lang))
    if node is None:
        return out
    seen = set()
    for path, (value, tag) in node.facts:
        if type(value) is not Unknown and not isinstance(value, tuple):
            out.values.append((labels.of(path, lang), readable(value, tag, lang)))
    for child in _read_rules(node):
        out.values.append((labels.of(child.id, lang), readable(child.value, child.tag, lang)))
    for read in node.parameters:
        if (read.name, read.key) not in seen:
            seen.add((read.name, read.key))
            out.values.append((labels.of(read.name, lang), readable(read.value, read.tag, lang)))
    return out


def _read_rules(node: TraceNode) -> list[TraceNode]:
    """The rules a condition read that came to a value (an amount, a date), not to yes or no."""
    return [c for c in node.children if c.kind in ("expr", "table") and type(c.value) is not Unknown
            and not isinstance(c.value, (bool, tuple, dict))]


def build(decision: Decision, compiled, sources: Sources, lang: str, changes: dict | None = None,
          ident: str | None = None) -> Report:
    """The applicant's report of `decision`, in `lang`; `changes` says per failed condition what would meet it.

    `ident` is the case's own id (a batch record's, a case file's): the applicant quotes it in reply.
    """
    w = WORDS[lang]
    labels = Labels(compiled)
    title = compiled.measure.title.get(lang)
    outcome = w[decision.eligible].format(title=title)
    if decision.eligible == "yes" and decision.amount is not None:
        outcome += " " + w["amount"].format(amount=readable(decision.amount, "money", lang))
    elif decision.eligible == "yes" and decision.amount_missing:
        outcome += " " + w["amount_open"].format(needs="; ".join(labels.of(n, lang) for n in decision.amount_missing))
    dates = [w["case"].format(ident=ident)] if ident is not None else []
    dates.append(w["decided"].format(day=readable(decision.evaluated_on, "date", lang)))
    if decision.reference_date:
        dates.append(w["reference"].format(day=readable(decision.reference_date, "date", lang)))
    figures = [(labels.of(name, lang), readable(value, tag, lang)) for name, (value, tag) in decision.outcome.items()
               if value is not None and type(value) is not Unknown and not isinstance(value, (bool, tuple, dict))]
    known = sorted(((day, name) for name, day in decision.deadlines.items() if day), key=lambda d: d[0])
    deadlines = [(labels.of(name, lang), readable(day, "date", lang)) for day, name in known]
    deadlines += [(labels.of(name, lang), w["unknown_day"]) for name, day in decision.deadlines.items() if not day]
    failed = [_failed(decision, name, labels, lang) for name in decision.failed] if decision.eligible == "no" else []
    for name, one in zip(decision.failed, failed):
        one.change = (changes or {}).get(name)
    questions = [labels.question(name, lang) or labels.of(name, lang) for name in decision.missing]
    notes = [_words(note[lang], labels, lang) for note in decision.notes]
    listed = [(f"{doc['title']}" + (f" ({'; '.join(doc['sections'])})" if doc["sections"] else ""), doc["url"])
              for doc in sources.used(decision).values()]
    return Report(lang, title, outcome, dates, figures, deadlines, failed, questions, notes, listed)


def _failed_text(one: Failed, lang: str) -> str:
    values = "; ".join(f"{label}: {value}" for label, value in one.values)
    change = f" {one.change[0].upper()}{one.change[1:]}." if one.change else ""
    return f"{one.label}: {WORDS[lang]['not_met']}." + (f" {values}." if values else "") + change


def _sections(report: Report) -> list[tuple[str, list[str]]]:
    """The report's headed sections as (heading, items) in reading order, empty ones left out."""
    w = WORDS[report.lang]
    parts = [
        (w["figures"], [f"{label}: {value}" for label, value in report.figures]),
        (w["todo"], [f"{value}: {label}" for label, value in report.deadlines]),
        (w["why"], [_failed_text(one, report.lang) for one in report.failed]),
        (w["open"], report.questions),
        (w["notes"], report.notes),
    ]
    return [(heading, items) for heading, items in parts if items]


def _wrap(text: str, width: int, bullet: bool = True) -> list[str]:
    """Lines of at most `width` columns, a list item with a hanging indent; words are not split at hyphens."""
    return textwrap.wrap(printable(text), width, initial_indent="- " if bullet else "",
                         subsequent_indent="  " if bullet else "", break_on_hyphens=False)


def to_text(report: Report, width: int = 80) -> str:
    """The report as plain text, wrapped at `width` columns with a hanging indent."""
    out = [printable(report.title), "=" * min(len(report.title), width), ""]
    out += _wrap(" ".join([report.outcome, *report.dates]), width, bullet=False) + [""]
    for heading, items in _sections(report):
        out += [heading, "-" * len(heading)]
        for item in items:
            out += _wrap(item, width)
        out.append("")
    if report.sources:
        heading = WORDS[report.lang]["sources"]
        out += [heading, "-" * len(heading)]
        for text, url in report.sources:
            out += _wrap(text, width)
            out.append("  " + printable(url))
    return "\n".join(out).rstrip("\n") + "\n"


_MARKDOWN = re.compile(r"([\\`*_\[\]<>|#~&])")


def _md(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", printable(text))


def to_markdown(report: Report) -> str:
    """The report as Markdown: a heading, the outcome, headed lists, the sources as links."""
    out = [f"# {_md(report.title)}", "", f"**{_md(report.outcome)}** {_md(' '.join(report.dates))}", ""]
    for heading, items in _sections(report):
        out += [f"## {heading}", ""] + [f"- {_md(item)}" for item in items] + [""]
    if report.sources:
        out += [f"## {WORDS[report.lang]['sources']}", ""]
        out += [f"- [{_md(text)}](<{link_target(url)}>)" for text, url in report.sources]
    return "\n".join(out).rstrip("\n") + "\n"


_CSS = """:root{color:#1a1a1a;background:#fff}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.5;max-width:42rem;margin:2rem auto;
padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.5rem}h2{font-size:1.2rem;margin-top:1.6rem;border-bottom:1px solid #767676}
.outcome{font-size:1.15rem;font-weight:600}.dates{color:#3d3d3d}a{color:#0645ad}
ul{padding-left:1.2rem}li{margin:.25rem 0}
@page{size:A4;margin:20mm 18mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:11pt}a{color:#1a1a1a}
a::after{content:" (" attr(href) ")";font-size:9pt;word-break:break-all}h2{break-after:avoid}li{break-inside:avoid}}"""


def to_html(report: Report) -> str:
    """The report as one accessible HTML page: lang attribute, landmarks, real headings, a print stylesheet for A4."""
    e = html.escape
    body = [f"<header><h1>{e(printable(report.title))}</h1></header><main>",
            f"<p class='outcome'>{e(printable(report.outcome))}</p>",
            f"<p class='dates'>{e(printable(' '.join(report.dates)))}</p>"]
    for heading, items in _sections(report):
        lis = "".join(f"<li>{e(printable(item))}</li>" for item in items)
        body.append(f"<section><h2>{e(heading)}</h2><ul>{lis}</ul></section>")
    body.append("</main>")
    if report.sources:
        lis = "".join(f"<li><a href='{e(link_target(url))}'>{e(printable(text))}</a></li>"
                      for text, url in report.sources)
        body.append(f"<footer><h2>{e(WORDS[report.lang]['sources'])}</h2><ul>{lis}</ul></footer>")
    return (f"<!DOCTYPE html><html lang='{report.lang}'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{e(printable(report.title))} — {e(WORDS[report.lang]['report'])}</title>"
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n")
