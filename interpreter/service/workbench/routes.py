"""The workbench's routes: the page, its assets, and the JSON endpoints it needs beside the service's own."""
from __future__ import annotations

import datetime
import json
import os
import tempfile
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from rulerun.dsl.errors import Diagnostic

from ..problems import Problem
from .. import bodies
from . import drafts, suite
from .names import completions
from .trying import try_case

STATIC = Path(__file__).resolve().parent / "static"


def register(app: FastAPI, service) -> None:
    """Serve the workbench at `/` and its endpoints under `/workbench/` (saving only when editing is on)."""
    limit = service.settings.max_body
    app.mount("/workbench/static", StaticFiles(directory=STATIC), name="workbench-static")

    def path_of(measure_id: str) -> Path:
        return service.entry(measure_id).path  # a 404 problem naming the measures served when unknown

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        """The workbench page."""
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/workbench/settings")
    def settings() -> dict:
        """What the page may do: whether saving is on."""
        return {"edit": service.settings.edit}

    @app.get("/workbench/measures")
    def measures() -> list[dict]:
        """Every measure served, with the state of its bundled cases (passed and failed)."""
        return [_listed(service, entry) for entry in service.registry.entries()]

    @app.get("/workbench/measures/{measure_id}/source")
    def source(measure_id: str) -> dict:
        """The text of a measure's file as saved, with its hash (to send back with a save)."""
        path = path_of(measure_id)
        text = drafts.saved_text(path)
        return {"id": measure_id, "file": str(path), "text": text, "hash": drafts.text_hash(text),
                "editable": service.settings.edit}

    @app.put("/workbench/measures/{measure_id}/source", openapi_extra=_YAML_BODY)
    async def save(measure_id: str, request: Request) -> dict:
        """Write the measure's file (only when the server was started with --edit), if it is still as the page read it."""
        if not service.settings.edit:
            raise Problem(403, "editing-off", "Editing is off", Diagnostic(
                "this server does not write measure files", hint="start it with --edit to save from the workbench"))
        path = path_of(measure_id)
        text = bodies.decode(await bodies.read_body(request.headers, request.stream(), limit))
        seen = (request.headers.get("if-match") or "").strip().strip('"')
        current = drafts.text_hash(drafts.saved_text(path))
        if not seen:
            raise Problem(428, "hash-required", "The save must say which version it replaces", Diagnostic(
                "a save needs the If-Match header with the hash read from GET …/source",
                hint="read the source first; send its `hash` as If-Match"))
        if seen != current:
            raise Problem(412, "changed-on-disk", "The file changed since it was read", Diagnostic(
                f"`{path}` changed on disk since the workbench read it",
                hint="reload the measure (your edit is lost on reload: copy it first), then edit and save again"),
                hash=current)
        _write(path, text)
        service.registry.refresh()  # serve the new version now if it is clean, not at the next look
        check = await run_in_threadpool(service.checker.check, text)
        return {"hash": drafts.text_hash(text), "check": check, **_reloaded(service.entry(measure_id))}

    @app.get("/workbench/measures/{measure_id}/cases")
    def cases(measure_id: str) -> list[dict]:
        """The bundled cases of a measure (cases/<id>/*.yaml), each as JSON data to load into the page."""
        return suite.case_files(path_of(measure_id))

    @app.post("/workbench/measures/{measure_id}/try")
    async def try_it(measure_id: str, request: Request, lang: Literal["nl", "en"] = "en") -> dict:
        """Decide one case under the saved measure or the edited text: the decision and both explanations."""
        path = path_of(measure_id)
        data = _json_object(await bodies.read_body(request.headers, request.stream(), limit))
        text = data.get("measure")
        compiled = drafts.draft(service.checker, path, text) if isinstance(text, str) else drafts.saved(path)
        return try_case(compiled, data, lang)

    @app.post("/workbench/measures/{measure_id}/test", openapi_extra=_YAML_BODY)
    async def test(measure_id: str, request: Request, lang: Literal["nl", "en"] = "en") -> dict:
        """Run the bundled cases under the edited text (or, for an empty body, the saved file), with coverage by source."""
        path = path_of(measure_id)
        text = bodies.decode(await bodies.read_body(request.headers, request.stream(), limit))
        compiled = drafts.draft(service.checker, path, text) if text.strip() else drafts.saved(path)
        return await run_in_threadpool(suite.run, path, compiled, lang)

    @app.post("/workbench/measures/{measure_id}/names", openapi_extra=_YAML_BODY)
    async def names(measure_id: str, request: Request) -> list[dict]:
        """The names the editor completes: of the edited text (or, for an empty body, the saved file)."""
        path = path_of(measure_id)
        text = bodies.decode(await bodies.read_body(request.headers, request.stream(), limit))
        compiled = drafts.draft(service.checker, path, text) if text.strip() else drafts.saved(path)
        return completions(compiled)

    @app.post("/workbench/measures/{measure_id}/impact", openapi_extra=_YAML_BODY)
    async def impact(measure_id: str, request: Request, on: str | None = None) -> dict:
        """The edited text against the saved file over the bundled cases: flips and amount changes."""
        path = path_of(measure_id)
        text = bodies.decode(await bodies.read_body(request.headers, request.stream(), limit))
        edited = drafts.draft(service.checker, path, text)
        day = _day(on)
        return await run_in_threadpool(suite.compare, path, drafts.saved(path), edited, day)


def _reloaded(entry) -> dict:
    """Whether the saved text now answers; if not, how many errors keep it out, said in words too."""
    errors = sum(d.severity == "error" for d in entry.errors)
    out: dict = {"status": entry.status, "reloaded": entry.status == "ok", "errors": errors}
    if entry.status != "ok":
        count = f"{errors} error" + ("" if errors == 1 else "s")
        out["message"] = (f"saved, but not reloaded: the file has {count}, so the server keeps answering with the "
                          "version before it" if entry.served is not None else
                          f"saved, but not served: the file has {count}, and no version of the measure answers")
    return out


def _listed(service, entry) -> dict:
    from ..describe import summary
    out = summary(entry)
    out["cases"] = None
    if entry.served is not None:
        outcomes = suite.counts(entry.path, entry.served.compiled, entry.served.hash)
        out["cases"] = outcomes
    return out


def _json_object(body: bytes) -> dict:
    text = bodies.decode(body)
    try:
        data = json.loads(text)
    except ValueError as error:
        raise Problem(400, "bad-request", "The request cannot be used",
                      Diagnostic(f"the request body is not JSON: {error}",
                                 hint='send {"case": {"facts": {…}}, "measure": TEXT or null}')) from None
    if not isinstance(data, dict):
        raise Problem(400, "bad-request", "The request cannot be used",
                      Diagnostic("the request body must be a JSON object",
                                 hint='send {"case": {"facts": {…}}, "measure": TEXT or null}'))
    return data


def _day(on: str | None) -> datetime.date:
    if on is None:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(on)
    except ValueError:
        raise Problem(400, "bad-request", "The request cannot be used",
                      Diagnostic(f"`on` must be a date written YYYY-MM-DD, not `{on}`")) from None


def _write(path: Path, text: str) -> None:
    """Replace the file in one rename, so the server's file watcher never reads half a file."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise Problem(500, "write-failed", "The measure file could not be written", Diagnostic(
            f"cannot write `{path}`: {error.strerror or error}", hint="check the folder's permissions and free space"))


_YAML_BODY = {"requestBody": {"required": True, "description": "The YAML text of the measure as edited.",
                              "content": {"application/yaml": {"schema": {"type": "string"}}}}}
