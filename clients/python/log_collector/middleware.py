"""ASGI middleware (Starlette, FastAPI, any ASGI app): one trace per request, one record per request.

``app.add_middleware(LogCollectorMiddleware, logger=logger)``. The trace id comes from the W3C
``traceparent`` header, or a new one is started; it is bound with :func:`log_context` for the
whole request (every record the handlers log carries it) and exposed as
``request.state.trace_id``. When the response is done, one record gives path, method and
duration_ms, with status (and the matched route) in metadata: INFO, or ERROR for a 5xx or an
exception (which is re-raised untouched).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from log_collector.context import bind_context, new_trace_id, parse_traceparent, reset_context
from log_collector.logger import Logger

__all__ = ["LogCollectorMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class LogCollectorMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        logger: Logger,
        *,
        message: str = "http_request",
        skip_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.logger = logger
        self.message = message
        self.skip_paths = frozenset(skip_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace_id = None
        for name, value in scope.get("headers") or ():
            if name == b"traceparent":
                trace_id = parse_traceparent(value.decode("latin-1"))
                break
        trace_id = trace_id or new_trace_id()
        state = scope.setdefault("state", {})
        if isinstance(state, MutableMapping):
            state["trace_id"] = trace_id
        token = bind_context(trace_id=trace_id)
        status: int | None = None

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        error: BaseException | None = None
        try:
            await self.app(scope, receive, send_and_watch)
        except Exception as exc:
            error = exc
            raise
        finally:
            try:
                self._record(scope, status, error, started)
            finally:
                reset_context(token)

    def _record(self, scope: Scope, status: int | None, error: BaseException | None, started: float) -> None:
        path = scope.get("path") or "/"
        if path in self.skip_paths:
            return
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        code = status if status is not None else 500
        fields: dict[str, Any] = {
            "path": path,
            "method": scope.get("method"),
            "duration_ms": duration_ms,
            "status": code,
        }
        route = getattr(scope.get("route"), "path", None)
        if route and route != path:
            fields["route"] = route
        if error is not None:
            fields["exc_info"] = error
        level = "ERROR" if error is not None or code >= 500 else "INFO"
        self.logger._emit(level, self.message, fields)
