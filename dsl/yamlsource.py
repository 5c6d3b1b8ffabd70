"""Read YAML safely, keeping every node's position; refuse what a measure must never contain."""
from __future__ import annotations

import datetime
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn, cast

import yaml

from . import files
from .errors import Diagnostic
from .records import field, record
from .source import Placement, Source, Span

#: Most digits in a whole number: far beyond any amount, well within what Python reads as an integer.
MAX_INTEGER_DIGITS = 1000
#: Most values (scalars, lists and mappings) in one file, and deepest nesting: composing stays small and flat.
MAX_NODES = 500_000
MAX_DEPTH = 100

_STANDARD = "tag:yaml.org,2002:"
#: The C reader when PyYAML was built with libyaml: the same nodes and positions, twenty times faster.
_LIBYAML = getattr(yaml, "CSafeLoader", None)
_ALLOWED_TAGS = {_STANDARD + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}


@record(frozen=True)
class NodeInfo:
    """Where a value stands in its file and how it was written."""

    line: int
    column: int
    end_line: int
    end_column: int
    style: str | None
    raw: str | None


@record
class Document:
    """A YAML document as plain data, with positions by path."""

    source: Source
    data: Any  # plain YAML data: what it holds is checked where it is read
    nodes: dict[tuple, NodeInfo] = field(default_factory=dict)
    keys: dict[tuple, NodeInfo] = field(default_factory=dict)

    def span(self, path: tuple, key: bool = False) -> Span | None:
        """The span of the value at `path` (or of its key), falling back to the nearest parent."""
        table = self.keys if key else self.nodes
        while path not in table and path:
            path = path[:-1]
            table = self.nodes
        info = table.get(path)
        if info is None:
            return None
        return Span(self.source, info.line, info.column, info.end_line, info.end_column)

    def raw(self, path: tuple) -> str | None:
        """The text of the scalar at `path` exactly as written."""
        info = self.nodes.get(path)
        return info.raw if info else None

    def placement(self, path: tuple) -> Placement:
        """Where the expression text at `path` starts, for positioned parse errors."""
        info = self.nodes[path]
        if info.style == "|" or info.style == ">":
            indent = _block_indent(self.source, info.line)
            return Placement(self.source, info.line, indent, first_line_only_offset=False)
        quote = 1 if info.style in ("'", '"') else 0
        return Placement(self.source, info.line - 1, info.column - 1 + quote)


def _block_indent(source: Source, indicator_line: int) -> int:
    for text in source.lines[indicator_line:]:
        if text.strip():
            return len(text) - len(text.lstrip(" "))
    return 0


def has_top_key(text: str, keys: tuple[str, ...]) -> bool:
    """Whether a line of `text` starts with one of `keys` and a colon: what tells a measure or case from any file."""
    return re.search(r"^(?:%s)[ \t]*:" % "|".join(map(re.escape, keys)), text, re.MULTILINE) is not None


class YamlProblem(Exception):
    """A YAML text that cannot be read; carries a diagnostic."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def read_text(path: Path) -> str:
    """Read a regular file of bounded size as UTF-8, turning every failure into a YamlProblem naming it."""
    name = str(path)
    try:
        data = files.read_bytes(path, name)
    except files.FileProblem as problem:
        raise YamlProblem(problem.diagnostic) from None
    return decode(data, name)


def read_standard_input() -> str:
    """Standard input, bounded like a file, as UTF-8 text."""
    name = "<stdin>"
    try:
        data = files.read_stream(sys.stdin.buffer, name)
    except files.FileProblem as problem:
        raise YamlProblem(problem.diagnostic) from None
    return decode(data, name)


def decode(data: bytes, name: str) -> str:
    """UTF-8 bytes as text (a leading byte-order mark dropped); YamlProblem at the first invalid byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise YamlProblem(Diagnostic(
            f"the file is not UTF-8 text (byte 0x{data[error.start]:02x} at line {line}, column {column})",
            file=name, hint="save the file as UTF-8")) from None


