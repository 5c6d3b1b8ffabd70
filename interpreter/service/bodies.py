"""Request bodies: read within the size limit, decoded as UTF-8, and read as a case the way a case file is."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import AsyncIterator

from rulerun.dsl.errors import CaseError, Diagnostic
from rulerun.dsl.source import Source
from rulerun.dsl.yamlsource import Document, YamlProblem, parse_yaml

from ..formats.cases import Case, case_from_document
from .problems import Problem, from_error

#: How request bodies are named in messages (a case's positions are in the body).
BODY = "request body"
#: Most values (mapping entries and list items, at any depth) in one case.
MAX_VALUES = 10_000
#: Longest line whose mistakes are shown with their position (each message quotes its line).
MAX_QUOTED_LINE = 2_000


def too_large(limit: int) -> Problem:
    """The problem for a body (or a batch line) over the limit."""
    return Problem(413, "body-too-large", "The request body is too large",
                   Diagnostic(f"the request body is larger than {limit} bytes",
                              hint="send less, or start the server with a larger --max-body"))


def check_length(headers, limit: int) -> None:
    """Refuse at once a body whose announced length is over the limit."""
    length = headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise too_large(limit)


async def read_body(headers, stream: AsyncIterator[bytes], limit: int) -> bytes:
    """The whole body; a body over `limit` bytes is refused without being read further."""
    check_length(headers, limit)
    chunks, size = [], 0
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def decode(body: bytes, name: str = BODY) -> str:
    """The body as text; bytes that are not UTF-8 are an error with their position."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = body[:error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise Problem(400, "bad-request", "The request cannot be used", Diagnostic(
            f"the {name} is not UTF-8 text (byte 0x{body[error.start]:02x} at line {line}, column {column})",
            hint="send the body encoded as UTF-8")) from None


def document(text: str, name: str = BODY) -> Document:
    """A JSON (or YAML) text as a positioned document; a syntax error is an invalid case."""
    try:
        parsed = parse_yaml(text, name, dates_as_text=False)
    except YamlProblem as problem:
        d = problem.diagnostic
        raise from_error(CaseError(Diagnostic(d.message, d.span, d.hint, file=d.file or name))) from None
    except RecursionError:
        raise too_deep() from None
    _check_size(len(parsed.nodes))
    if max(map(len, parsed.source.lines), default=0) > MAX_QUOTED_LINE:
        # Every positioned message quotes its line: for many mistakes on a long line, that is unbounded.
        return Document(parsed.source, parsed.data)
    return parsed


def too_deep() -> Problem:
    """The problem for a body nested deeper than it can be read."""
    return Problem(422, "invalid-case", "The case is invalid", Diagnostic(
        f"the {BODY} is nested too deeply to be read", hint="a case nests as deep as its measure's facts"))


def _check_size(values: int) -> None:
    if values > MAX_VALUES:
        raise Problem(413, "body-too-large", "The request body is too large", Diagnostic(
            f"the {BODY} holds {values} values; at most {MAX_VALUES} are accepted",
            hint="a case holds the facts of one case: send many cases to /batch, one per line"))


def most_values(length: int) -> int:
    """The most values a JSON text of `length` characters holds (as `count_values` counts them).

    Each value ends with a character of its own (a bracket, quote, digit or letter) and each value
    but the outermost follows a `[`, `,` or `:` of its own, which never ends a value.
    """
    return (length + 1) // 2


def count_values(data) -> int:
    """How many values `data` holds (iteratively: a deep body cannot exhaust the stack here)."""
    count, stack = 0, [data]
    while stack:
        value = stack.pop()
        count += 1
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count


def case(body: bytes) -> Case:
    """The body as a case: `{"facts": {…}, "on": …}` as a case file gives them."""
    try:
        return case_from_document(document(decode(body)))
    except CaseError as error:
        raise from_error(error) from None


def case_and_facts(body: bytes, compiled) -> tuple[Case, dict]:
    """The body as a case and its facts read for the measure; a mistake is a problem with its position.

    A body of plain JSON is read as JSON (fast); the positions of the YAML reader are needed only
    to report a mistake, so a body with one is read again by it, and that reading gives the message.
    """
    text = decode(body)
    quick = _json_case(text)
    if quick is not None:
        try:
            return quick, compiled.read_facts(quick.facts, None, ("facts",))
        except CaseError as error:
            if max(map(len, text.splitlines()), default=0) > MAX_QUOTED_LINE:
                raise from_error(error) from None  # no positions to add: see `document`
    positioned = case(body)
    try:
        return positioned, compiled.read_facts(positioned.facts, positioned.document, ("facts",))
    except CaseError as error:
        raise from_error(error) from None


class _NotPlain(Exception):
    """JSON that the fast reading leaves to the YAML reader (duplicate keys, NaN)."""


def _json_case(text: str) -> Case | None:
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_refuse, object_pairs_hook=_unique)
    except RecursionError:
        raise too_deep() from None
    except (ValueError, _NotPlain):
        return None
    if most_values(len(text)) > MAX_VALUES:  # counting costs; a shorter text cannot hold too many: `most_values`
        _check_size(count_values(data))
    try:
        return case_from_document(Document(Source(BODY, text), data))
    except CaseError:
        return None


def _refuse(name: str):
    raise _NotPlain(name)


def _unique(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _NotPlain("duplicate key")
    return out
