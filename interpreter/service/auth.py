"""Optional bearer-token authentication: each request (but /health and the workbench's page) needs the token."""
from __future__ import annotations

import hmac
import json
from pathlib import Path

from rulerun.dsl.errors import Diagnostic, UsageError
from rulerun.dsl.yamlsource import YamlProblem, read_text

from .problems import MEDIA_TYPE, Problem

OPEN_PATHS = frozenset({"/health"})
#: The workbench's page and its static files hold no data; a browser must load them to be asked for the token.
OPEN_PAGES = ("/", "/workbench/static/")


def is_open(method: str, path: str) -> bool:
    """Whether a request may go without the token: `/health`, and reading the workbench's page and assets."""
    if path in OPEN_PATHS:
        return True
    return method in ("GET", "HEAD") and (path == OPEN_PAGES[0] or path.startswith(OPEN_PAGES[1]))


def read_token(path: Path) -> str:
    """The token in a file (its first line, without surrounding spaces); an empty or unreadable file is refused."""
    try:
        text = read_text(path)
    except YamlProblem as problem:
        d = problem.diagnostic
        raise UsageError(Diagnostic(f"cannot use the token file: {d.message}", file=d.file, hint=d.hint)) from None
    lines = text.strip().splitlines()
    token = lines[0].strip() if lines else ""
    if len(token) < 16 or any(c.isspace() or not c.isprintable() for c in token):
        raise UsageError(Diagnostic("the token file must hold one token of at least 16 printable characters, "
                                    "without spaces", file=str(path),
                                    hint="e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))' > FILE"))
    return token


class BearerAuth:
    """ASGI middleware: a request without the right token gets a 401 problem and goes no further."""

    def __init__(self, app, token: str):
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or is_open(scope["method"], scope["path"]):
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"authorization", b"")
        if hmac.compare_digest(given, self.expected):
            return await self.app(scope, receive, send)
        problem = Problem(401, "unauthorized", "A valid bearer token is required", Diagnostic(
            "the request has no valid `Authorization: Bearer …` header",
            hint="send the token the server was started with (--token-file)"))
        body = json.dumps(problem.body(scope["path"]), ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()),
                                (b"www-authenticate", b'Bearer realm="rulerun"')]})
        await send({"type": "http.response.body", "body": body})
