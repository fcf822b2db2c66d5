"""A local HTTP server that speaks enough of the Anthropic Messages API for the real SDK.

Each test scripts a queue of behaviours — a ``submit_sql`` tool call, an error status (429, 500,
529 …) with headers, a reply slower than the client's timeout — and the server answers
``POST /v1/messages`` requests from that queue in order, recording every request body and its
headers so the test can assert on the prompt the engine sent.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}


@dataclass
class Behaviour:
    """One scripted answer: a message (``tool_input`` or ``text``) or an error ``status``."""

    status: int = 200
    tool_input: dict[str, Any] | None = None
    text: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error_message: str = ""
    delay_s: float = 0.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def system_text(self) -> str:
        system = self.body.get("system") or ""
        if isinstance(system, str):
            return system
        return "\n".join(block.get("text", "") for block in system)

    @property
    def tool_results(self) -> list[dict[str, Any]]:
        return [
            block
            for message in self.body.get("messages", [])
            if message["role"] == "user" and isinstance(message["content"], list)
            for block in message["content"]
            if block.get("type") == "tool_result"
        ]


class FakeAnthropic:
    """``with FakeAnthropic() as fake: fake.push_sql("SELECT 1"); ... fake.base_url ...``"""

    def __init__(self) -> None:
        self._queue: list[Behaviour] = []
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- script --------------------------------------------------------------------------------

    def push(self, behaviour: Behaviour) -> FakeAnthropic:
        with self._lock:
            self._queue.append(behaviour)
        return self

    def push_sql(
        self,
        sql: str,
        explanation: str = "Counts the rows.",
        *,
        cannot_answer: bool | None = None,
        reading: str | None = None,
        not_understood: list[str] | None = None,
    ) -> FakeAnthropic:
        tool_input: dict[str, Any] = {"sql": sql, "explanation": explanation}
        if cannot_answer is not None:
            tool_input["cannot_answer"] = cannot_answer
        if reading is not None:
            tool_input["reading"] = reading
        if not_understood is not None:
            tool_input["not_understood"] = not_understood
        return self.push(Behaviour(tool_input=tool_input))

    def push_status(
        self, status: int, headers: dict[str, str] | None = None, message: str = ""
    ) -> FakeAnthropic:
        return self.push(Behaviour(status=status, headers=headers or {}, error_message=message))

    def push_delay(self, seconds: float, sql: str = "SELECT 1") -> FakeAnthropic:
        """Answer with ``sql`` — but only after ``seconds`` (longer than the client's timeout)."""
        return self.push(Behaviour(tool_input={"sql": sql, "explanation": "late"}, delay_s=seconds))

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeAnthropic:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes delayed handlers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving -------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("content-length") or 0)
        raw = request.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        path = request.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            self.received.append(Received(path=path, headers=headers, body=body))
            behaviour = self._queue.pop(0) if self._queue and path == "/v1/messages" else None

        if path != "/v1/messages":
            self._send_error(request, 404, f"fake: no route {path}")
            return
        if not (headers.get("x-api-key") or headers.get("authorization")):
            self._send_error(request, 401, "invalid x-api-key")
            return
        if behaviour is None:  # 400 is not retried: the test fails at once, with this message
            self._send_error(request, 400, "fake: no scripted response left")
            return
        if behaviour.delay_s and self._stopping.wait(behaviour.delay_s):
            return
        if behaviour.status != 200:
            self._send_error(request, behaviour.status, behaviour.error_message, behaviour.headers)
            return
        self._send_json(request, 200, self._message(body, behaviour), behaviour.headers)

    def _message(self, body: dict[str, Any], behaviour: Behaviour) -> dict[str, Any]:
        n = next(self._ids)
        if behaviour.tool_input is not None:
            content = [
                {
                    "type": "tool_use",
                    "id": f"toolu_fake_{n:04d}",
                    "name": "submit_sql",
                    "input": behaviour.tool_input,
                }
            ]
            stop_reason = "tool_use"
        else:
            content = [{"type": "text", "text": behaviour.text or ""}]
            stop_reason = "end_turn"
        return {
            "id": f"msg_fake_{n:04d}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-fake"),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": len(json.dumps(body)) // 4,
                "output_tokens": len(json.dumps(content)) // 4,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }

    def _send_error(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        error_type = _ERROR_TYPES.get(status, "api_error")
        payload = {
            "type": "error",
            "error": {"type": error_type, "message": message or error_type.replace("_", " ")},
            "request_id": f"req_fake_{next(self._ids):04d}",
        }
        self._send_json(request, status, payload, headers or {})

    @staticmethod
    def _send_json(
        request: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str]
    ) -> None:
        data = json.dumps(payload).encode()
        try:
            request.send_response(status)
            request.send_header("content-type", "application/json")
            request.send_header("content-length", str(len(data)))
            request.send_header("request-id", f"req_fake_{int(time.monotonic() * 1e6)}")
            for name, value in headers.items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(data)
            request.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            pass
