"""Archiving one day: export from PostgreSQL, store (file or GCS); shared by Dagster and the CLI."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import asyncpg

from nlq_platform.archive.export import Exported, export_day
from nlq_platform.archive.store import ArchiveStore
from nlq_platform.db.partitions import partition_name


async def day_is_in_postgres(conn: asyncpg.Connection, day: date) -> bool:
    """The day still has its partition (retention has not dropped it)."""
    return await conn.fetchval("SELECT to_regclass($1)", partition_name(day)) is not None


async def archive_day(
    conn: asyncpg.Connection, store: ArchiveStore, day: date, keep: Path | None = None
) -> tuple[Exported, str]:
    """Export ``day`` and store it; returns the export and the stored file's URI.

    ``keep``: a path the Parquet file is also left at (for a BigQuery load afterwards).
    """
    with tempfile.TemporaryDirectory(prefix="nlq-archive-") as tmp:
        local = keep or Path(tmp) / "logs.parquet"
        exported = await export_day(conn, day, local)
        return exported, store.put(day, local)
