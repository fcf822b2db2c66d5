"""When a query reaches past retention, answer it from the archive (DuckDB) instead of PostgreSQL.

A query "reaches past retention" when it bounds ``created_at`` from below by ``NOW() - INTERVAL``
(or a literal time) older than NLQ_RETENTION_DAYS: those days' partitions are gone, only the
archive has them. The archive is then read together with the rows PostgreSQL holds after the
last archived day (today, and yesterday until the nightly export ran), so the answer covers
the whole window. Queries without a lower time bound stay on PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from nlq_platform.archive import duck
from nlq_platform.archive.export import to_arrow
from nlq_platform.archive.schema import select_sql
from nlq_platform.archive.store import ArchiveError, archive_from_uri, default_archive_uri
from nlq_platform.config import Settings
from nlq_platform.text_to_sql.executor import ExecutionError, QueryResult

_UNITS = {
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 30 * 86400,
    "year": 365 * 86400,
}
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(minute|hour|day|week|month|year)s?", re.I)


def _interval_seconds(node: exp.Interval) -> float | None:
    text = f"{node.this.name if isinstance(node.this, exp.Literal) else node.this.sql()} {node.unit.name if node.unit else ''}"
    total = sum(float(n) * _UNITS[u.lower()] for n, u in _AMOUNT.findall(text))
    return total or None


def _lower_bound(node: exp.Expression, now: datetime) -> datetime | None:
    """The moment ``node`` stands for, when it is NOW() - INTERVAL … or a literal timestamp."""
    if (
        isinstance(node, exp.Sub)
        and isinstance(node.this, exp.CurrentTimestamp | exp.Anonymous)
        and isinstance(node.expression, exp.Interval)
        and (seconds := _interval_seconds(node.expression))
    ):
        return now - timedelta(seconds=seconds)
    if isinstance(node, exp.Cast):
        node = node.this
    if isinstance(node, exp.Literal) and node.is_string:
        try:
            moment = datetime.fromisoformat(node.this)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def earliest_bound(sql: str, now: datetime | None = None) -> datetime | None:
    """The oldest lower bound any predicate puts on ``created_at`` (None: no lower bound)."""
    now = now or datetime.now(UTC)
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except SqlglotError:
        return None
    bounds = []
    for cmp in tree.find_all(exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between):
        if isinstance(cmp, exp.Between):
            pairs = [(cmp.this, cmp.args.get("low"))]
        elif isinstance(cmp, exp.GT | exp.GTE):
            pairs = [(cmp.this, cmp.expression)]
        else:  # x < created_at
            pairs = [(cmp.expression, cmp.this)]
        for column, value in pairs:
            if (
                isinstance(column, exp.Column)
                and column.name == "created_at"
                and value is not None
                and (moment := _lower_bound(value, now)) is not None
            ):
                bounds.append(moment)
    return min(bounds) if bounds else None


def reaches_past_retention(sql: str, retention_days: int, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    bound = earliest_bound(sql, now)
    return bound is not None and bound < now - timedelta(days=retention_days)


def archive_root(settings: Settings) -> Path:
    """A local directory with the archive (GCS archives are mirrored into NLQ_HOME)."""
    store = archive_from_uri(settings.archive_uri or default_archive_uri(settings.home))
    return store.local_root(settings.home / "archive-cache")


async def run_with_recent(
    settings: Settings, conn: asyncpg.Connection, guarded_sql: str
) -> duck.ArchiveResult:
    """Run over the archive plus the rows PostgreSQL holds after the last archived day."""
    root = archive_root(settings)
    store = archive_from_uri(root.as_uri())
    days = store.days()
    since = f"'{days[-1] + timedelta(days=1)} 00:00:00+00'" if days else "'-infinity'"
    rows = await conn.fetch(f"SELECT {select_sql()} FROM logs WHERE created_at >= {since}::timestamptz")
    return duck.run(root, guarded_sql, extra=[to_arrow(rows)])


async def answer_from_archive(
    settings: Settings, conn: asyncpg.Connection, guarded_sql: str
) -> QueryResult | None:
    """The archive's answer when ``guarded_sql`` reaches past retention and days are archived;
    None when PostgreSQL should answer (as before)."""
    if not reaches_past_retention(guarded_sql, settings.retention_days):
        return None
    try:
        if not archive_from_uri(settings.archive_uri or default_archive_uri(settings.home)).days():
            return None
        result = await run_with_recent(settings, conn, guarded_sql)
    except (duck.ArchiveQueryError, ArchiveError) as exc:
        raise ExecutionError(str(exc)) from exc
    return QueryResult(result.columns, result.rows, result.elapsed_ms)
