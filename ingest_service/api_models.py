"""Pydantic models that document the wire format in the OpenAPI spec.

The handler parses bodies itself (three encodings, per-record errors), so these models exist for
the spec and its readers; the validation that counts is :func:`ingest_service.records.normalise`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest_service import enums

# The canonical vocabularies, from one source (enums.py); the service also accepts their aliases.
SourceType = Literal[enums.SOURCE_TYPES]  # type: ignore[valid-type]
LogLevel = Literal[enums.LOG_LEVELS]  # type: ignore[valid-type]
Environment = Literal[enums.ENVIRONMENTS]  # type: ignore[valid-type]
HttpMethod = Literal[enums.HTTP_METHODS]  # type: ignore[valid-type]


class LogRecord(BaseModel):
    """One log record; field names are the columns of the logs table. Unknown fields go to metadata."""

    model_config = ConfigDict(extra="allow")

    message: str = Field(min_length=1, description="The log message (required).")
    service: str | None = Field(
        default=None, max_length=100, description="Service name; required unless the key is bound."
    )
    log_type: SourceType = Field(
        description="Source of the log. Case-insensitive; aliases such as backend, browser, job."
    )
    level: LogLevel | None = Field(
        default=None, description="Default INFO. Case-insensitive; aliases such as warning, critical."
    )
    environment: Environment | None = Field(
        default=None, description="Default development. Aliases such as prod, dev, stage."
    )
    service_version: str | None = Field(default=None, max_length=50)
    created_at: str | float | None = Field(default=None, description="ISO-8601 or epoch milliseconds.")
    trace_id: str | None = Field(
        default=None, max_length=32, description="32 hex digits (W3C); a dashed UUID is also accepted."
    )
    user_id: str | None = Field(default=None, max_length=255)
    session_id: str | None = Field(default=None, max_length=100)
    error_type: str | None = Field(default=None, max_length=200)
    stack_trace: str | None = None
    path: str | None = Field(default=None, max_length=500)
    method: HttpMethod | None = Field(default=None, description="HTTP method (backend); case-insensitive.")
    action_type: str | None = Field(default=None, max_length=50, description="click, submit … (frontend).")
    function_name: str | None = Field(default=None, max_length=300, description="Default: from stack_trace.")
    file_path: str | None = Field(default=None, max_length=1000, description="Default: from stack_trace.")
    duration_ms: float | None = Field(default=None, ge=0, le=9_999_999.999)
    deleted: bool | None = None
    metadata: dict[str, Any] | None = None


class RejectedRecord(BaseModel):
    index: int = Field(description="Position of the record in the batch (0-based).")
    error: str


class IngestResponse(BaseModel):
    accepted: int = Field(description="Records stored (for a duplicate: stored the first time).")
    rejected: list[RejectedRecord]
    duplicate: bool = Field(description="True when the Idempotency-Key was seen before.")


class ErrorResponse(BaseModel):
    error: str


class HealthResponse(BaseModel):
    status: str


_record_schema = LogRecord.model_json_schema()
INGEST_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "description": 'A JSON array of records, {"logs": [...]}, or NDJSON (one record a line). '
    "Content-Encoding: gzip is accepted.",
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"type": "array", "items": _record_schema},
                    _record_schema,
                    {
                        "type": "object",
                        "properties": {"logs": {"type": "array", "items": _record_schema}},
                        "required": ["logs"],
                    },
                ]
            }
        },
        "application/x-ndjson": {"schema": {"type": "array", "items": _record_schema}},
    },
}


def drop_unused_422(spec: dict[str, Any]) -> dict[str, Any]:
    """FastAPI documents 422 for every operation with parameters; this service answers 400."""
    for path in spec.get("paths", {}).values():
        for operation in path.values():
            operation.get("responses", {}).pop("422", None)
    return spec
