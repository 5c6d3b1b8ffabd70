"""`POST /measures/{id}/batch`: NDJSON in, NDJSON out, in input order, one error record per bad line."""
from __future__ import annotations

import datetime
import json
import tempfile
from typing import IO, AsyncIterator, Callable

from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from ..tools import batch as runner
from ..engine.evaluator import CompiledMeasure
from .bodies import MAX_VALUES, count_values

#: Most cases decided together; fewer when the input pauses, so that answers flow while the client sends.
CHUNK = 500


class Lines:
    """Splits a byte stream into numbered lines; a line longer than the limit becomes an error, not memory."""

    def __init__(self, limit: int):
        self.limit = limit
        self.pending = bytearray()
        self.number = 0
        self.skipping = False  # inside a line over the limit: drop bytes up to its end

    def feed(self, chunk: bytes) -> list[runner.Item]:
        """The items of the lines this chunk completes."""
        items: list[runner.Item] = []
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                self._keep(chunk[start:])
                return items
            items += self._line(chunk[start:end])
            start = end + 1

    def finish(self) -> list[runner.Item]:
        """The item of a last line without a newline."""
        if self.pending or self.skipping:
            return self._line(b"")
        return []

    def _keep(self, part: bytes) -> None:
        if not self.skipping:
            self.pending += part
            if len(self.pending) > self.limit:
                self.pending.clear()
                self.skipping = True

    def _line(self, tail: bytes) -> list[runner.Item]:
        self.number += 1
        number = self.number
        if self.skipping or len(self.pending) + len(tail) > self.limit:
            self.pending.clear()
            self.skipping = False
            return [runner.Item(number, None, None, None,
                                f"the line is longer than {self.limit} bytes; it was not read")]
        data = bytes(self.pending) + tail
        self.pending.clear()
        try:  # the bytes, read as `rulerun batch` reads a line: the same error records
            item = runner.line_item(number, data)
        except RecursionError:
            item = runner.Item(number, None, None, None, "the line's JSON is nested too deeply")
        if item is not None and item.problem is None and (values := count_values(item.facts)) > MAX_VALUES:
            item = runner.Item(number, item.id, None, None,
                               f"the line holds {values} values; at most {MAX_VALUES} are accepted in one case")
        return [] if item is None else [item]


async def records(compiled: CompiledMeasure, stream: AsyncIterator[bytes], day: datetime.date, line_limit: int,
                  unread: int | None, stamp: Callable[[list[runner.Item], list[dict]], None]) -> AsyncIterator[bytes]:
    """The output lines for the input stream, decided a chunk at a time in a worker thread; when the input
    was cut at line `unread`, a last error record says so."""
    lines = Lines(line_limit)
    async for chunk in _with_end(stream):
        items = lines.finish() if chunk is None else lines.feed(chunk)
        for start in range(0, len(items), CHUNK):
            yield await run_in_threadpool(_decide, compiled, items[start:start + CHUNK], day, stamp)
    if unread is not None:
        yield (json.dumps({"line": unread, "error": f"more than {unread - 1} lines in one request; the rest was not "
                           "read: send them in another request"}) + "\n").encode()


async def _with_end(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes | None]:
    async for chunk in stream:
        if chunk:
            yield chunk
    yield None


async def spooled(stream: AsyncIterator[bytes], line_limit: int, most_lines: int) -> tuple[IO[bytes], int | None]:
    """The request body kept aside (in memory, then on disk) before any answer is sent, and the number of
    the first line not kept (None when all were).

    Clients send the whole body before they read the answer; an answer streamed while the body
    still arrives would fill the connection both ways and wait for ever. What is kept is bounded:
    a line is cut after `line_limit` + 1 bytes (enough to be reported as too long), and reading
    stops after `most_lines` lines.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    length = 0  # bytes of the current line kept so far
    number = 1  # the current line
    async for chunk in stream:
        pieces = chunk.split(b"\n")
        for index, piece in enumerate(pieces):
            room = line_limit + 1 - length
            if room > 0:
                spool.write(piece[:room])
                length += min(len(piece), room)
            if index < len(pieces) - 1:  # the line ends here
                spool.write(b"\n")
                number, length = number + 1, 0
                if number > most_lines:
                    if index < len(pieces) - 2 or pieces[-1] or await _more(stream):
                        spool.seek(0)
                        return spool, number
    spool.seek(0)
    return spool, None


async def _more(stream: AsyncIterator[bytes]) -> bool:
    """Whether anything but an empty end follows."""
    async for chunk in stream:
        if chunk:
            return True
    return False


async def chunks_of(spool: IO[bytes], size: int = 1 << 16) -> AsyncIterator[bytes]:
    """The spooled body again, a block at a time."""
    try:
        while block := spool.read(size):
            yield block
    finally:
        spool.close()


def _decide(compiled: CompiledMeasure, items: list[runner.Item], day: datetime.date,
            stamp: Callable[[list[runner.Item], list[dict]], None]) -> bytes:
    out = runner.decide_items(compiled, items, day)
    stamp(items, out)
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in out).encode("utf-8")


class NdjsonStream(StreamingResponse):
    """A streamed NDJSON answer that leaves the request's messages to the request body being read meanwhile.

    (A generic streaming response also listens for the client going away, which takes those
    messages: the body still being read would wait for ever.)
    """

    media_type = "application/x-ndjson"

    def __init__(self, chunks: AsyncIterator[bytes], headers: dict[str, str]):
        super().__init__(chunks, 200, headers, self.media_type)

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        async for chunk in self.body_iterator:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
