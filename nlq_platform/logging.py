"""One log stream for every process of the platform: structlog's events and the stdlib loggers.

``configure_logging`` installs one handler on the root logger whose formatter is structlog's
``ProcessorFormatter``, and routes structlog's own events through the stdlib to that handler. So
structlog events and foreign records (uvicorn, uvicorn.access, uvicorn.error, dagster, asyncpg,
httpx, anthropic, Python warnings …) come out alike: key=value lines for people
(``NLQ_LOG_FORMAT=console``) or one JSON object a line for machines (``json``), each with
``timestamp``, ``level``, ``logger`` and the context bound with ``structlog.contextvars`` (the
ingest service's ``request_id``). ``NLQ_LOG_LEVEL`` filters both.

Everything goes to stderr: stdout belongs to the commands' output (``nlq ask --json`` prints JSON
lines there).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from nlq_platform.config import Settings

#: Loggers that may arrive with handlers of their own — uvicorn's dictConfig (when started as
#: ``uvicorn …``) and Dagster's ``configure_loggers`` install them. Those handlers are removed so
#: the records reach ours through propagation instead of being printed in a second format.
#: A logger with no handlers and ``propagate = False`` is left alone: that is uvicorn switching its
#: access log off (``access_log=False``).
SELF_HANDLED = ("uvicorn", "uvicorn.error", "uvicorn.access", "dagster", "dagster-webserver")
#: Libraries that log every HTTP request at INFO (``HTTP Request: POST … "200 OK"``): progress
#: chatter, not events. They speak from WARNING unless NLQ_LOG_LEVEL=DEBUG.
CHATTY_AT_INFO = ("httpx", "httpcore")


class _StreamToStderr(logging.StreamHandler):
    """A stderr handler that is ours: a second configure_logging replaces it, never adds one."""

    nlq_platform = True


def _renderer(settings: Settings) -> Any:
    if settings.log_format == "json":
        return structlog.processors.JSONRenderer(ensure_ascii=False)
    # plain tracebacks: rich's would print every frame's locals (Settings with its keys) in boxes
    return structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)


def _shared_processors() -> list[Any]:
    """What every line gets, whether it comes from structlog or from a stdlib logger."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def formatter(settings: Settings) -> structlog.stdlib.ProcessorFormatter:
    """The formatter of the one handler: renders structlog events and foreign records alike."""
    final: list[Any] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if settings.log_format == "json":  # a traceback becomes the "exception" field of one line
        final.append(structlog.processors.format_exc_info)
    final.append(_renderer(settings))
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.processors.StackInfoRenderer()],
        processors=final,
    )


def level_of(settings: Settings) -> int:
    return logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)


def configure_logging(settings: Settings) -> None:
    """Key-value console lines for people, JSON lines (NLQ_LOG_FORMAT=json) for machines.

    Idempotent: called again (uvicorn's factory, a test), it replaces its own handler."""
    level = level_of(settings)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "nlq_platform", False)]:
        root.removeHandler(handler)
    handler = _StreamToStderr(sys.stderr)
    handler.setLevel(level)  # also for loggers whose own level is lower (uvicorn's dictConfig: INFO)
    handler.setFormatter(formatter(settings))
    root.addHandler(handler)
    root.setLevel(level)

    for name in SELF_HANDLED:
        logger = logging.getLogger(name)
        if logger.handlers:
            logger.handlers.clear()
            logger.propagate = True
    for name in CHATTY_AT_INFO:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else max(level, logging.WARNING))
    logging.captureWarnings(True)  # warnings.warn(...) becomes a line of the stream, not raw text

    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
