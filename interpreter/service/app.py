"""The HTTP application: routes over the measure registry, every error answered as problem+json."""
from __future__ import annotations

import contextlib
import functools
import datetime
import inspect
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from rulerun.dsl.names import did_you_mean
from rulerun.dsl.errors import Diagnostic, RulerunError

from ..formats import render
from ..formats import applicant
from ..formats.auditable import auditable_json
from ..formats.boundaries import describe as describe_boundary
from ..formats.boundaries import failed_boundaries
from ..formats.labels import Labels
from ..formats.sources import Sources
from ..engine.api import CompiledMeasure
from ..tools.intake import Intake
from . import bodies, describe, streaming, workbench
from .auth import BearerAuth, read_token
from .checking import Checker
from .decisions import (RULERUN_VERSION, DecisionLog, execution_receipt, input_hash, log_record, new_id, now,
                        receipt)
from .lean import boolean, choice, lean_route, text
from .openapi import with_case_schemas
from .problems import MEDIA_TYPE, Problem, from_error
from .registry import Entry, Registry, Reloader, Version
from .settings import Settings

_MEDIA = {"html": "text/html; charset=utf-8", "markdown": "text/markdown; charset=utf-8",
          "text": "text/plain; charset=utf-8"}


class Service:
    """What the routes share: read-only settings, the registry (swapped atomically), the log, the checker."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.registry = Registry(Path(settings.measures))
        self.log = DecisionLog(Path(settings.decision_log)) if settings.decision_log else None
        self.checker = Checker(Path(settings.measures))
        self.reloader = Reloader(self.registry, settings.reload_interval)

    def entry(self, ident: str) -> Entry:
        """The entry of a measure, or a 404 problem naming the known ones."""
        entry = self.registry.get(ident)
        if entry is None:
            known = [e.id for e in self.registry.entries()]
            raise Problem(404, "unknown-measure", "No such measure", Diagnostic(
                f"no measure `{ident}` is served",
                hint=did_you_mean(ident, known) or ("served measures: " + ", ".join(known) if known else None)))
        return entry

    def version(self, ident: str, pinned: str | None, if_match: str | None) -> Version:
        """The version that answers for a measure, checked against the hash the client pinned."""
        entry = self.entry(ident)
        if entry.served is None:
            raise Problem(503, "measure-unavailable", "The measure has errors and no earlier version to serve",
                          list(entry.errors), headers={"Retry-After": "5"})
        current = entry.served.hash
        if pinned is not None and pinned != current:
            raise Problem(409, "version-mismatch", "The measure is not the version asked for", Diagnostic(
                f"measure `{ident}` is served at {current}, not {pinned}",
                hint="read GET /measures/" + ident + " for the version served, or leave `hash` out"),
                measure_hash=current)
        if if_match is not None and not _matches(if_match, current):
            raise Problem(412, "version-mismatch", "The measure is not the version asked for", Diagnostic(
                f"measure `{ident}` is served at {current}, not {if_match.strip()}",
                hint="read GET /measures/" + ident + " for the version served, or leave If-Match out"),
                measure_hash=current)
        return entry.served

    def record(self, version: Version, inputs: str, outcome: dict, endpoint: str) -> tuple[str, dict]:
        """A decision id and receipt for a decision, written to the decision log when there is one."""
        decision_id, at = new_id(), now()
        if self.log is not None:
            self.log.write([log_record(decision_id, version, inputs, at, outcome, endpoint)])
        return decision_id, receipt(version, at, inputs)

    def close(self) -> None:
        """Stop watching, close the log, remove the scratch folder."""
        self.reloader.stop()
        self.checker.close()
        if self.log is not None:
            self.log.close()


def _matches(if_match: str, current: str) -> bool:
    tags = [t.strip().removeprefix("W/").strip('"') for t in if_match.split(",")]
    return "*" in tags or current in tags


def create_app(settings: Settings) -> FastAPI:
    """The application serving the measures of `settings.measures`."""
    service = Service(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        service.reloader.start()
        try:
            yield
        finally:
            service.close()

    app = FastAPI(title="rulerun", version=RULERUN_VERSION, lifespan=lifespan, **_WITHOUT_TELEMETRY,
                  description="Explainable, exact decisions from YAML subsidy measures.")
    app.state.service = service
    _handlers(app)
    _routes(app, service)
    workbench.register(app, service)
    # FastAPI's documented way to extend the schema is to replace this method on the instance.
    app.openapi = lambda: with_case_schemas(app, service.registry)  # type: ignore[method-assign]
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type", "If-Match"])
    if settings.token_file:
        app.add_middleware(BearerAuth, token=read_token(Path(settings.token_file)))
    return app


#: FastAPI's OpenTelemetry off (where FastAPI has it): it looked for configured providers on every request.
_WITHOUT_TELEMETRY: dict[str, Any] = ({"telemetry": {"tracing": False, "metrics": False, "logs": False}}
                                      if "telemetry" in inspect.signature(FastAPI).parameters else {})


def from_environment() -> FastAPI:
    """The application for a worker process, from the settings `rulerun serve` left in the environment."""
    return create_app(Settings.from_env())


def _problem_response(problem: Problem, request: Request) -> JSONResponse:
    return JSONResponse(problem.body(request.url.path), status_code=problem.status, media_type=MEDIA_TYPE,
                        headers=problem.headers)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def problem(request: Request, error: Problem):
        return _problem_response(error, request)

    @app.exception_handler(RulerunError)
    async def rulerun_error(request: Request, error: RulerunError):
        return _problem_response(from_error(error), request)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError):
        diagnostics = [Diagnostic(f"{' '.join(str(p) for p in e['loc'][:1])} parameter "
                                  f"`{e['loc'][-1]}`: {e['msg']}", hint=_allowed(e)) for e in error.errors()]
        return _problem_response(Problem(400, "bad-request", "The request cannot be used", diagnostics), request)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        names = {404: "not-found", 405: "method-not-allowed"}
        what = {404: f"no endpoint `{request.url.path}`", 405: f"`{request.method}` is not allowed here"}
        problem = Problem(error.status_code, names.get(error.status_code, "http-error"), str(error.detail),
                          Diagnostic(what.get(error.status_code, str(error.detail)),
                                     hint="see GET /openapi.json for the endpoints"),
                          headers=dict(error.headers or {}))
        return _problem_response(problem, request)

    @app.exception_handler(Exception)
    async def internal(request: Request, error: Exception):
        problem = Problem(500, "internal-error", "Internal error", Diagnostic(
            "internal error: this is a bug in rulerun, not in your request",
            hint="please report it with the request that caused it"))
        return _problem_response(problem, request)


def _allowed(error: dict) -> str | None:
    expected = (error.get("ctx") or {}).get("expected")
    return f"use {expected}" if expected else None


def _day(on: str | None, case_on: datetime.date | None) -> datetime.date:
    if on is None:
        return case_on or datetime.date.today()
    try:
        return datetime.date.fromisoformat(on)
    except ValueError:
        raise Problem(400, "bad-request", "The request cannot be used",
                      Diagnostic(f"`on` must be a date written YYYY-MM-DD, not `{on}`")) from None


def _audience(audience: str) -> None:
    """The decision JSON is one for every audience; the applicant's report is a text to read (/explain)."""
    if audience == "applicant":
        raise Problem(400, "audience-for-reading", "The applicant's report is a text to read", Diagnostic(
            "audience=applicant gives a report to read: ask /explain for it, as text, markdown or html",
            hint="leave `audience` out for the decision JSON; it is the same for everyone"))


