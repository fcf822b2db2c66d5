"""Daily partitions of ``logs``: naming, creation ahead of time, retention, and the legacy move.

``logs`` is partitioned by range on ``created_at`` (migration 0008), one partition per UTC day
named ``logs_pYYYYMMDD``, plus ``logs_default`` for any timestamp without a partition, so that
ingest never refuses a record. Everything here is plain asyncpg on the owner's connection, shared
by ``nlq db migrate``, ``nlq db partitions`` and the Dagster asset ``log_partitions``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg

from ingest_service.records import COLUMNS

PARENT = "logs"
DEFAULT_PARTITION = "logs_default"
LEGACY_TABLE = "logs_legacy"  # the unpartitioned heap of before 0008, while its rows move
MOVE_BATCH = 50_000
DEFAULT_AHEAD_DAYS = 7
#: days back that `nlq db migrate` makes sure have partitions (the default retention)
DEFAULT_BACK_DAYS = 30
_NAME = re.compile(r"^logs_p(\d{8})$")
_COLS = ", ".join(["id", *COLUMNS])

Progress = Callable[[str], None]


class PartitionError(RuntimeError):
    """Partition maintenance cannot go on; the message says why."""


def partition_name(day: date) -> str:
    return f"logs_p{day:%Y%m%d}"


def day_of(name: str) -> date | None:
    """The day a partition holds, from its name; None for the default partition."""
    m = _NAME.match(name)
    return datetime.strptime(m.group(1), "%Y%m%d").date() if m else None


def utc_today() -> date:
    return datetime.now(UTC).date()


def _bound(day: date) -> str:
    return f"'{day.isoformat()} 00:00:00+00'"


@dataclass(frozen=True)
class Partition:
    name: str
    day: date | None  # None: the default partition
    rows: int  # exact with count=True, else the planner's estimate (-1: never analysed)
    bytes: int  # table + indexes + TOAST


async def is_partitioned(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass($1)", PARENT))


async def list_partitions(conn: asyncpg.Connection, *, count: bool = False) -> list[Partition]:
    """The partitions of ``logs``, oldest day first, the default partition last."""
    rows = await conn.fetch(
        "SELECT c.relname AS name, c.reltuples::bigint AS estimate, pg_total_relation_size(c.oid) AS bytes "
        "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass",
        PARENT,
    )
    parts = []
    for r in rows:
        n = await conn.fetchval(f'SELECT count(*) FROM "{r["name"]}"') if count else r["estimate"]
        parts.append(Partition(r["name"], day_of(r["name"]), n, r["bytes"]))
    return sorted(parts, key=lambda p: (p.day is None, p.day or date.min))


async def create_partition(conn: asyncpg.Connection, day: date) -> bool:
    """Create ``day``'s partition; False when it exists.

    Rows of that day already in the default partition (stored before the partition existed) are
    moved into the new table before it is attached, in one transaction: PostgreSQL refuses to
    attach a range the default partition holds rows for.
    """
    name = partition_name(day)
    if await conn.fetchval("SELECT to_regclass($1)", name) is not None:
        return False
    lo, hi = _bound(day), _bound(day + timedelta(days=1))
    async with conn.transaction():
        stray = await conn.fetchval(
            f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} WHERE created_at >= {lo} AND created_at < {hi})"
        )
        if not stray:
            await conn.execute(f"CREATE TABLE {name} PARTITION OF {PARENT} FOR VALUES FROM ({lo}) TO ({hi})")
            return True
        await conn.execute(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        await conn.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE created_at >= {lo} AND created_at < {hi} "
            f"RETURNING {_COLS}) INSERT INTO {name} ({_COLS}) SELECT {_COLS} FROM moved"
        )
        await conn.execute(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ({lo}) TO ({hi})")
    return True


async def ensure_partitions(
    conn: asyncpg.Connection, *, today: date | None = None, back: int = 0, ahead: int = DEFAULT_AHEAD_DAYS
) -> list[str]:
    """Partitions for ``today - back`` … ``today + ahead``; returns the names created."""
    today = today or utc_today()
    created = []
    for offset in range(-back, ahead + 1):
        day = today + timedelta(days=offset)
        if await create_partition(conn, day):
            created.append(partition_name(day))
    return created


async def rehome_default(conn: asyncpg.Connection, *, not_before: date | None = None) -> list[str]:
    """Give every day with rows in the default partition its own partition (from ``not_before``)."""
    days = await conn.fetch(
        f"SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date AS day FROM {DEFAULT_PARTITION} ORDER BY 1"
    )
    created = []
    for r in days:
        if (not_before is None or r["day"] >= not_before) and await create_partition(conn, r["day"]):
            created.append(partition_name(r["day"]))
    return created


def expired(parts: list[Partition], *, today: date, retention_days: int) -> list[Partition]:
    """Day partitions wholly older than the retention window (the default partition never is)."""
    cutoff = today - timedelta(days=retention_days)
    return [p for p in parts if p.day is not None and p.day < cutoff]


async def drop_partition(conn: asyncpg.Connection, name: str) -> None:
    """Detach, then drop: a whole day goes at once, no row deletes and no bloat left behind."""
    async with conn.transaction():
        await conn.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {name}")
        await conn.execute(f"DROP TABLE {name}")


async def apply_retention(
    conn: asyncpg.Connection,
    *,
    retention_days: int,
    today: date | None = None,
    before_drop: Callable[[date], Awaitable[None]] | None = None,
) -> list[str]:
    """Drop the partitions past retention, each after ``before_drop(day)`` (the archive) succeeds."""
    today = today or utc_today()
    dropped = []
    for part in expired(await list_partitions(conn), today=today, retention_days=retention_days):
        assert part.day is not None
        if before_drop is not None:
            await before_drop(part.day)
        await drop_partition(conn, part.name)
        dropped.append(part.name)
    return dropped


async def move_legacy_rows(
    conn: asyncpg.Connection, *, batch: int | None = None, progress: Progress | None = None
) -> int:
    """Move the rows of the pre-0008 heap into partitioned ``logs`` in batches; drop it when empty.

    Each batch (the lowest ``batch`` ids left, by the old primary key, so sparse ids cost nothing)
    is its own transaction, so an interrupted move resumes where it stopped on the next
    ``nlq db migrate``, and nothing is lost or copied twice. Partitions for
    every day the rows cover are created first, so no row lands in the default partition.
    """
    if await conn.fetchval("SELECT to_regclass($1)", LEGACY_TABLE) is None:
        return 0
    say = progress or (lambda _msg: None)
    batch = batch or MOVE_BATCH
    total = await conn.fetchval(f"SELECT count(*) FROM {LEGACY_TABLE}")
    moved = 0
    if total:
        days = await conn.fetch(
            f"SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date AS day FROM {LEGACY_TABLE} ORDER BY 1"
        )
        for r in days:
            await create_partition(conn, r["day"])
        say(f"moving {total:,} rows of the unpartitioned logs table into {len(days)} daily partitions")
        started = last = time.monotonic()
        while True:
            # the next ``batch`` ids by the old primary key, however sparse the ids are
            async with conn.transaction():
                end = await conn.fetchval(
                    f"SELECT max(id) FROM (SELECT id FROM {LEGACY_TABLE} ORDER BY id LIMIT $1) b", batch
                )
                if end is None:
                    break
                status = await conn.execute(
                    f"WITH moved AS (DELETE FROM {LEGACY_TABLE} WHERE id <= $1 RETURNING {_COLS}) "
                    f"INSERT INTO {PARENT} ({_COLS}) SELECT {_COLS} FROM moved",
                    end,
                )
            moved += int(status.rsplit(" ", 1)[-1])
            if time.monotonic() - last > 2 or moved == total:
                rate = moved / max(time.monotonic() - started, 1e-9)
                say(f"  {moved:,}/{total:,} rows moved ({100 * moved / total:.0f}%, {rate:,.0f} rows/s)")
                last = time.monotonic()
    left = await conn.fetchval(f"SELECT count(*) FROM {LEGACY_TABLE}")
    if left:  # rows written to the old table while moving cannot happen (it is renamed), but be safe
        raise PartitionError(f"{left} rows are still in {LEGACY_TABLE}; run `nlq db migrate` again")
    await conn.execute(f"DROP TABLE {LEGACY_TABLE}")
    await conn.execute(f"ANALYZE {PARENT}")
    return moved
