"""The archive's file format: the 21 ``logs`` columns plus typed copies of common metadata keys.

Enums are stored as their labels (strings), ``duration_ms`` as DECIMAL(10,3) so averages and
percentiles match PostgreSQL's, and JSONB ``metadata`` as its JSON text; the metadata keys most
questions use are also typed columns (``metadata_status_code`` …) for BigQuery and other readers.
"""

from __future__ import annotations

from collections.abc import Collection

import pyarrow as pa

#: the enum types of migration 0001, in their sort order (ORDER BY level sorts like PostgreSQL)
ENUMS: dict[str, tuple[str, ...]] = {
    "log_level": ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"),
    "source_type": ("BACKEND", "FRONTEND", "MOBILE", "IOT", "WORKER"),
    "env_type": ("production", "staging", "development", "test", "local"),
    "http_method": ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"),
}
ENUM_COLUMNS = {
    "level": "log_level",
    "log_type": "source_type",
    "environment": "env_type",
    "method": "http_method",
}

#: the logs columns in table order, with their archive type
LOG_FIELDS: tuple[pa.Field, ...] = (
    pa.field("id", pa.int64(), nullable=False),
    pa.field("created_at", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("level", pa.string(), nullable=False),
    pa.field("log_type", pa.string(), nullable=False),
    pa.field("service", pa.string(), nullable=False),
    pa.field("environment", pa.string(), nullable=False),
    pa.field("service_version", pa.string(), nullable=False),
    pa.field("trace_id", pa.string()),
    pa.field("user_id", pa.string()),
    pa.field("session_id", pa.string()),
    pa.field("error_type", pa.string()),
    pa.field("message", pa.string(), nullable=False),
    pa.field("stack_trace", pa.string()),
    pa.field("path", pa.string()),
    pa.field("method", pa.string()),
    pa.field("action_type", pa.string()),
    pa.field("function_name", pa.string()),
    pa.field("file_path", pa.string()),
    pa.field("duration_ms", pa.decimal128(10, 3)),
    pa.field("deleted", pa.bool_(), nullable=False),
    pa.field("metadata", pa.string()),  # JSON text
)
LOG_COLUMNS: tuple[str, ...] = tuple(f.name for f in LOG_FIELDS)

#: common metadata keys as typed columns: (column, key, SQL that extracts it in PostgreSQL)
METADATA_KEYS: tuple[tuple[pa.Field, str], ...] = (
    (pa.field("metadata_status_code", pa.int64()), "(metadata->>'status_code')::numeric::bigint"),
    (pa.field("metadata_browser", pa.string()), "metadata->>'browser'"),
    (pa.field("metadata_os", pa.string()), "metadata->>'os'"),
    (pa.field("metadata_device", pa.string()), "metadata->>'device'"),
    (pa.field("metadata_job", pa.string()), "metadata->>'job'"),
    (pa.field("metadata_elapsed_ms", pa.float64()), "(metadata->>'elapsed_ms')::float8"),
)

ARCHIVE_SCHEMA = pa.schema([*LOG_FIELDS, *(f for f, _ in METADATA_KEYS)])


def _numeric_guard(expr: str) -> str:
    """A numeric key that is not a JSON number becomes NULL instead of failing the export."""
    key = expr.split("'")[1]
    return f"CASE WHEN jsonb_typeof(metadata->'{key}') = 'number' THEN {expr} END"


def select_sql(columns: Collection[str] | None = None, *, typed_keys: bool = True) -> str:
    """The SELECT list that reads one archive row from ``logs`` (enums and JSON as text).

    ``columns``: only these of the 21 are read, the others are NULL (enough for a query that names
    only those); ``typed_keys=False``: without the typed metadata columns (the 21 only).
    """
    cols = [
        "NULL"
        if columns is not None and c not in columns
        else f"{c}::text"
        if c in ENUM_COLUMNS or c == "metadata"
        else c
        for c in LOG_COLUMNS
    ]
    if not typed_keys:
        return ", ".join(cols)
    for f, expr in METADATA_KEYS:
        cols.append(
            _numeric_guard(expr) if pa.types.is_integer(f.type) or pa.types.is_floating(f.type) else expr
        )
    return ", ".join(cols)
