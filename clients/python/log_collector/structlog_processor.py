"""A structlog processor that forwards each event to a :class:`Logger`.

Put it after ``structlog.contextvars.merge_contextvars`` / ``add_log_level`` and before the
renderer::

    structlog.configure(processors=[
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        LogCollectorProcessor(logger),
        structlog.processors.JSONRenderer(),
    ])

The event is passed on unchanged (console output keeps working); ``drop=True`` ends the chain
instead. ``event`` becomes the message and the other keys columns or metadata.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import Any

from log_collector._fields import LEVEL_ALIASES
from log_collector.logger import SENDER_THREADS, Logger, exception_fields

__all__ = ["LogCollectorProcessor"]

_SKIP = frozenset({"event", "level", "timestamp", "exc_info", "exception", "_record", "_from_structlog"})


class LogCollectorProcessor:
    def __init__(self, logger: Logger, *, drop: bool = False) -> None:
        self.logger = logger
        self.drop = drop

    def __call__(self, _wrapped: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        if threading.get_ident() not in SENDER_THREADS:
            with contextlib.suppress(Exception):  # never into the application
                self._forward(method_name, event_dict)
        if self.drop:
            import structlog

            raise structlog.DropEvent
        return event_dict

    def _forward(self, method_name: str, event_dict: dict[str, Any]) -> None:
        raw_level = event_dict.get("level") or method_name
        level = LEVEL_ALIASES.get(str(raw_level).lower(), "INFO")
        fields = {k: v for k, v in event_dict.items() if k not in _SKIP and k[:1] != "_"}
        exc_info = event_dict.get("exc_info")
        exc: BaseException | None = None
        if isinstance(exc_info, BaseException):
            exc = exc_info
        elif isinstance(exc_info, tuple) and len(exc_info) == 3:
            exc = exc_info[1]
        elif exc_info:
            exc = sys.exc_info()[1]
        if exc is not None:
            fields.setdefault("error_type", type(exc).__name__)
            fields.setdefault("stack_trace", exception_fields(exc)[1])
        elif isinstance(event_dict.get("exception"), str):  # already rendered by format_exc_info
            fields.setdefault("stack_trace", event_dict["exception"])
        message = event_dict.get("event")
        self.logger._emit(level, message if isinstance(message, str) else str(message), fields)
