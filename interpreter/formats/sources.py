"""The sources a decision used: each citation of its trace resolved to the document's title and URL."""
from __future__ import annotations

import re

from rulerun.dsl.measure import Citation, Measure, SourceDoc

from rulerun.dsl.printable import printable
from rulerun.dsl.records import record

from ..engine.trace import Decision, ParameterRead, TraceNode, walk


@record(frozen=True)
class Cited:
    """One citation as a reader sees it: the source's key in the decision, its document and the section."""

    key: str
    doc: SourceDoc
    section: str | None

    def __str__(self) -> str:
        return f"{self.key} {self.section}" if self.section else self.key


class Sources:
    """Resolves the citations of one measure and of the files it imports; collects those a decision used."""

    def __init__(self, measure: Measure):
        self.measure = measure
        self.keys: dict[tuple[str, str], str] = {}  # (file, ref) -> key in the decision's `sources` map
        self.docs: dict[str, SourceDoc] = {}

    def _owner(self, name: str) -> tuple[Measure, str, str]:
        """The file that defines `name` (`kmo.is_kmo` is `is_kmo` of the file imported as `kmo`), and the bare name."""
        measure, prefix, rest = self.measure, "", name
        while "." in rest:
            alias, tail = rest.split(".", 1)
            if alias not in measure.uses:
                break
            measure, prefix, rest = measure.uses[alias], prefix + alias + ".", tail
        return measure, prefix, rest

    def _key(self, measure: Measure, prefix: str, ref: str) -> str | None:
        doc = measure.sources.get(ref)
        if doc is None:
            return None
        known = self.keys.get((measure.path, ref))
        if known is not None:
            return known
        # A ref keeps its own name unless another file already uses that name for another document.
        key = ref if self.docs.get(ref, doc) == doc else prefix + ref
        self.keys[(measure.path, ref)] = key
        self.docs[key] = doc
        return key

    def cite(self, citation: Citation | None, name: str = "") -> Cited | None:
        """`citation`, made in the file that defines `name`, as the reader sees it (None when it names no source)."""
        if citation is None:
            return None
        measure, prefix, _ = self._owner(name)
        key = self._key(measure, prefix, citation.ref)
        return Cited(key, self.docs[key], citation.section) if key is not None else None

    def of_node(self, node: TraceNode) -> Cited | None:
        """The citation of a trace node: its rule's, or the window's."""
        measure, prefix, bare = self._owner(node.id)
        if node.kind == "window":
            return self.cite(self.measure.window.source if self.measure.window else None)
        rule = measure.rules.get(bare) if node.kind in ("expr", "table") else None
        return self.cite(rule.source, node.id) if rule is not None else None

    def of_parameter(self, read: ParameterRead) -> Cited | None:
        """The citation of the parameter version a rule read: the version's own, else the parameter's."""
        measure, _, bare = self._owner(read.name)
        parameter = measure.parameters.get(bare)
        if parameter is None:
            return None
        version = next((v for v in parameter.versions if v.since == read.since), None)
        return self.cite((version.source if version else None) or parameter.source, read.name)

    def used(self, decision: Decision) -> dict[str, dict]:
        """The `sources` map of a decision: per key, title, URL, note and the sections cited, in key order."""
        sections: dict[str, set[str]] = {}
        for node in walk(decision.trace):
            cited = [self.of_node(node)] + [self.of_parameter(p) for p in node.parameters]
            for one in cited:
                if one is not None:
                    sections.setdefault(one.key, set()).update([one.section] if one.section else [])
        out = {}
        for key in sorted(sections):
            doc = self.docs[key]
            out[key] = {"title": doc.title, "url": doc.url, "note": doc.note, "sections": sorted(sections[key])}
        return out


def _cited_text(key: str, source: dict) -> str:
    sections = "; ".join(source["sections"])
    return f"{key}: {source['title']}" + (f" — {sections}" if sections else "")


def source_lines(sources: dict[str, dict]) -> list[str]:
    """The sources as terminal lines: key, title and sections, then the URL on the next line."""
    out = []
    for key, source in sources.items():
        out += [printable(f"  {_cited_text(key, source)}"), printable(f"    {source['url']}")]
    return out


def markdown_link(text: str, url: str) -> str:
    """A Markdown link whose text and address cannot break out of the link."""
    label = re.sub(r"([\\`*_\[\]<>|#~&])", r"\\\1", printable(text))
    return f"[{label}](<{link_target(url)}>)"


def markdown_sources(sources: dict[str, dict]) -> list[str]:
    """The sources as a Markdown list of links."""
    return [f"- {markdown_link(_cited_text(key, source), source['url'])}" for key, source in sources.items()]


def html_link(text: str, url: str) -> str:
    """An HTML link, text and address escaped."""
    from html import escape  # only HTML reports need it
    return f"<a href='{escape(link_target(url))}'>{escape(printable(text))}</a>"


def html_sources(sources: dict[str, dict]) -> str:
    """The sources as an HTML list of links."""
    items = "".join(f"<li>{html_link(_cited_text(key, source), source['url'])}</li>" for key, source in sources.items())
    return f"<ul class='sources'>{items}</ul>"


def link_target(url: str) -> str:
    """A URL as a link target: spaces, angle brackets and controls percent-encoded, so it stays one address."""
    return re.sub(r"[\x00-\x20<>\"'\x7f]", lambda m: f"%{ord(m.group()):02X}", url)
