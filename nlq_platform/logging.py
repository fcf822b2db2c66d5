"""structlog set-up shared by every process of the platform."""

from __future__ import annotations

import logging
import sys

import structlog

from nlq_platform.config import Settings


def configure_logging(settings: Settings) -> None:
    """Key-value console lines for people, JSON lines (NLQ_LOG_FORMAT=json) for machines."""
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    renderer = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # stderr: stdout belongs to the commands' output (`nlq ask --json` prints JSON lines)
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
