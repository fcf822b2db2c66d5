"""The wire vocabulary: the ``logs`` columns a record may carry and their limits.

Kept in the client (not imported from the service) so the package stands alone.
"""

from __future__ import annotations

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
LEVEL_NUMBERS = {"TRACE": 5, "DEBUG": 10, "INFO": 20, "WARN": 30, "ERROR": 40, "FATAL": 50}
LEVEL_ALIASES = {
    **{name.lower(): name for name in LEVELS},
    "warning": "WARN",
    "err": "ERROR",
    "exception": "ERROR",
    "critical": "FATAL",
    "crit": "FATAL",
    "notice": "INFO",
    "msg": "INFO",
}
LOG_TYPES = ("BACKEND", "FRONTEND", "MOBILE", "IOT", "WORKER")
ENVIRONMENTS = ("production", "staging", "development", "test", "local")
ENVIRONMENT_ALIASES = {
    **{name: name for name in ENVIRONMENTS},
    "prod": "production",
    "prd": "production",
    "live": "production",
    "stage": "staging",
    "stg": "staging",
    "preprod": "staging",
    "dev": "development",
    "develop": "development",
    "testing": "test",
    "qa": "test",
    "ci": "test",
    "localhost": "local",
}
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})

#: VARCHAR(n) columns and their limits (characters)
VARCHAR_LIMITS: dict[str, int] = {
    "service": 100,
    "service_version": 50,
    "trace_id": 32,
    "user_id": 255,
    "session_id": 100,
    "error_type": 200,
    "path": 500,
    "action_type": 50,
    "function_name": 300,
    "file_path": 1000,
}
MAX_DURATION_MS = 9_999_999.999

#: keyword arguments of ``Logger.info(...)`` that are columns; every other keyword is metadata
COLUMN_FIELDS = frozenset(
    {
        *VARCHAR_LIMITS,
        "created_at",
        "log_type",
        "environment",
        "stack_trace",
        "method",
        "duration_ms",
    }
)


def level_name(level: str | int) -> str:
    """``"warning"`` → ``"WARN"``; a stdlib ``logging`` number → the nearest level at or below."""
    if isinstance(level, int):
        if level >= 50:
            return "FATAL"
        if level >= 40:
            return "ERROR"
        if level >= 30:
            return "WARN"
        if level >= 20:
            return "INFO"
        return "DEBUG" if level >= 10 else "TRACE"
    found = LEVEL_ALIASES.get(str(level).strip().lower())
    if found is None:
        raise ValueError(f"unknown log level {level!r}; use one of {', '.join(LEVELS)}")
    return found
