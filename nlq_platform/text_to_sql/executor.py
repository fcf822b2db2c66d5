"""Running guarded SQL: as ``nlq_reader``, in a READ ONLY transaction, with a statement timeout.

The guard already refuses anything but a read; the role and the transaction mode make sure the
database refuses it too, whatever slipped through.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import asyncpg


class ExecutionError(Exception):
    """The database refused or cancelled the query; the message is meant for the analyst."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    elapsed_ms: float


def _explain_error(exc: BaseException, timeout_ms: int) -> str:
    if isinstance(exc, asyncpg.QueryCanceledError):
        return f"the query took longer than {timeout_ms / 1000:g} s and was cancelled"
    if isinstance(exc, asyncpg.ReadOnlySQLTransactionError | asyncpg.InsufficientPrivilegeError):
        return f"the query tried to change or read something it may not: {exc}"
    if isinstance(exc, asyncpg.PostgresError):
        return f"the database refused the query: {exc}"
    if isinstance(exc, OSError | asyncpg.InterfaceError | TimeoutError):
        return "the database is unreachable right now"
    return f"the query failed: {exc}"


async def fetch_readonly(
    conn: asyncpg.Connection, sql: str, timeout_ms: int, *, explain_only: bool = False
) -> QueryResult:
    """Run ``sql`` on ``conn`` in a READ ONLY transaction with ``statement_timeout``."""
    started = time.perf_counter()
    try:
        async with conn.transaction(readonly=True):
            await conn.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
            if explain_only:
                await conn.execute(f"EXPLAIN {sql}")
                return QueryResult([], [], (time.perf_counter() - started) * 1000)
            statement = await conn.prepare(sql)
            records = await statement.fetch()
            columns = [a.name for a in statement.get_attributes()]
    except Exception as exc:
        raise ExecutionError(_explain_error(exc, timeout_ms)) from exc
    return QueryResult(columns, [tuple(r) for r in records], (time.perf_counter() - started) * 1000)


async def run_readonly(dsn: str, sql: str, timeout_ms: int) -> QueryResult:
    """Connect (as the DSN's role, normally nlq_reader), run, disconnect."""
    try:
        conn = await asyncpg.connect(dsn, timeout=10)
    except Exception as exc:
        raise ExecutionError(_explain_error(exc, timeout_ms)) from exc
    try:
        return await fetch_readonly(conn, sql, timeout_ms)
    finally:
        await conn.close()
