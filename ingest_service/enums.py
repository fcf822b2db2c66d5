"""The four enum vocabularies of the logs table, and the aliases clients actually send.

Clients write ``warning``, ``prod`` or ``Error``; the table stores ``WARN``, ``production`` and
``ERROR``. Normalising here keeps the stored vocabulary closed, which is what lets the
Text-to-SQL side trust ``level = 'WARN'``.
"""

from __future__ import annotations

LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
SOURCE_TYPES = ("BACKEND", "FRONTEND", "MOBILE", "IOT", "WORKER")
ENVIRONMENTS = ("production", "staging", "development", "test", "local")
HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


def _table(canonical: tuple[str, ...], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Spelling → canonical value: the canonical spelling itself (the fast, common case) and
    every lower-cased alias."""
    table = {value.lower(): value for value in canonical}
    table.update({value: value for value in canonical})
    for value, spellings in aliases.items():
        for spelling in spellings:
            table[spelling] = value
    return table


LEVEL_ALIASES = _table(
    LOG_LEVELS,
    {
        "TRACE": ("finest", "verbose"),
        "DEBUG": ("dbg", "fine", "finer", "debug1", "debug2"),
        "INFO": ("information", "informational", "notice", "log", "inf"),
        "WARN": ("warning", "wrn"),
        "ERROR": ("err", "error", "severe", "exception"),
        "FATAL": ("critical", "crit", "fatal", "panic", "emerg", "emergency", "alert"),
    },
)
SOURCE_ALIASES = _table(
    SOURCE_TYPES,
    {
        "BACKEND": ("server", "api", "back-end", "back_end", "service"),
        "FRONTEND": ("browser", "web", "client", "front-end", "front_end", "ui"),
        "MOBILE": ("ios", "android", "app"),
        "IOT": ("device", "embedded"),
        "WORKER": ("job", "batch", "cron", "queue", "consumer"),
    },
)
ENVIRONMENT_ALIASES = _table(
    ENVIRONMENTS,
    {
        "production": ("prod", "prd", "live"),
        "staging": ("stage", "stg", "preprod", "pre-prod"),
        "development": ("dev", "develop"),
        "test": ("testing", "qa", "ci"),
        "local": ("localhost",),
    },
)
METHOD_ALIASES = _table(HTTP_METHODS, {})


def normalise_enum(value: object, table: dict[str, str], field: str) -> str:
    """Map ``value`` to its canonical spelling, or raise ValueError naming the allowed values."""
    if isinstance(value, str):
        found = table.get(value.strip().lower())
        if found is not None:
            return found
    allowed = ", ".join(dict.fromkeys(table.values()))
    raise ValueError(f"{field} must be one of {allowed} (got {value!r:.60})")
