"""Request bodies: read within the size limit, decoded as UTF-8, and read as a case the way a case file is."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import AsyncIterator

from rulerun.dsl.errors import CaseError, Diagnostic
from rulerun.dsl.source import Source
from rulerun.dsl.yamlsource import Document, YamlProblem, parse_yaml

from ..cases import Case, case_from_document
from .problems import Problem, from_error

#: How request bodies are named in messages (a case's positions are in the body).
BODY = "request body"


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
        return parse_yaml(text, name, dates_as_text=False)
    except YamlProblem as problem:
        d = problem.diagnostic
        raise from_error(CaseError(Diagnostic(d.message, d.span, d.hint, file=d.file or name))) from None


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
    quick = _json_case(decode(body))
    if quick is not None:
        try:
            return quick, compiled.read_facts(quick.facts, None, ("facts",))
        except CaseError:
            pass
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
    except (ValueError, RecursionError, _NotPlain):
        return None
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
