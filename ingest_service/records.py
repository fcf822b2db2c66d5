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
MAX_DURATION_MS = Decimal("9999999.999")  # DECIMAL(10, 3)
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
    """ISO-8601 (naive means UTC) or epoch milliseconds; absent means now. Always UTC."""
    if value is None:
        return now
    if isinstance(value, datetime):
        return _as_utc(value, value)
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
        return _as_utc(parsed, value)
    raise RecordError("created_at must be an ISO-8601 string or epoch milliseconds")


def _as_utc(moment: datetime, given: Any) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise RecordError(f"created_at is out of range ({given!r:.40})") from exc


def _duration(value: Any) -> Decimal | None:
    """A number (or numeric string) of milliseconds, as the Decimal the numeric column stores.

    Decimal, not float: asyncpg encodes a float into numeric through its exact binary expansion,
    which profiling showed costs several microseconds per row.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise RecordError("duration_ms must be a number")
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except ArithmeticError as exc:
            raise RecordError(f"duration_ms must be a number (got {value!r:.40})") from exc
    elif isinstance(value, float):
        value = Decimal(repr(value))
    elif isinstance(value, int):
        value = Decimal(value)
    elif not isinstance(value, Decimal):
        raise RecordError("duration_ms must be a number")
    return check_duration(value)


def check_duration(value: Decimal) -> Decimal:
    if not value.is_finite() or not (0 <= value <= MAX_DURATION_MS):
        raise RecordError(f"duration_ms must be between 0 and {MAX_DURATION_MS} (got {value})")
    return value


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


def metadata_json(explicit: Any, unknown: dict[str, Any] | None) -> str | None:
    """The jsonb text for ``metadata``: explicit metadata over unknown fields; None when empty."""
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


#: column → its position in the row tuple
_POS = {name: i for i, name in enumerate(COLUMNS)}
#: plain text columns → (position, VARCHAR limit or None for TEXT)
_TEXT_SLOTS = {
    name: (_POS[name], MAX_LENGTHS.get(name))
    for name in (
        "service", "service_version", "user_id", "session_id", "error_type", "stack_trace", "path",
        "action_type", "function_name", "file_path",
    )
}  # fmt: skip
_ENUM_SLOTS = {
    "level": (_POS["level"], enums.LEVEL_ALIASES),
    "log_type": (_POS["log_type"], enums.SOURCE_ALIASES),
    "environment": (_POS["environment"], enums.ENVIRONMENT_ALIASES),
    "method": (_POS["method"], enums.METHOD_ALIASES),
}
_DEFAULT_ROW: tuple[Any, ...] = tuple(
    {"level": "INFO", "environment": "development", "service_version": DEFAULT_VERSION, "deleted": False}.get(
        c
    )
    for c in COLUMNS
)
_I_SERVICE, _I_LOG_TYPE, _I_MESSAGE = _POS["service"], _POS["log_type"], _POS["message"]
_I_STACK, _I_FUNCTION, _I_FILE = _POS["stack_trace"], _POS["function_name"], _POS["file_path"]
_I_VERSION = _POS["service_version"]


def fill_from_stack(row: list[Any]) -> None:
    """Fill absent function_name / file_path from the stack trace's innermost app frame."""
    if row[_I_FUNCTION] is None or row[_I_FILE] is None:
        frame = innermost_app_frame(row[_I_STACK])
        if frame is not None:
            row[_I_FUNCTION] = row[_I_FUNCTION] or frame.function_name
            row[_I_FILE] = row[_I_FILE] or frame.file_path


def normalise(raw: Any, now: datetime, bound_service: str | None = None) -> tuple[Any, ...]:
    """One wire record → one row tuple in :data:`COLUMNS` order, or :class:`RecordError`.

    ``bound_service`` is the service the caller's API key may write for (None: any); a record
    without ``service`` takes it. One pass over the record's own fields: this runs for every
    record the platform ingests.
    """
    if type(raw) is not dict:
        raise RecordError("a log record must be a JSON object")
    row = list(_DEFAULT_ROW)
    created_at: Any = None
    explicit_metadata: Any = None
    unknown: dict[str, Any] | None = None
    for key, value in raw.items():
        if value is None:
            continue
        slot = _TEXT_SLOTS.get(key)
        if slot is not None:
            if type(value) is not str:
                value = _text(value, key)
            elif "\x00" in value:
                value = _clean(value)
            limit = slot[1]
            if limit is not None and len(value) > limit:
                raise RecordError(f"{key} is longer than {limit} characters ({len(value)})")
            row[slot[0]] = value or None
            continue
        enum_slot = _ENUM_SLOTS.get(key)
        if enum_slot is not None:
            table = enum_slot[1]
            canonical = table.get(value) if type(value) is str else None
            if canonical is None:
                try:
                    canonical = enums.normalise_enum(value, table, key)
                except ValueError as exc:
                    raise RecordError(str(exc)) from exc
            row[enum_slot[0]] = canonical
        elif key == "message":
            if type(value) is not str:
                raise RecordError("message must be a string")
            row[_I_MESSAGE] = _clean(value)
        elif key == "created_at":
            created_at = value
        elif key == "trace_id":
            row[_POS["trace_id"]] = _trace_id(value)
        elif key == "duration_ms":
            row[_POS["duration_ms"]] = _duration(value)
        elif key == "deleted":
            if type(value) is not bool:
                raise RecordError("deleted must be true or false")
            row[_POS["deleted"]] = value
        elif key == "metadata":
            explicit_metadata = value
        else:
            if unknown is None:
                unknown = {}
            unknown[key] = value

    if not row[_I_MESSAGE]:
        raise RecordError("message is required")
    service = row[_I_SERVICE]
    if service is None:
        if not bound_service:
            raise RecordError("service is required")
        row[_I_SERVICE] = bound_service
    elif bound_service is not None and service != bound_service:
        raise ServiceNotAllowed(f"service {service!r} is not allowed for this API key")
    if row[_I_LOG_TYPE] is None:
        raise RecordError("log_type is required")
    if row[_I_VERSION] is None:
        row[_I_VERSION] = DEFAULT_VERSION

    if row[_I_STACK]:
        fill_from_stack(row)
    row[0] = parse_timestamp(created_at, now)
    if explicit_metadata is not None or unknown is not None:
        row[-1] = metadata_json(explicit_metadata, unknown)
    return tuple(row)
