"""Reading a schema snapshot and a value catalog straight from PostgreSQL.

Used by the Text-to-SQL engine until (and whenever) no metadata cache exists, and by the Dagster
``schema_snapshot`` / ``value_catalog`` assets.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from nlq_platform.metadata.schema import Column, SchemaSnapshot, Table

_COLUMNS_SQL = """
SELECT a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       coalesce(col_description(c.oid, a.attnum), '') AS description,
       coalesce((SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder)
                 FROM pg_enum e WHERE e.enumtypid = a.atttypid), '{}') AS enum_values
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = $1 AND n.nspname = $2 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

#: Low-cardinality columns whose values questions name ("payment-api", "TimeoutError", "/checkout").
CATALOG_COLUMNS: tuple[str, ...] = (
    "service",
    "error_type",
    "path",
    "environment",
    "level",
    "log_type",
    "method",
    "action_type",
    "service_version",
    "function_name",
    "file_path",
)
#: a JSONB key with at most this many distinct text values is a catalog column of its own
#: ("metadata.browser": Chrome, Safari …); more (job ids) are identifiers, not vocabulary
METADATA_VALUE_LIMIT = 50
#: messages logged at least this often are event names ("checkout_completed", "click add_to_cart")
MESSAGE_MIN_COUNT = 20
#: a message without digits is an event name from its second occurrence ("worker restarted by
#: supervisor"); with digits it is a template's instance ("GET /api/v1/inventory 200 (46.9 ms)")
EVENT_MIN_COUNT = 2
#: a message start is a template when at least this many different messages follow it
TEMPLATE_MIN_VARIANTS = 3


async def fetch_table(conn: asyncpg.Connection, table: str, schema: str = "public") -> Table | None:
    rows = await conn.fetch(_COLUMNS_SQL, table, schema)
    if not rows:
        return None
    comment = await conn.fetchval(
        "SELECT obj_description(format('%I.%I', $2::text, $1::text)::regclass, 'pg_class')", table, schema
    )
    columns = tuple(
        Column(
            name=r["name"],
            type=r["type"],
            mode="REQUIRED" if r["not_null"] else "NULLABLE",
            description=r["description"],
            enum_values=tuple(r["enum_values"]),
        )
        for r in rows
    )
    return Table(table_id=table, columns=columns, description=comment or "", source="postgres")


async def fetch_snapshot(conn: asyncpg.Connection, tables: tuple[str, ...] = ("logs",)) -> SchemaSnapshot:
    found = [t for t in [await fetch_table(conn, name) for name in tables] if t is not None]
    return SchemaSnapshot(tables=tuple(found), dialect="postgres")


async def fetch_value_catalog(
    conn: asyncpg.Connection,
    table: Table,
    columns: tuple[str, ...] = CATALOG_COLUMNS,
    limit: int = 200,
) -> dict[str, list[dict[str, Any]]]:
    """Top values (by frequency) of the low-cardinality columns that exist in ``table``."""
    catalog: dict[str, list[dict[str, Any]]] = {}
    for name in columns:
        if table.column(name) is None:
            continue
        live = "AND deleted = FALSE" if table.column("deleted") else ""
        rows = await conn.fetch(
            f'SELECT "{name}"::text AS value, count(*) AS n FROM "{table.table_id}" '
            f'WHERE "{name}" IS NOT NULL {live} GROUP BY 1 ORDER BY n DESC, 1 LIMIT {int(limit)}'
        )
        catalog[name] = [{"value": r["value"], "count": r["n"]} for r in rows]
    metadata = table.column("metadata")
    if metadata is not None and metadata.type == "jsonb":
        catalog["metadata_keys"] = await _metadata_keys(conn, table)
        catalog.update(await _metadata_values(conn, table))
    if table.column("message") is not None:
        catalog["message"] = await _event_messages(conn, table)
        catalog["message_template"] = await _message_templates(conn, table)
    return catalog


