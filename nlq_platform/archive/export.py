"""Exporting one finished UTC day of ``logs`` to a Parquet file (streamed, in row groups)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pyarrow as pa
import pyarrow.parquet as pq

from nlq_platform.archive.schema import ARCHIVE_SCHEMA, select_sql

ROW_GROUP = 100_000


@dataclass(frozen=True)
class Exported:
    day: date
    rows: int
    bytes: int
    path: Path


def to_arrow(rows: Sequence[Sequence[Any]]) -> pa.Table:
    """Rows read with :func:`~nlq_platform.archive.schema.select_sql` as an archive table."""
    if not rows:
        return ARCHIVE_SCHEMA.empty_table()
    columns = list(zip(*rows, strict=True))
    return pa.Table.from_arrays(
        [pa.array(col, type=ARCHIVE_SCHEMA.field(i).type) for i, col in enumerate(columns)],
        schema=ARCHIVE_SCHEMA,
    )


def day_bounds(day: date) -> tuple[str, str]:
    return f"{day.isoformat()} 00:00:00+00", f"{(day + timedelta(days=1)).isoformat()} 00:00:00+00"


async def export_day(
    conn: asyncpg.Connection, day: date, path: Path, *, row_group: int = ROW_GROUP
) -> Exported:
    """Write every row of ``day`` (soft-deleted ones too: the archive is the table) to ``path``.

    The query names the day's bounds, so PostgreSQL reads only that day's partition; rows are
    fetched through a cursor and written a row group at a time, so memory stays bounded.
    """
    lo, hi = day_bounds(day)
    sql = (
        f"SELECT {select_sql()} FROM logs WHERE created_at >= '{lo}'::timestamptz "
        f"AND created_at < '{hi}'::timestamptz ORDER BY created_at, id"
    )
    rows = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(path, ARCHIVE_SCHEMA, compression="zstd") as writer:
        async with conn.transaction(readonly=True):
            cursor = await conn.cursor(sql)
            while batch := await cursor.fetch(row_group):
                writer.write_table(to_arrow(batch))
                rows += len(batch)
        if rows == 0:
            writer.write_table(ARCHIVE_SCHEMA.empty_table())
    return Exported(day=day, rows=rows, bytes=path.stat().st_size, path=path)
