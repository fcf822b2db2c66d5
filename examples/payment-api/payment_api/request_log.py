"""One log record per API request, written by ``log_collector``'s ASGI middleware.

``LogCollectorMiddleware`` already reads ``traceparent`` (or starts a trace), times the request and
writes one record with path, method and duration. This module adds what a payment service wants in
that record, so that each request is exactly one row with a duration (the convention the analyst
questions rely on):

* the handler's outcome — a message such as ``payment_success``, the user and business fields;
* a failure the handler turned into a 402/503/504 response, logged as ERROR with its exception
  (``error_type`` and the real Python stack trace, from which the ingest service extracts
  ``function_name`` / ``file_path``), rather than an ERROR row with no error type;
* WARN for requests slower than one second; ``status_code`` in metadata;
* ``path`` is the route template (``/api/v1/payment/{payment_id}``), so "by endpoint" questions
  group one endpoint together; the concrete path goes to ``metadata.url_path``;
* ``user_id`` / ``session_id`` from the web app's ``X-User-Id`` / ``X-Session-Id`` headers unless
  the handler knows better.

Only ``/api/`` paths are logged: static files, health checks and the admin endpoint are not
traffic anyone asks about.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from log_collector import LogCollectorMiddleware, Logger

from payment_api.errors import LOGGED_AS_ERRORS

SLOW_MS = 1000.0
_IDENTITY_HEADERS = {b"x-user-id": "user_id", b"x-session-id": "session_id"}

_OUTCOME: ContextVar[dict[str, Any] | None] = ContextVar("payment_api_outcome", default=None)


def outcome() -> dict[str, Any]:
    """The current request's outcome record (mutated by handlers; fresh for every request)."""
    found = _OUTCOME.get()
    if found is None:  # outside a logged request (e.g. a unit test calling a handler)
        found = {}
        _OUTCOME.set(found)
    return found


def set_outcome(message: str | None = None, **fields: Any) -> None:
    out = outcome()
    if message is not None:
        out["message"] = message
    out.setdefault("fields", {}).update(fields)


def set_failure(exc: BaseException) -> None:
    """Record the failure that ended the request (called from the exception handler)."""
    # The traceback is kept aside: the framework clears ``__traceback__`` on its way out.
    outcome()["failure"] = (exc, exc.__traceback__)


class _RequestRecord:
    """Stands in for the Logger inside the middleware: folds the outcome into its record."""

    def __init__(self, logger: Logger) -> None:
        self.logger = logger

    def _emit(self, level: str, message: str, fields: dict[str, Any]) -> None:
        out = _OUTCOME.get() or {}
        fields = dict(fields)
        if "status" in fields:
            fields["status_code"] = fields.pop("status")
        route = fields.pop("route", None)
        if route:
            fields["url_path"], fields["path"] = fields.get("path"), route
        fields.update(out.get("fields") or {})
        message = out.get("message") or message
        failure, traceback = out.get("failure") or (None, None)
        if failure is not None and "exc_info" not in fields:
            if isinstance(failure, LOGGED_AS_ERRORS):
                level = "ERROR"
                fields["exc_info"] = failure.with_traceback(traceback)
            else:
                level = "WARN"
                fields["reason"] = str(failure)
        elif level == "INFO" and (fields.get("duration_ms") or 0) > SLOW_MS:
            level = "WARN"
            message = "slow_request"
            fields["slow_operation"] = out.get("message") or "request"
        self.logger.log(level, message, **fields)


class ApiRequestLog:
    """ASGI middleware: ``/api/`` requests go through ``LogCollectorMiddleware``, the rest do not."""

    def __init__(self, app: Any, logger: Logger, prefix: str = "/api/") -> None:
        self.app = app
        self.prefix = prefix
        self.logged = LogCollectorMiddleware(app, logger=_RequestRecord(logger))  # type: ignore[arg-type]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        fields = {}
        for name, value in scope.get("headers") or ():
            if name in _IDENTITY_HEADERS and value:
                fields[_IDENTITY_HEADERS[name]] = value.decode("latin-1")[:255]
        token = _OUTCOME.set({"fields": fields})
        try:
            await self.logged(scope, receive, send)
        finally:
            _OUTCOME.reset(token)