async def _message_templates(conn: asyncpg.Connection, table: Table, limit: int = 50) -> list[dict[str, Any]]:
    """The fixed starts of messages that vary after a colon ("slow page render: /cart took 3400
    ms", "job finished: sync_stock …"): each names a kind of event that no single message value
    does, so "slow page render warnings" can be found."""
    live = "AND deleted = FALSE" if table.column("deleted") else ""
    rows = await conn.fetch(
        f"SELECT split_part(message, ':', 1) AS value, count(*) AS n FROM \"{table.table_id}\" "
        f"WHERE position(':' IN message) > 3 {live} GROUP BY 1 "
        f"HAVING count(DISTINCT message) >= {TEMPLATE_MIN_VARIANTS} "
        "AND split_part(message, ':', 1) ~ '^[A-Za-z][A-Za-z_-]+( [A-Za-z_-]+)+$' "  # words, two or more
        f"ORDER BY n DESC, 1 LIMIT {int(limit)}"
    )
    return [{"value": r["value"], "count": r["n"]} for r in rows]


async def _metadata_values(
    conn: asyncpg.Connection, table: Table, sample: int = 20_000
) -> dict[str, list[dict[str, Any]]]:
    """Per JSONB key of the newest rows: its top text values (``metadata.<key>``) when it has
    few, and the keys whose values are numbers (``metadata_numeric_keys``: load_ms, amount …),
    so that questions can filter on "Safari" and average "load_ms"."""
    order = "ORDER BY id DESC" if table.column("id") else ""
    rows = await conn.fetch(
        f"SELECT e.key, jsonb_typeof(e.value) AS kind, e.value #>> '{{}}' AS value, count(*) AS n "
        f'FROM (SELECT metadata FROM "{table.table_id}" WHERE metadata IS NOT NULL {order} '
        f"LIMIT {int(sample)}) AS recent, jsonb_each(recent.metadata) AS e "
        "GROUP BY 1, 2, 3 ORDER BY 1, n DESC, 3"
    )
    values: dict[str, list[dict[str, Any]]] = {}
    numeric: dict[str, int] = {}
    for r in rows:
        if r["kind"] == "number":
            numeric[r["key"]] = numeric.get(r["key"], 0) + r["n"]
        elif r["kind"] == "string":
            values.setdefault(r["key"], []).append({"value": r["value"], "count": r["n"]})
    catalog = {
        f"metadata.{key}": found for key, found in values.items() if len(found) <= METADATA_VALUE_LIMIT
    }
    catalog["metadata_numeric_keys"] = [
        {"value": key, "count": n} for key, n in sorted(numeric.items(), key=lambda kv: -kv[1])
    ]
    return catalog


async def _event_messages(conn: asyncpg.Connection, table: Table, limit: int = 100) -> list[dict[str, Any]]:
    """The frequent short messages, and the rarer ones without digits: the event names of the data
    ("checkout_completed", "worker restarted by supervisor")."""
    live = "AND deleted = FALSE" if table.column("deleted") else ""
    rows = await conn.fetch(
        f'SELECT message AS value, count(*) AS n FROM "{table.table_id}" '
        f"WHERE length(message) <= 48 {live} GROUP BY 1 HAVING count(*) >= {MESSAGE_MIN_COUNT} "
        f"OR (count(*) >= {EVENT_MIN_COUNT} AND message !~ '[0-9]') "
        f"ORDER BY n DESC, 1 LIMIT {int(limit)}"
    )
    return [{"value": r["value"], "count": r["n"]} for r in rows]


async def _metadata_keys(
    conn: asyncpg.Connection, table: Table, sample: int = 20_000
) -> list[dict[str, Any]]:
    """Keys of the JSONB metadata column ("browser", "status_code" …), from the newest rows."""
    order = "ORDER BY id DESC" if table.column("id") else ""
    rows = await conn.fetch(
        f'SELECT key AS value, count(*) AS n FROM (SELECT metadata FROM "{table.table_id}" '
        f"WHERE metadata IS NOT NULL {order} LIMIT {int(sample)}) AS recent, "
        "jsonb_object_keys(recent.metadata) AS key GROUP BY key ORDER BY n DESC, key LIMIT 100"
    )
    return [{"value": r["value"], "count": r["n"]} for r in rows]