def parse_yaml(text: str, name: str, dates_as_text: bool) -> Document:
    """Compose YAML into plain data with positions. `dates_as_text` keeps dates as written."""
    source = Source(name, text)
    try:
        _within_bounds(text, source)
        nodes = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        span = Span(source, mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2) if mark else None
        problem = (error.problem or error.context or "invalid YAML").strip()
        raise YamlProblem(Diagnostic(f"invalid YAML: {problem}", span, _yaml_hint(problem), file=name)) from None
    except yaml.YAMLError as error:
        raise YamlProblem(Diagnostic(f"invalid YAML: {error}", file=name)) from None
    except RecursionError:
        raise _too_deep(name) from None
    if len(nodes) > 1:
        second = nodes[1]
        raise YamlProblem(Diagnostic("the file holds more than one YAML document", _node_span(source, second),
                                     "remove the `---` separator: one file holds one document", file=name))
    document = Document(source, None)
    if not nodes:
        return document
    try:
        document.data = _Walker(document, dates_as_text).value(nodes[0], ())
    except RecursionError:
        raise _too_deep(name) from None
    return document


def _too_deep(name: str) -> YamlProblem:
    return YamlProblem(Diagnostic("invalid YAML: lists and mappings are nested too deeply to read", file=name,
                                  hint="a case or measure nests a few levels at most"))


def _within_bounds(text: str, source: Source) -> None:
    """Refuse a file too large or too deep to compose; its YAML mistakes are left to the composer to report."""
    for loader in dict.fromkeys((_LIBYAML or yaml.SafeLoader, yaml.SafeLoader)):
        try:
            _count(text, source, loader)
            return
        except yaml.YAMLError:
            continue  # the C reader stops at 1000 levels; the pure-Python one counts on to the limit


def _count(text: str, source: Source, loader) -> None:
    """Walk the YAML events (no nodes are built), raising YamlProblem past MAX_DEPTH or MAX_NODES."""
    depth = count = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        count += 1
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        if depth > MAX_DEPTH or count > MAX_NODES:
            line, column = (event.start_mark.line, event.start_mark.column) if event.start_mark else (0, 0)
            span = Span(source, line + 1, column + 1, line + 1, column + 2)
            if depth > MAX_DEPTH:
                raise YamlProblem(Diagnostic(f"lists and mappings are nested more than {MAX_DEPTH} levels deep", span,
                                             "a measure or case needs only a few levels; flatten the structure",
                                             file=source.name))
            raise YamlProblem(Diagnostic(f"the file holds more than {MAX_NODES} values", span,
                                         "split the data over several files", file=source.name))


def _compose(text: str) -> list:
    if _LIBYAML is not None:
        try:
            return list(yaml.compose_all(text, Loader=_LIBYAML))
        except yaml.YAMLError:
            pass  # read again below: the pure-Python reader's wording and positions are the ones documented
    return list(yaml.compose_all(text, Loader=yaml.SafeLoader))


def _yaml_hint(problem: str) -> str | None:
    if "tab" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "a value containing `: ` must be quoted, or written as a `|` block"
    if "sequence entries are not allowed" in problem:
        return "a value that starts with `- ` is read as a list item; put it in double quotes"
    if "<stream end>" in problem:
        return "a `[` or `{` is never closed"
    if "expected ',' or '}'" in problem or "expected ',' or ']'" in problem:
        return ("inside `{ … }` or `[ … ]`, put texts containing `?`, `:`, `,` or `#` in double quotes, "
                "or write the mapping as indented lines")
    if "could not find expected ':'" in problem:
        return "check the indentation of this line and the one before"
    return None


def _node_span(source: Source, node: yaml.Node) -> Span:
    return Span(source, node.start_mark.line + 1, node.start_mark.column + 1,
                node.end_mark.line + 1, node.end_mark.column + 1)