def _routes(app: FastAPI, service: Service) -> None:
    limit = service.settings.max_body

    @app.get("/health")
    def health() -> dict:
        """Whether the server answers, and how many measures it serves."""
        entries = service.registry.entries()
        return {"status": "ok", "measures": sum(e.served is not None for e in entries),
                "unavailable": [e.id for e in entries if e.served is None],
                "stale": [e.id for e in entries if e.status == "stale"]}

    @app.get("/version")
    def version() -> dict:
        """The version of rulerun that decides."""
        return {"rulerun": RULERUN_VERSION}

    @app.get("/measures")
    def measures() -> list[dict]:
        """Every measure served: id, title, window, content hash and status."""
        return [describe.summary(e) for e in service.registry.entries()]

    @app.get("/measures/{measure_id}")
    def measure(measure_id: str, response: Response) -> dict:
        """A measure in full: facts, parameters, outputs; and the errors of its file's text, if any."""
        entry = service.entry(measure_id)
        if entry.served is not None:
            response.headers["ETag"] = f'"{entry.served.hash}"'
        return describe.detail(entry)

    @app.get("/measures/{measure_id}/schema")
    def schema(measure_id: str) -> dict:
        """The JSON Schema of the measure's cases (as `rulerun schema`)."""
        from rulerun.dsl.case_schema import case_schema
        served = service.version(measure_id, None, None)
        checked = served.compiled.checked
        return case_schema(checked.measure.id, checked.facts)

    async def decide(measure_id: str, request: Request, on: str | None = None, lang: Literal["nl", "en"] = "en",
                     trace: bool = True, audience: Literal["analyst", "applicant"] = "analyst",
                     hash: Annotated[str | None, Query(description="The measure hash the decision must be made with.")]
                     = None) -> Response:
        """Decide a case: the decision JSON with its receipt and decision id."""
        _audience(audience)
        served = service.version(measure_id, hash, request.headers.get("if-match"))
        body = await bodies.read_body(request.headers, request.stream(), limit)
        out = _decide(service, served, body, on, trace, lang)  # CPU work: a thread would wait for the GIL anyway
        return Response(_json(out), media_type="application/json", headers={"ETag": f'"{served.hash}"'})
    # The hot path: its ordinary requests skip FastAPI's parameter validation (see lean.py).
    app.router.add_api_route("/measures/{measure_id}/decide", decide, methods=["POST"], openapi_extra=_CASE_BODY,
                             route_class_override=lean_route(_DECIDE_PARAMETERS))
    app.router.routes.insert(0, app.router.routes.pop())  # matched first: each route tried before costs ~10 µs

    @app.post("/measures/{measure_id}/explain", openapi_extra=_CASE_BODY)
    async def explain(measure_id: str, request: Request, format: Literal["html", "markdown", "text"] = "html",
                      on: str | None = None, lang: Literal["nl", "en"] = "en",
                      audience: Literal["analyst", "applicant"] = "analyst", hash: str | None = None) -> Response:
        """The explanation of a decision, rendered as HTML, Markdown or text."""
        served = service.version(measure_id, hash, request.headers.get("if-match"))
        body = await bodies.read_body(request.headers, request.stream(), limit)
        text, decision_id = _explain(service, served, body, on, format, lang, audience)
        return Response(text, media_type=_MEDIA[format],
                        headers={"ETag": f'"{served.hash}"', "Rulerun-Decision-Id": decision_id})

    @app.post("/measures/{measure_id}/questions", openapi_extra=_CASE_BODY)
    async def questions(measure_id: str, request: Request, on: str | None = None, lang: Literal["nl", "en"] = "en",
                        unknown: list[str] = Query([], description="Facts the person cannot give: not asked again."),
                        hash: str | None = None) -> dict:
        """The next questions for partial facts (stateless): the first is the one to ask now."""
        served = service.version(measure_id, hash, request.headers.get("if-match"))
        body = await bodies.read_body(request.headers, request.stream(), limit)
        return _questions(served, body, on, unknown, lang)

    @app.post("/measures/{measure_id}/batch", openapi_extra=_NDJSON_BODY)
    async def batch(measure_id: str, request: Request, on: str | None = None, hash: str | None = None
                    ) -> streaming.NdjsonStream:
        """Decide many cases: NDJSON in (`{"id", "on", "facts"}` per line), NDJSON out, in input order."""
        served = service.version(measure_id, hash, request.headers.get("if-match"))
        day = _day(on, None)

        def stamp(items: list, records: list[dict]) -> None:
            _stamp(service, served, items, records, day)
        body, unread = await streaming.spooled(request.stream(), limit, service.settings.max_batch_cases)
        stream = streaming.records(served.compiled, streaming.chunks_of(body), day, limit, unread, stamp)
        return streaming.NdjsonStream(stream, {"ETag": f'"{served.hash}"', "Rulerun-Measure-Hash": served.hash})

    @app.post("/check", openapi_extra=_YAML_BODY)
    async def check(request: Request) -> dict:
        """Check a measure's YAML text: its diagnostics with line, column and hint."""
        text = bodies.decode(await bodies.read_body(request.headers, request.stream(), limit))
        return await run_in_threadpool(service.checker.check, text)


