"""log_collector: structured logs from Python services to the nlq ingest service.

::

    from log_collector import Logger, log_context

    logger = Logger(service="payment-api", environment="production",
                    log_server_url="http://localhost:8000", api_key="...")
    with log_context(trace_id=trace_id, user_id=user.id):
        logger.info("payment_success", path="/api/v1/payment", duration_ms=123.45)

Integrations: :class:`LogCollectorHandler` (stdlib ``logging``), :class:`LogCollectorProcessor`
(structlog) and :class:`LogCollectorMiddleware` (Starlette / FastAPI / ASGI).
"""

from __future__ import annotations

from log_collector.context import (
    bind_context,
    get_context,
    log_context,
    new_trace_id,
    parse_traceparent,
    reset_context,
    traceparent,
)
from log_collector.logger import Logger
from log_collector.middleware import LogCollectorMiddleware
from log_collector.stdlib import LogCollectorHandler
from log_collector.structlog_processor import LogCollectorProcessor

__all__ = [
    "LogCollectorHandler",
    "LogCollectorMiddleware",
    "LogCollectorProcessor",
    "Logger",
    "bind_context",
    "get_context",
    "log_context",
    "new_trace_id",
    "parse_traceparent",
    "reset_context",
    "traceparent",
]
__version__ = "0.1.0"
