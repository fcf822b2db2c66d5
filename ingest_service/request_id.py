"""``X-Request-ID``: one id per request, echoed in the response and on every log line it causes.

A client's own ``X-Request-ID`` (visible ASCII, at most 200 characters) is kept so its logs and
ours can be joined; otherwise one is generated. The id is bound with ``structlog.contextvars``,
which both of nlq_platform.logging's chains merge — structlog's events and stdlib records
(uvicorn.error, uvicorn.access, asyncpg) logged while the request runs.
"""

from __future__ import annotations

import re
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
_ACCEPTED = re.compile(rb"[\x21-\x7e]{1,200}")


def incoming_id(scope: Scope) -> str | None:
    """The client's X-Request-ID when it is one we can log and echo safely."""
    for name, value in scope.get("headers", ()):
        if name == HEADER and _ACCEPTED.fullmatch(value):
            return value.decode("ascii")
    return None


class RequestIdMiddleware:
    """Pure ASGI rather than BaseHTTPMiddleware: the app runs in this call's own context (no task
    hop), so what is bound here is what every log call of the request sees."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_id(scope) or uuid.uuid4().hex
        header = (HEADER, request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        await self.app(scope, receive, send_with_id)
        # Reset only on return: an exception goes on to Starlette's last-resort handler, whose
        # log line should still carry the id (uvicorn runs each request in a task of its own, so
        # the binding ends with that task anyway).
        structlog.contextvars.reset_contextvars(**tokens)
