"""Validation and normalisation of one wire log record into a row of the ``logs`` table.

Pure Python (no FastAPI, no database): the service calls :func:`normalise` per record, and one
bad record raises :class:`RecordError` for that record only, never for its batch.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from ingest_service import enums
from ingest_service.stacktrace import innermost_app_frame

#: Columns written by COPY, in order (``id`` is the table's own sequence).
COLUMNS: tuple[str, ...] = (
    "created_at",
    "level",
    "log_type",
    "service",
    "environment",
    "service_version",
    "trace_id",
    "user_id",
    "session_id",
    "error_type",
    "message",
    "stack_trace",
    "path",
    "method",
    "action_type",
    "function_name",
    "file_path",
    "duration_ms",
    "deleted",
    "metadata",
)

#: VARCHAR(n) limits, checked in characters like PostgreSQL does.
MAX_LENGTHS: dict[str, int] = {
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
_TEXT_FIELDS = ("trace_id", "user_id", "session_id", "error_type", "stack_trace", "path", "action_type")
KNOWN_FIELDS = frozenset(COLUMNS)
MAX_DURATION_MS = 9_999_999.999  # DECIMAL(10, 3)
DEFAULT_VERSION = "v0.0.0-dev"
_EPOCH_SECONDS_BELOW = 100_000_000_000  # a number below this is seconds (ms would be before 1973)


class RecordError(ValueError):
    """Why one record was rejected; reported with its index, the rest of the batch is stored."""


class ServiceNotAllowed(RecordError):
    """The record's service is not the one the API key is bound to."""


def _clean(text: str) -> str:
    """PostgreSQL text cannot hold NUL: replace it rather than lose the record."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError(f"{field} must be a string")
    text = _clean(str(value))
    limit = MAX_LENGTHS.get(field)
    if limit is not None and len(text) > limit:
        raise RecordError(f"{field} is longer than {limit} characters ({len(text)})")
    return text or None


def parse_timestamp(value: Any, now: datetime) -> datetime:
    """ISO-8601 (naive means UTC) or epoch milliseconds; absent means now."""
    if value is None:
        return now
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise RecordError("created_at must be a finite number")
        seconds = value if abs(value) < _EPOCH_SECONDS_BELOW else value / 1000
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise RecordError(f"created_at is out of range ({value!r})") from exc
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise RecordError(
                f"created_at must be ISO-8601 or epoch milliseconds (got {value!r:.40})"
            ) from exc
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise RecordError(f"created_at is out of range ({value!r:.40})") from exc
    raise RecordError("created_at must be an ISO-8601 string or epoch milliseconds")


def _duration(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(Decimal(value.strip()))
        except ArithmeticError as exc:
            raise RecordError(f"duration_ms must be a number (got {value!r:.40})") from exc
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError("duration_ms must be a number")
    if not (0 <= value <= MAX_DURATION_MS):
        raise RecordError(f"duration_ms must be between 0 and {MAX_DURATION_MS} (got {value})")
    return float(value)


def _trace_id(value: Any) -> str | None:
    """A W3C trace id is 32 hex digits; accept a dashed UUID spelling of the same 128 bits."""
    if isinstance(value, str) and len(value) == 36 and value.count("-") == 4:
        value = value.replace("-", "")
    return _text(value, "trace_id")


def _strip_nul(value: Any) -> Any:
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return {_clean(str(k)): _strip_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_nul(v) for v in value]
    return value


def _metadata(explicit: Any, unknown: dict[str, Any] | None) -> str | None:
    if explicit is not None and not isinstance(explicit, dict):
        raise RecordError("metadata must be a JSON object")
    merged = {**unknown, **(explicit or {})} if unknown else explicit
    if not merged:
        return None
    try:
        encoded = orjson.dumps(merged)
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise RecordError(f"metadata cannot be stored: {exc}") from exc
    if b"\\u0000" in encoded:  # jsonb rejects NUL escapes
        encoded = orjson.dumps(_strip_nul(merged))
    return encoded.decode()


def normalise(raw: Any, now: datetime, bound_service: str | None = None) -> tuple[Any, ...]:
    """One wire record → one row tuple in :data:`COLUMNS` order, or :class:`RecordError`.

    ``bound_service`` is the service the caller's API key may write for (None: any); a record
    without ``service`` takes it.
    """
    if not isinstance(raw, dict):
        raise RecordError("a log record must be a JSON object")

    message = raw.get("message")
    if message is None or message == "":
        raise RecordError("message is required")
    if not isinstance(message, str):
        raise RecordError("message must be a string")

    service = _text(raw.get("service"), "service") or bound_service
    if not service:
        raise RecordError("service is required")
    if bound_service is not None and service != bound_service:
        raise ServiceNotAllowed(f"service {service!r} is not allowed for this API key")

    log_type = raw.get("log_type")
    if log_type is None:
        raise RecordError("log_type is required")
    try:
        log_type = enums.normalise_enum(log_type, enums.SOURCE_ALIASES, "log_type")
        level = raw.get("level")
        level = "INFO" if level is None else enums.normalise_enum(level, enums.LEVEL_ALIASES, "level")
        environment = raw.get("environment")
        environment = (
            "development"
            if environment is None
            else enums.normalise_enum(environment, enums.ENVIRONMENT_ALIASES, "environment")
        )
        method = raw.get("method")
        if method is not None:
            method = enums.normalise_enum(method, enums.METHOD_ALIASES, "method")
    except ValueError as exc:
        raise RecordError(str(exc)) from exc

    texts = {name: _text(raw.get(name), name) for name in _TEXT_FIELDS if name != "trace_id"}
    function_name = _text(raw.get("function_name"), "function_name")
    file_path = _text(raw.get("file_path"), "file_path")
    stack_trace = texts["stack_trace"]
    if stack_trace and (function_name is None or file_path is None):
        frame = innermost_app_frame(stack_trace)
        if frame is not None:
            function_name = function_name or frame.function_name
            file_path = file_path or frame.file_path

    deleted = raw.get("deleted")
    if deleted is not None and not isinstance(deleted, bool):
        raise RecordError("deleted must be true or false")

    unknown = None
    if len(raw.keys() - KNOWN_FIELDS):
        unknown = {k: v for k, v in raw.items() if k not in KNOWN_FIELDS}

    return (
        parse_timestamp(raw.get("created_at"), now),
        level,
        log_type,
        service,
        environment,
        _text(raw.get("service_version"), "service_version") or DEFAULT_VERSION,
        _trace_id(raw.get("trace_id")),
        texts["user_id"],
        texts["session_id"],
        texts["error_type"],
        _clean(message),
        stack_trace,
        texts["path"],
        method,
        texts["action_type"],
        function_name,
        file_path,
        _duration(raw.get("duration_ms")),
        bool(deleted),
        _metadata(raw.get("metadata"), unknown),
    )
