"""Batch input decoded one record at a time: UTF-8 per line, JSON without duplicate keys, bounded size.

Whatever one line holds, reading it either gives a value or raises `RecordProblem` with a
message for that record's error; it never stops the run and never takes unbounded time or memory.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import BinaryIO

from rulerun.dsl.printable import printable

from .scalars import Written

#: Longest line read, in bytes; a longer line is one bad record, skipped without being held in memory.
MAX_LINE_BYTES = 1 << 20
#: Most characters in one JSON number (Python refuses integers over 4300 digits with a bare ValueError).
MAX_NUMBER_LENGTH = 100
#: Largest power of ten a JSON number may have, up or down.
MAX_EXPONENT = 100
#: Deepest nesting of lists and objects in one record (facts nest a few levels at most).
MAX_DEPTH = 64

BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 16
# A `\uD800`-`\uDFFF` escape: only then can a decoded string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


class RecordProblem(Exception):
    """Why one input record cannot be read; its message becomes the record's error."""


class Lines:
    """Numbered lines of a file opened in binary, a UTF-8 BOM at its start dropped; None for a line too long.

    A line over MAX_LINE_BYTES is skipped a chunk at a time, never held whole. `quotes` counts
    the `"` read so far, so that a CSV reader can tell whether a bad record ends inside a quoted cell.
    `first` is the number of the handle's first line: a part of a file read from a line inside it
    is numbered as in the whole file, and only line 1 may open with the BOM.
    """

    def __init__(self, handle: BinaryIO, first: int = 1):
        self.handle = handle
        self.number = first - 1
        self.quotes = 0

    def __iter__(self) -> Lines:
        return self

    def __next__(self) -> tuple[int, bytes | None]:
        raw = self.handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            raise StopIteration
        self.number += 1
        self.quotes += raw.count(b'"')
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            self._skip_rest()
            return self.number, None
        if self.number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM):]
        return self.number, raw

    def _skip_rest(self) -> None:
        while True:
            chunk = self.handle.readline(_CHUNK)
            self.quotes += chunk.count(b'"')
            if not chunk or chunk.endswith(b"\n"):
                return


def too_long() -> RecordProblem:
    """The problem of a line over MAX_LINE_BYTES."""
    return RecordProblem(f"the line is longer than {MAX_LINE_BYTES >> 20} MiB, the most one case may take")


def utf8(raw: bytes) -> str:
    """One line's bytes as text, or the column of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        column = len(raw[:error.start].decode("utf-8")) + 1
        raise RecordProblem(f"not valid UTF-8: byte 0x{raw[error.start]:02x} at column {column}; "
                            "save the file as UTF-8") from None


def bad_byte(text: str) -> int | None:
    """The first byte that was not UTF-8 in text decoded with `surrogateescape`, else None."""
    match = _SURROGATE.search(text)
    return None if match is None else ord(match.group()) - 0xDC00


def shown(text: str) -> str:
    """Text safe to echo in a message: lone surrogates written as escapes, since they cannot be output."""
    return printable(text.encode("utf-8", "backslashreplace").decode("utf-8"))


def _number(text: str) -> None:
    if len(text) > MAX_NUMBER_LENGTH:
        raise RecordProblem(f"a number of {len(text)} characters is too long (the limit is {MAX_NUMBER_LENGTH})")


def _integer(text: str) -> int:
    _number(text)
    return int(text)


def _decimal(text: str) -> Decimal:
    _number(text)
    value = Written(text)
    if abs(value.adjusted()) > MAX_EXPONENT:
        # Beyond this, even comparing the value with a limit overflows Python's decimal context.
        raise RecordProblem(f"the number `{text}` is out of range: its power of ten must lie within ±{MAX_EXPONENT}")
    return value


def _constant(text: str):
    raise RecordProblem(f"`{text}` is not a number; JSON has no NaN or Infinity")


def _object(pairs: list[tuple[str, object]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise RecordProblem(f"the key `{shown(key)}` is given twice in one object; give each key once")
            seen.add(key)
    return out


# Built once: the hooks make numbers exact and bounded and refuse a key given twice.
_DECODER = json.JSONDecoder(parse_float=_decimal, parse_int=_integer, parse_constant=_constant,
                            object_pairs_hook=_object)


def decode_json(text: str):
    """One JSON value from one record's text, exact, bounded in depth, free of duplicate keys and lone surrogates."""
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise RecordProblem(f"not valid JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise _too_deep() from None
    if text.count("[") + text.count("{") > MAX_DEPTH or _SURROGATE_ESCAPE.search(text):
        _check_shape(value)
    return value


class _Pairs(list):
    """An object's key-value pairs, duplicates kept, as read by the lenient decoder."""


class _Unusable:
    """A number that is no id (a fraction, or too long to be one)."""


def _id_number(text: str):
    return text if len(text) <= MAX_NUMBER_LENGTH else _Unusable()


_LENIENT = json.JSONDecoder(parse_float=lambda text: _Unusable(), parse_int=_id_number,
                            parse_constant=lambda text: _Unusable(), object_pairs_hook=_Pairs)


def lenient_id(text: str) -> str | None:
    """The `id` of a record that could not be read whole, when its line is one JSON object with one text or
    whole-number `id`; else None. The record's own id, so an error record never takes another case's."""
    try:
        value = _LENIENT.decode(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, _Pairs):
        return None
    ids = [item for key, item in value if key == "id"]
    if len(ids) != 1 or not isinstance(ids[0], str) or _SURROGATE.search(ids[0]):
        return None
    return ids[0]


def _too_deep() -> RecordProblem:
    return RecordProblem(f"lists and objects are nested more than {MAX_DEPTH} levels deep")


def _check_shape(value) -> None:
    """Refuse nesting over MAX_DEPTH and lone surrogates; without recursion, as the value may be deep."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            match = _SURROGATE.search(item)
            if match:
                raise RecordProblem(f"`{shown(match.group())}` is half of a surrogate pair, not a character; "
                                    "write the character itself or its full pair")
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise _too_deep()
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
