"""The metadata cache document (the seed's ``metadata_cache.json``) and its schema fingerprint.

One JSON document carries everything SQL generation needs: ``generated_at``, ``schema`` (the
snapshot; for the seed's readers also ``table_id``/``columns`` of the first table), ``examples``,
``catalog`` and ``fingerprint``. :class:`nlq_platform.text_to_sql.context.Context` reads it back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from nlq_platform.metadata.schema import SchemaSnapshot, Table


def table_fingerprint(table: Table) -> str:
    """A hash of a table's column names and types: it changes exactly when its schema does."""
    canonical = json.dumps([[c.name, c.type, c.mode] for c in table.columns], separators=(",", ":"))
    return hashlib.sha256(f"{table.table_id}\n{canonical}".encode()).hexdigest()[:16]


def schema_fingerprint(snapshot: SchemaSnapshot) -> str:
    parts = sorted(f"{t.table_id}:{table_fingerprint(t)}" for t in snapshot.tables)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def build_document(
    snapshot: SchemaSnapshot,
    catalog: Mapping[str, Any],
    examples: Iterable[Mapping[str, Any]],
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """The cache document; ``catalog`` maps table id → column → [{value, count}]."""
    generated_at = generated_at or datetime.now(UTC)
    schema = snapshot.to_dict()
    if snapshot.tables:  # the seed's single-table shape, for readers written against it
        first = schema["tables"][0]
        schema = {"table_id": first["table_id"], "columns": first["columns"], **schema}
    return {
        "generated_at": generated_at.isoformat(),
        "schema": schema,
        "examples": [dict(e) for e in examples],
        "catalog": dict(catalog),
        "fingerprint": schema_fingerprint(snapshot),
    }