@functools.lru_cache(maxsize=64)
def _labels(compiled: CompiledMeasure) -> Labels:
    """The labels of a measure version, worked out once for all its requests, not once per request."""
    return Labels(compiled)


def _json(out: dict) -> str:
    """The decision as JSON text; a trace as deep as a long chain of rules is written without recursion."""
    try:
        return json.dumps(out, ensure_ascii=False, sort_keys=True)
    except RecursionError:
        return render.json_text(out)


def _decide(service: Service, served: Version, body: bytes, on: str | None, trace: bool, lang: str) -> dict:
    compiled = served.compiled
    case, facts = bodies.case_and_facts(body, compiled)
    day = _day(on, case.on)
    decision = compiled.evaluate(facts, day, trace=trace)
    # The decision as `rulerun explain --format json` gives it: sources, boundaries and the receipt,
    # which the service completes with its own record of the request (id, time, input and measure hashes).
    out = auditable_json(compiled, decision, trace=trace, labels=_labels(compiled),
                         execution=execution_receipt(compiled, decision))
    inputs = input_hash(case.facts, day.isoformat())
    out["decision_id"], served_receipt = service.record(served, inputs, out, "decide")
    out["receipt"] = {**out["receipt"], **served_receipt, "title": compiled.measure.title.get(lang)}
    return out


