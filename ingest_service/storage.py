"""Writing batches: an asyncpg pool, binary COPY, and the Idempotency-Key in the same transaction.

A database that is down, a pool that stays saturated, or a COPY that takes too long all become
:class:`StoreUnavailable` (the service answers 503 with Retry-After) instead of a hang or a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from ingest_service.records import COLUMNS

#: Failures that mean "the database cannot take this now", not "this batch is bad".
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, statement timeout
    asyncpg.exceptions.InsufficientResourcesError,  # disk full, too many connections
)
#: Failures that one record can cause; the batch is split to find and report that record.
ROW_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.exceptions.ProgramLimitExceededError,
    ValueError,
    TypeError,
)


#: PostgreSQL stores timestamptz as microseconds since this moment.
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _timestamptz_to_pg(moment: datetime) -> tuple[int]:
    # Rows hold aware UTC datetimes (the validators guarantee it): one subtraction, no offsets.
    return ((moment - _PG_EPOCH) // _MICROSECOND,)


def _timestamptz_from_pg(value: tuple[int]) -> datetime:
    return _PG_EPOCH + timedelta(microseconds=value[0])


async def _init_connection(conn: asyncpg.Connection) -> None:
    """Encode timestamptz from its microsecond count (asyncpg's ``tuple`` format).

    asyncpg's default encoder compares every value with ±infinity and converts its time zone
    first; profiling the service under load put that at about a sixth of the COPY encoding
    cost. Ingested times are always finite and already UTC.
    """
    await conn.set_type_codec(
        "timestamptz",
        schema="pg_catalog",
        encoder=_timestamptz_to_pg,
        decoder=_timestamptz_from_pg,
        format="tuple",
    )


class StoreUnavailable(Exception):
    """The database cannot take the batch right now; retry later."""


class _Duplicate(Exception):
    """Raised inside the transaction to roll back a COPY that lost an idempotency race."""


@dataclass
class WriteResult:
    accepted: int
    duplicate: bool = False
    #: positions in the rows given to :meth:`Store.write` that the database refused, with why
    failed: list[tuple[int, str]] = field(default_factory=list)


class Store:
    """The ingest service's connection pool (insert-only role)."""

    def __init__(
        self, dsn: str, *, min_size: int, max_size: int, acquire_timeout: float, db_timeout: float
    ) -> None:
        self._dsn = dsn
        self._min, self._max = min_size, max_size
        self._acquire_timeout = acquire_timeout
        self._db_timeout = db_timeout
        self._pool: asyncpg.Pool | None = None
        self._pool_lock = asyncio.Lock()

    async def _get_pool(self) -> asyncpg.Pool:
        """Create the pool on first use: the service starts even while the database is down."""
        if self._pool is not None:
            return self._pool
        async with self._pool_lock:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=0,
                    max_size=self._max,
                    timeout=self._db_timeout,
                    command_timeout=self._db_timeout,
                    max_inactive_connection_lifetime=60,
                    init=_init_connection,
                )
        return self._pool

    async def warm_up(self) -> None:
        """Open ``min_size`` connections now if the database is reachable; never fail start-up."""
        try:
            pool = await self._get_pool()
            conns = [await pool.acquire(timeout=self._acquire_timeout) for _ in range(self._min)]
            for conn in conns:
                await pool.release(conn)
        except UNAVAILABLE_ERRORS:
            pass

    async def close(self) -> None:
        if self._pool is not None:
            await asyncio.wait_for(self._pool.close(), timeout=5)

    async def ping(self) -> None:
        try:
            pool = await self._get_pool()
            async with pool.acquire(timeout=self._acquire_timeout) as conn:
                await conn.fetchval("SELECT 1", timeout=self._acquire_timeout)
        except UNAVAILABLE_ERRORS as exc:
            raise StoreUnavailable(describe(exc)) from exc

    async def write(self, rows: Sequence[tuple[Any, ...]], idempotency_key: str | None) -> WriteResult:
        """COPY ``rows`` into logs; with a key, exactly once (a replay returns the first count)."""
        try:
            pool = await self._get_pool()
            async with pool.acquire(timeout=self._acquire_timeout) as conn:
                if idempotency_key is not None:
                    seen = await conn.fetchval(
                        "SELECT accepted FROM ingest_batches WHERE idempotency_key = $1", idempotency_key
                    )
                    if seen is not None:
                        return WriteResult(accepted=seen, duplicate=True)
                try:
                    try:
                        return await self._commit(conn, rows, idempotency_key, isolate=False)
                    except ROW_ERRORS:  # the database refused a row: find it (and any others)
                        return await self._commit(conn, rows, idempotency_key, isolate=True)
                except _Duplicate:
                    seen = await conn.fetchval(
                        "SELECT accepted FROM ingest_batches WHERE idempotency_key = $1", idempotency_key
                    )
                    return WriteResult(accepted=seen or 0, duplicate=True)
        except UNAVAILABLE_ERRORS as exc:
            raise StoreUnavailable(describe(exc)) from exc

    async def _commit(
        self,
        conn: asyncpg.Connection,
        rows: Sequence[tuple[Any, ...]],
        idempotency_key: str | None,
        *,
        isolate: bool,
    ) -> WriteResult:
        """One transaction: the COPY and the Idempotency-Key, committed together or not at all.

        The first attempt COPYs the whole batch directly (the common case: every row is good).
        ``isolate`` is the second attempt after the database refused a row: each COPY then runs
        in a savepoint and a refused one is bisected, so only the bad rows are left out.
        """
        if idempotency_key is None and not isolate:
            # A single COPY is its own transaction, all or nothing: no BEGIN/COMMIT round trips.
            if rows:
                await self._copy_rows(conn, rows)
            return WriteResult(accepted=len(rows))
        async with conn.transaction():
            if isolate:
                failed = await self._copy(conn, rows, 0)
            else:
                if rows:
                    await self._copy_rows(conn, rows)
                failed = []
            accepted = len(rows) - len(failed)
            if idempotency_key is not None:
                won = await conn.fetchval(
                    "INSERT INTO ingest_batches (idempotency_key, accepted, rejected) "
                    "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
                    idempotency_key,
                    accepted,
                    len(failed),
                )
                if won is None:
                    raise _Duplicate
        return WriteResult(accepted=accepted, failed=failed)

    async def _copy_rows(self, conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        await conn.copy_records_to_table("logs", records=rows, columns=COLUMNS, timeout=self._db_timeout)

    async def _copy(
        self, conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]], offset: int
    ) -> list[tuple[int, str]]:
        """COPY in a savepoint; if the database refuses a row, bisect to report just that row."""
        if not rows:
            return []
        try:
            async with conn.transaction():
                await self._copy_rows(conn, rows)
            return []
        except ROW_ERRORS as exc:
            if len(rows) == 1:
                return [(offset, f"database refused the record: {exc}")]
            mid = len(rows) // 2
            return await self._copy(conn, rows[:mid], offset) + await self._copy(
                conn, rows[mid:], offset + mid
            )


def describe(exc: BaseException) -> str:
    """A short, safe reason for a 503 body (no DSN, no traceback)."""
    if isinstance(exc, TimeoutError):
        return "database busy: no connection became free in time"
    if isinstance(exc, OSError):
        return "database unreachable"
    return f"database unavailable ({type(exc).__name__})"