class _Walker:
    """Turns composed nodes into plain data, checking tags, duplicates and aliases."""

    def __init__(self, document: Document, dates_as_text: bool):
        self.document = document
        self.dates_as_text = dates_as_text
        self.seen: set[int] = set()
        self.constructor = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, message: str, hint: str | None = None) -> NoReturn:
        raise YamlProblem(Diagnostic(message, _node_span(self.document.source, node), hint))

    def record(self, node: yaml.Node, path: tuple, table: dict) -> None:
        raw = node.value if isinstance(node, yaml.ScalarNode) else None
        style = (node.style or None) if isinstance(node, yaml.ScalarNode) else None  # libyaml says '' for plain
        table[path] = NodeInfo(node.start_mark.line + 1, node.start_mark.column + 1,
                               node.end_mark.line + 1, node.end_mark.column + 1, style, raw)

    def value(self, node: yaml.Node, path: tuple):
        if id(node) in self.seen:
            self.fail(node, "YAML anchors and aliases (`&name` / `*name`) are not allowed",
                      "write the value out where it is needed")
        self.seen.add(id(node))
        if node.tag not in _ALLOWED_TAGS:
            self.fail(node, f"YAML tag `{node.tag.replace(_STANDARD, '!!')}` is not allowed",
                      "measures and cases hold plain values only; remove the tag")
        self.record(node, path, self.document.nodes)
        if isinstance(node, yaml.MappingNode):
            result = {}
            for key_node, value_node in node.value:
                if key_node.tag == _STANDARD + "merge":
                    self.fail(key_node, "YAML merge keys (`<<`) are not allowed", "write the keys out")
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _ALLOWED_TAGS:
                    self.fail(key_node, "keys must be plain names", "write the key as a plain word")
                # Keys are names: `on`, `yes`, `no` stay text instead of YAML 1.1 booleans.
                key = key_node.value
                if key in result:
                    first = self.document.keys[path + (key,)]
                    self.fail(key_node, f"duplicate key `{key}` (first given at line {first.line})",
                              "a key may appear once in a mapping; remove or rename one")
                self.record(key_node, path + (key,), self.document.keys)
                result[key] = self.value(value_node, path + (key,))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, path + (i,)) for i, item in enumerate(node.value)]
        return self.scalar(cast(yaml.ScalarNode, node))  # the one kind of node left

    def scalar(self, node: yaml.ScalarNode):
        tag = node.tag[len(_STANDARD):]
        if tag == "str":
            return node.value
        if tag in ("map", "seq"):
            self.fail(node, f"YAML tag `!!{tag}` is not allowed on a single value", "remove the tag")
        if tag == "null":
            if node.value not in ("", "~", "null", "Null", "NULL"):
                self.fail(node, f"`{_cut(node.value)}` is tagged `!!null` but is not empty", "remove the tag")
            return None
        if tag == "bool":
            try:
                return self.constructor.construct_yaml_bool(node)
            except KeyError:
                self.fail(node, f"`{_cut(node.value)}` is not a yes/no value", "write true or false")
        if tag == "int":
            return self._integer(node)
        if tag == "float":
            text = node.value.replace("_", "")
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                self.fail(node, f"`{_cut(node.value)}` is not a finite number")
            return number
        if self.dates_as_text:
            return node.value
        try:
            value = self.constructor.construct_yaml_timestamp(node)
        except ValueError as error:
            self.fail(node, f"`{node.value}` is not a calendar date: {error}",
                      "dates are written YYYY-MM-DD with a day that exists in that month")
        except (AttributeError, TypeError):  # the tag was given to a text that is no timestamp at all
            self.fail(node, f"`{_cut(node.value)}` is not a calendar date", "write YYYY-MM-DD")
        if isinstance(value, datetime.datetime):
            self.fail(node, f"`{node.value}` has a time of day; give a date only", "write YYYY-MM-DD")
        return value

    def _integer(self, node: yaml.ScalarNode) -> int:
        digits = sum(c.isdigit() for c in node.value)
        if digits > MAX_INTEGER_DIGITS:
            self.fail(node, f"`{node.value[:20]}…` is a number of {digits} digits; that is too large to be meant")
        try:
            return self.constructor.construct_yaml_int(node)
        except ValueError:
            self.fail(node, f"`{_cut(node.value)}` is not a whole number", "write digits only, e.g. 1250")


def _cut(text: str) -> str:
    """A scalar's text for a message, cut short when long."""
    return text if len(text) <= 40 else text[:40] + f"… ({len(text)} characters)"
