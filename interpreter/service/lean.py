"""A route whose usual requests skip FastAPI's parameter solving: the hot path of /decide.

FastAPI validates every query parameter through pydantic on each request, which cost as much CPU
as deciding the case. A `LeanRoute` reads the parameters of an ordinary request itself and calls
the endpoint with them; a request it does not recognise exactly (an unknown, repeated or invalid
parameter) goes to FastAPI's own handler, so every error keeps its message. The route stays an
`APIRoute`: the OpenAPI document describes its parameters and body as before.
"""
from __future__ import annotations

from typing import Any, Callable, Coroutine
from urllib.parse import parse_qsl

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

#: The values a boolean query parameter is read from on the lean path (pydantic reads these alike).
BOOLEANS = {"true": True, "false": False}


def choice(*allowed: str) -> Callable[[str], str | None]:
    """A reader of a parameter with these values: None for any other value."""
    values = frozenset(allowed)
    return lambda text: text if text in values else None


def boolean(text: str) -> bool | None:
    """`true` or `false`; None for any other text."""
    return BOOLEANS.get(text)


def text(value: str) -> str:
    """Any text, as given."""
    return value


def lean_route(readers: dict[str, Callable[[str], Any]]) -> type[APIRoute]:
    """An `APIRoute` class whose endpoint gets its path parameters and these query parameters read by `readers`.

    A reader returns the parameter's value, or None when the text is not an ordinary value (the
    request then goes to FastAPI's handler, which gives the error). The endpoint also gets `request`.
    """

    class LeanRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            standard = super().get_route_handler()
            endpoint = self.endpoint

            async def handle(request: Request) -> Response:
                given = read_query(request.scope["query_string"], readers)
                if given is None:
                    return await standard(request)
                return await endpoint(request=request, **request.path_params, **given)
            return handle
    return LeanRoute


def read_query(query: bytes, readers: dict[str, Callable[[str], Any]]) -> dict[str, Any] | None:
    """The query's parameters read, or None when one is unknown, repeated or not an ordinary value."""
    if not query:
        return {}
    out: dict[str, Any] = {}
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        reader = readers.get(name)
        if reader is None or name in out:
            return None
        read = reader(value)
        if read is None:
            return None
        out[name] = read
    return out