def _explain(service: Service, served: Version, body: bytes, on: str | None, fmt: str, lang: str,
             audience: str = "analyst") -> tuple[str, str]:
    compiled = served.compiled
    case, facts = bodies.case_and_facts(body, compiled)
    day = _day(on, case.on)
    decision = compiled.evaluate(facts, day, trace=True)
    decision_id, _ = service.record(served, input_hash(case.facts, day.isoformat()),
                                    render.decision_json(decision, trace=False), "explain")
    labels, sources = _labels(compiled), Sources(compiled.measure)
    changes = {name: describe_boundary(found, labels, lang)
               for name, found in failed_boundaries(compiled, decision).items() if found is not None}
    if audience == "applicant":  # the same report as `rulerun explain --audience applicant`
        report = applicant.build(decision, compiled, sources, lang, changes)
        shown = {"markdown": applicant.to_markdown, "html": applicant.to_html}
        return (shown[fmt](report) if fmt in shown else applicant.to_text(report, 80)), decision_id
    # The same explanation as `rulerun explain`: labels, localised values, sources and boundaries.
    title = compiled.measure.title.get(lang)
    if fmt == "markdown":
        return render.to_markdown(decision, title, lang, sources=sources, labels=labels, changes=changes), decision_id
    if fmt == "html":
        return render.to_html(decision, title, lang, sources=sources, labels=labels, changes=changes), decision_id
    return render.to_text(decision, title, lang, color=False, sources=sources, labels=labels,
                          changes=changes), decision_id


def _questions(served: Version, body: bytes, on: str | None, unknown: list[str], lang: str) -> dict:
    compiled = served.compiled
    case, _facts = bodies.case_and_facts(body, compiled)  # the facts' mistakes first, with their positions
    day = _day(on, case.on)
    intake = Intake(compiled, day, case.facts if isinstance(case.facts, dict) else {})  # read: a mapping or none
    intake.unknown |= set(unknown)
    asked = intake.questions()
    decision = auditable_json(served.compiled, intake.decision, trace=False, labels=_labels(served.compiled))
    return {"settled": not asked, "decision": decision,
            "questions": [_question_json(q, lang) for q in asked]}


def _question_json(question, lang: str) -> dict:
    out = describe.fact_json(question.fact)
    del out["question"]  # `text`: the question, or the label of a fact that has none
    out.update({"name": question.name, "path": list(question.path), "text": question.text.as_dict(),
                "heading": question.heading(lang) or None})
    if question.choices:
        out["choices"] = list(question.choices)
    return out


def _stamp(service: Service, served: Version, items: list, records: list[dict], day: datetime.date) -> None:
    """Give each decided batch record a decision id, and log it."""
    lines = []
    for item, record in zip(items, records):
        if "error" in record:
            continue
        decision_id, at = new_id(), now()
        record["decision_id"] = decision_id
        if service.log is not None:
            inputs = input_hash(item.facts, (item.on or day).isoformat())
            lines.append(log_record(decision_id, served, inputs, at, record, "batch"))
    if service.log is not None and lines:
        service.log.write(lines)


_DECIDE_PARAMETERS = {"on": text, "lang": choice("nl", "en"), "trace": boolean,
                      "audience": choice("analyst", "applicant"), "hash": text}
_CASE_BODY = {"requestBody": {"required": True, "description": "A case: `{\"facts\": {…}, \"on\": …}`.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}
_NDJSON_BODY = {"requestBody": {"required": True, "description": "One case per line: `{\"id\", \"on\", \"facts\"}`.",
                                "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}}
_YAML_BODY = {"requestBody": {"required": True, "description": "The YAML text of a measure file.",
                              "content": {"application/yaml": {"schema": {"type": "string"}}}}}
