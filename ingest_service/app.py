"""The FastAPI ingest service: ``POST /logs`` plus health, readiness and Prometheus metrics.

Thin on purpose: decoding lives in :mod:`ingest_service.body`, validation in
:mod:`ingest_service.records`, storage in :mod:`ingest_service.storage`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
import structlog
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from ingest_service import body as body_mod
from ingest_service import fast_decode
from ingest_service.api_models import (
    INGEST_REQUEST_BODY,
    ErrorResponse,
    HealthResponse,
    IngestResponse,
    drop_unused_422,
)
from ingest_service.auth import AuthError, KeyRing, parse_keys, presented_key
from ingest_service.metrics import IngestMetrics, exposition
from ingest_service.records import RecordError, ServiceNotAllowed, normalise
from ingest_service.request_id import RequestIdMiddleware
from ingest_service.storage import Store, StoreUnavailable
from nlq_platform.config import Settings, get_settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.logging import configure_logging

log = structlog.get_logger("ingest")
MAX_IDEMPOTENCY_KEY = 200
#: visible ASCII only: a NUL or control character could never be stored in ingest_batches
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]+$"
# Module level: FastAPI resolves the string annotations (PEP 563) against module globals.
bearer = HTTPBearer(auto_error=False, description="An API key from NLQ_INGEST_KEYS.")
#: Request headers browser clients send cross-origin (each needs CORS preflight approval).
CORS_HEADERS = ["Authorization", "Content-Type", "Content-Encoding", "Idempotency-Key", "traceparent"]


def cors_origins(spec: str) -> list[str]:
    """``NLQ_INGEST_CORS_ORIGINS`` → the origin list; ``*`` alone means any, empty means none."""
    origins = [item.strip().rstrip("/") for item in spec.split(",") if item.strip()]
    return ["*"] if "*" in origins else origins


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json", headers=headers)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return _json(status, {"error": message}, headers)


def _validate(
    parsed: body_mod.ParsedBody, now: datetime, bound_service: str | None
) -> tuple[list[tuple[Any, ...]], list[int], list[dict[str, Any]], int]:
    """The per-record path: rows, their batch positions, rejections, and how many records were
    refused for naming another service than the key's."""
    rows: list[tuple[Any, ...]] = []
    positions: list[int] = []
    rejected: list[dict[str, Any]] = []
    not_allowed = 0
    for index, raw in enumerate(parsed.records):
        if index in parsed.line_errors:
            rejected.append({"index": index, "error": parsed.line_errors[index]})
            continue
        try:
            rows.append(normalise(raw, now, bound_service))
            positions.append(index)
        except ServiceNotAllowed as exc:
            not_allowed += 1
            rejected.append({"index": index, "error": str(exc)})
        except RecordError as exc:
            rejected.append({"index": index, "error": str(exc)})
        except Exception as exc:
            rejected.append({"index": index, "error": f"invalid record ({type(exc).__name__})"})
    return rows, positions, rejected, not_allowed


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service from settings (uvicorn calls this as a factory)."""
    settings = settings or get_settings()
    configure_logging(settings)
    dsns = dsn_mod.resolve(settings)
    keyring = KeyRing(parse_keys(settings.ingest_keys), enabled=settings.ingest_auth)
    if keyring.enabled and not parse_keys(settings.ingest_keys):
        log.warning("ingest.no_keys", hint="set NLQ_INGEST_KEYS=key=service or NLQ_INGEST_AUTH=false")
    store = Store(
        dsns.ingest,
        min_size=settings.ingest_pool_min,
        max_size=settings.ingest_pool_max,
        acquire_timeout=settings.ingest_pool_timeout_s,
        db_timeout=settings.ingest_db_timeout_s,
    )
    metrics = IngestMetrics()
    retry_after = {"Retry-After": str(settings.ingest_retry_after_s)}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await store.warm_up()
        log.info("ingest.started", database=dsn_mod.redact(dsns.ingest), auth=keyring.enabled)
        yield
        await store.close()

    # /docs and /redoc with Swagger UI and ReDoc served from the package, not a CDN: they work offline
    app = FastAPIOffline(
        title="nlq ingest service",
        version="1.0.0",
        description="Receives batches of structured log records and bulk-loads them into PostgreSQL "
        "with binary COPY. Good records are stored, bad ones reported by index.",
        lifespan=lifespan,
        # Prometheus metrics are this service's telemetry; FastAPI's OpenTelemetry spans cost
        # CPU on every 1000-record batch and nothing here exports them.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = drop_unused_422(
                get_openapi(
                    title=app.title, version=app.version, description=app.description, routes=app.routes
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    origins = cors_origins(settings.ingest_cors_origins)
    if origins:
        # Browsers post cross-origin. No credentials (the key is a header, not a cookie), so "*"
        # is safe; Retry-After is exposed so a browser client can honour it on 429/503.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=CORS_HEADERS,
            expose_headers=["Retry-After"],
            max_age=600,
        )
    # outermost: every response (CORS answers too) carries X-Request-ID, every log line request_id
    app.add_middleware(RequestIdMiddleware)
    app.state.store = store
    app.state.metrics = metrics

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        return _error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(400, f"invalid request: {where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> Response:  # pragma: no cover - last resort
        log.exception("ingest.unexpected_error", error=type(exc).__name__)
        return _error(503, "the ingest service hit an unexpected error; retry later", retry_after)

    @app.post(
        "/logs",
        summary="Ingest a batch of log records",
        description="Browsers: the service answers CORS (NLQ_INGEST_CORS_ORIGINS). "
        "navigator.sendBeacon, which can set no headers, may send the body as text/plain (read as "
        "JSON) with ?api_key= and ?idempotency_key= instead of the headers.",
        response_model=IngestResponse,
        responses={
            400: {"model": ErrorResponse, "description": "The body is not a batch of log records."},
            401: {"model": ErrorResponse, "description": "Missing or unknown API key."},
            403: {"model": ErrorResponse, "description": "No record is for the key's service."},
            413: {"model": ErrorResponse, "description": "Body or batch larger than the limits."},
            503: {"model": ErrorResponse, "description": "Database unavailable or busy; see Retry-After."},
        },
        openapi_extra={"requestBody": INGEST_REQUEST_BODY},
    )
    async def ingest_logs(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
        idempotency_key: Annotated[
            str | None,
            Header(
                alias="Idempotency-Key",
                max_length=MAX_IDEMPOTENCY_KEY,
                pattern=IDEMPOTENCY_KEY_PATTERN,
                description="Makes a retried batch store nothing twice.",
            ),
        ] = None,
        api_key: Annotated[
            str | None,
            Query(
                description="The API key, for navigator.sendBeacon only (it cannot set headers; "
                "the Authorization header wins when both are present).",
            ),
        ] = None,
        idempotency_key_param: Annotated[
            str | None,
            Query(
                alias="idempotency_key",
                max_length=MAX_IDEMPOTENCY_KEY,
                pattern=IDEMPOTENCY_KEY_PATTERN,
                description="Idempotency-Key for sendBeacon (the header wins when both are present).",
            ),
        ] = None,
    ) -> Response:
        started = time.perf_counter()
        token = presented_key(credentials.credentials if credentials else None, api_key)
        response = await _ingest(request, token, idempotency_key or idempotency_key_param)
        metrics.responses.labels(str(response.status_code)).inc()
        metrics.latency.observe(time.perf_counter() - started)
        return response

    async def _ingest(request: Request, token: str | None, idempotency_key: str | None) -> Response:
        try:
            principal = keyring.authenticate(token)
        except AuthError as exc:
            return _error(401, str(exc), {"WWW-Authenticate": "Bearer"})

        limit = settings.ingest_max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return _error(413, f"body exceeds {limit} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return _error(413, f"body exceeds {limit} bytes")
            chunks.append(chunk)
        content_type = request.headers.get("content-type", "application/json")
        now = datetime.now(UTC)
        rows: list[tuple[Any, ...]] | None = None
        try:
            data = body_mod.inflate(b"".join(chunks), request.headers.get("content-encoding", ""), limit)
            if not body_mod.is_ndjson(content_type):
                rows = fast_decode.decode_rows(data, now, principal.bound_service)
            if rows is not None:
                body_mod.check_batch_size(len(rows), settings.ingest_max_batch)
            else:
                parsed = body_mod.parse(data, content_type, settings.ingest_max_batch)
        except body_mod.BodyError as exc:
            return _error(exc.status, exc.message)

        rejected: list[dict[str, Any]] = []
        positions: Sequence[int]
        if rows is not None:  # every record canonical and valid: no per-record pass needed
            positions = range(len(rows))
        else:
            rows, positions, rejected, not_allowed = _validate(parsed, now, principal.bound_service)
            if parsed.records and not_allowed == len(parsed.records):
                return _error(403, f"this API key may only write service {principal.bound_service!r}")

        try:
            result = await store.write(rows, idempotency_key) if (rows or idempotency_key) else None
        except StoreUnavailable as exc:
            log.warning("ingest.unavailable", reason=str(exc), records=len(rows))
            return _error(503, str(exc), retry_after)

        if result is not None and result.duplicate:
            metrics.duplicates.inc()
            return _json(200, {"accepted": result.accepted, "rejected": [], "duplicate": True})

        if result is not None and result.failed:
            rejected.extend({"index": positions[pos], "error": why} for pos, why in result.failed)
            rejected.sort(key=lambda r: r["index"])
        accepted = result.accepted if result is not None else 0
        metrics.accepted.inc(accepted)
        metrics.rejected.inc(len(rejected))
        if rejected:
            log.info("ingest.rejected", accepted=accepted, rejected=len(rejected), first=rejected[0]["error"])
        return _json(200, {"accepted": accepted, "rejected": rejected, "duplicate": False})

    @app.get("/healthz", response_model=HealthResponse, summary="Liveness: the process answers")
    async def healthz() -> Response:
        return _json(200, {"status": "ok"})

    @app.get(
        "/readyz",
        response_model=HealthResponse,
        summary="Readiness: the database answers",
        responses={503: {"model": ErrorResponse, "description": "Database unavailable."}},
    )
    async def readyz() -> Response:
        try:
            await store.ping()
        except StoreUnavailable as exc:
            return _error(503, str(exc), retry_after)
        return _json(200, {"status": "ready"})

    @app.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def prometheus_metrics() -> Response:
        return Response(exposition(metrics), media_type=CONTENT_TYPE_LATEST)

    return app
