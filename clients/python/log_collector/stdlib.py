"""A :class:`logging.Handler` that sends stdlib log records through a :class:`Logger`.

``logging.getLogger().addHandler(LogCollectorHandler(logger))``: the message is the formatted
message, ``extra={...}`` keys become columns or metadata like keyword arguments of
``logger.info``, ``exc_info`` becomes error_type + stack_trace, and the call site fills
function_name / file_path (unless a stack trace will name the failing frame instead).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from log_collector._fields import level_name
from log_collector.logger import SENDER_THREADS, Logger, exception_fields

__all__ = ["LogCollectorHandler"]

#: attributes every LogRecord has; anything else on a record came from ``extra=``
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class LogCollectorHandler(logging.Handler):
    def __init__(self, logger: Logger, level: int | str = logging.NOTSET) -> None:
        super().__init__(level)
        self.logger = logger

    def emit(self, record: logging.LogRecord) -> None:
        if threading.get_ident() in SENDER_THREADS:  # the sender's own logging: never a loop
            return
        try:
            fields: dict[str, Any] = {
                k: v for k, v in record.__dict__.items() if k not in _STANDARD and k[:1] != "_"
            }
            fields["logger"] = record.name
            if record.exc_info and record.exc_info[1] is not None:
                error_type, stack = exception_fields(record.exc_info[1])
                fields.setdefault("error_type", error_type)
                fields.setdefault("stack_trace", stack)
            else:
                fields.setdefault("function_name", record.funcName)
                fields.setdefault("file_path", record.pathname)
            if record.stack_info:
                fields.setdefault("stack_info", record.stack_info)
            self.logger._emit(level_name(record.levelno), record.getMessage(), fields)
        except Exception:
            self.handleError(record)
