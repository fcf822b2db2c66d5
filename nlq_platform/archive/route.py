"""When a query reaches past retention, answer it from the archive (DuckDB) instead of PostgreSQL.

A query's *window* is what its WHERE clauses allow of ``created_at``, for every place it reads
``logs``: the top-level conjuncts ``created_at > / >= / < / <= / BETWEEN`` an expression without
columns. The expressions are evaluated by PostgreSQL itself, so every spelling the database
understands works the same (``NOW() - INTERVAL '90 days'``, ``CURRENT_DATE - 90``,
``DATE_TRUNC('month', NOW()) - INTERVAL '2 months'``, ``'2026-01-01'``, ``'40 days'::interval``),
with the same NOW() and calendar months the query itself would use.

A query "reaches past retention" when one of its windows starts before the oldest day PostgreSQL
keeps (``today - NLQ_RETENTION_DAYS``, as retention drops whole days before it) — or has an upper
bound and no lower one (all history up to a moment). Those days' partitions are gone; only the
archive has them. The answer then comes from DuckDB over the archived days the windows touch (the
other files are not read) plus the rows PostgreSQL holds in them for the days the archive lacks
(today, yesterday until the nightly export ran, any day whose export failed), so it covers the
whole window. Queries without any time bound (a trace's rows) stay on PostgreSQL.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import asyncpg
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from nlq_platform.archive import duck
from nlq_platform.archive.schema import LOG_COLUMNS, select_sql
from nlq_platform.archive.store import ArchiveError, ArchiveStore, archive_from_uri, default_archive_uri
from nlq_platform.config import Settings
from nlq_platform.text_to_sql.executor import ExecutionError, QueryResult

TIME_COLUMN = "created_at"
_LOWER = (exp.GT, exp.GTE)  # created_at > x
_UPPER = (exp.LT, exp.LTE)  # created_at < x
#: a column wrapped in these still bounds it from below: trunc(created_at) >= x ⇒ created_at >= x
_TRUNCATING = (exp.TimestampTrunc, exp.DateTrunc, exp.TsOrDsToDate, exp.Date)
_TIME_TYPES = ("date", "timestamp", "timestamptz")


@dataclass(frozen=True)
class Window:
    """What a query allows of created_at; None: unbounded on that side."""

    lower: datetime | None
    upper: datetime | None
    #: created_at < upper (not <=): a day starting at ``upper`` is outside
    upper_strict: bool = False

    def touches(self, day: date) -> bool:
        start, end = _day_start(day), _day_start(day + timedelta(days=1))
        before_upper = (
            self.upper is None or start < self.upper or (start == self.upper and not self.upper_strict)
        )
        return (self.lower is None or end > self.lower) and before_upper


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _is_time_column(node: exp.Expression, alias: str, single: bool, *, lower: bool) -> bool:
    if lower:
        while isinstance(node, _TRUNCATING) or (isinstance(node, exp.Cast) and node.to.is_type(*_TIME_TYPES)):
            node = node.this
    if not isinstance(node, exp.Column) or node.name != TIME_COLUMN:
        return False
    return node.table == alias or (not node.table and single)


def _constant(node: exp.Expression | None) -> bool:
    """An expression of no column and no subquery: PostgreSQL can evaluate it alone."""
    return node is not None and not any(isinstance(n, exp.Column | exp.Query) for n in node.walk())


def _conjuncts(where: exp.Expression) -> list[exp.Expression]:
    node = where.this if isinstance(where, exp.Where) else where
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.And):
        return [*_conjuncts(node.this), *_conjuncts(node.expression)]
    return [node]


def bound_expressions(sql: str, table: str = "logs") -> list[tuple[list[str], list[tuple[str, bool]]]] | None:
    """For each place ``sql`` reads ``table``: the SQL of its lower bounds and of its upper bounds
    (with whether the upper one is strict, ``<``).

    None when the query does not read ``table`` (or cannot be parsed); an empty pair of lists for
    a read without a time bound. Only top-level AND-ed conditions of the reading SELECT's WHERE
    count: a bound under OR, CASE or JOIN … ON does not restrict the rows read.
    """
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except SqlglotError:
        return None
    reads = [t for t in tree.find_all(exp.Table) if t.name == table and t.db in ("", "public")]
    if not reads:
        return None
    found = []
    for read in reads:
        select = read.find_ancestor(exp.Select)
        where = select.args.get("where") if select is not None else None
        lowers: list[str] = []
        uppers: list[tuple[str, bool]] = []
        if where is not None:
            same = [t for t in select.find_all(exp.Table) if t.name == table]
            single = sum(1 for t in same if t.find_ancestor(exp.Select) is select) == 1
            alias = read.alias_or_name
            for cond in _conjuncts(where):
                # (column side, value side, a lower bound?)
                pairs: list[tuple[exp.Expression, exp.Expression | None, bool]] = []
                if isinstance(cond, exp.Between):
                    pairs = [
                        (cond.this, cond.args.get("low"), True),
                        (cond.this, cond.args.get("high"), False),
                    ]
                elif isinstance(cond, _LOWER):
                    pairs = [(cond.this, cond.expression, True), (cond.expression, cond.this, False)]
                elif isinstance(cond, _UPPER):
                    pairs = [(cond.this, cond.expression, False), (cond.expression, cond.this, True)]
                strict = isinstance(cond, exp.LT | exp.GT)
                for column, value, is_lower in pairs:
                    if _is_time_column(column, alias, single, lower=is_lower) and _constant(value):
                        assert value is not None
                        if is_lower:
                            lowers.append(value.sql(dialect="postgres"))
                        else:
                            uppers.append((value.sql(dialect="postgres"), strict))
        found.append((lowers, uppers))
    return found


async def _evaluate(conn: asyncpg.Connection, exprs: Sequence[str]) -> tuple[datetime, dict[str, datetime]]:
    """NOW() and each expression as a timestamptz, in one read-only round trip.

    An expression PostgreSQL cannot turn into a time is left out (that side counts as unbounded).
    """
    select = ", ".join(["now()", *(f"({e})::timestamptz" for e in exprs)])
    async with conn.transaction(readonly=True):
        try:
            async with conn.transaction():  # a savepoint: a failing cast must not end the outer one
                row = await conn.fetchrow(f"SELECT {select}")
            assert row is not None
            return row[0], {e: row[i + 1] for i, e in enumerate(exprs)}
        except asyncpg.PostgresError:
            now = await conn.fetchval("SELECT now()")
            values = {}
            for e in exprs:
                try:
                    async with conn.transaction():
                        values[e] = await conn.fetchval(f"SELECT ({e})::timestamptz")
                except asyncpg.PostgresError:
                    continue
            return now, values


async def query_windows(conn: asyncpg.Connection, sql: str) -> tuple[datetime, list[Window]]:
    """PostgreSQL's NOW() and, for each place ``sql`` reads logs, the window it reads."""
    reads = bound_expressions(sql) or []
    exprs = sorted({*(e for lowers, _ in reads for e in lowers), *(e for _, ups in reads for e, _ in ups)})
    if not exprs:
        return datetime.now(UTC), [Window(None, None) for _ in reads]
    now, values = await _evaluate(conn, exprs)
    windows = []
    for lo_exprs, up_exprs in reads:
        lo = [values[e] for e in lo_exprs if values.get(e) is not None]
        # AND-ed bounds: the tightest (at the same moment, < is tighter than <=)
        up = sorted((values[e], not strict) for e, strict in up_exprs if values.get(e) is not None)
        windows.append(Window(max(lo) if lo else None, up[0][0] if up else None, bool(up) and not up[0][1]))
    return now, windows


def covering(windows: Sequence[Window]) -> Window:
    """One window holding every read's (unbounded on a side as soon as one read is)."""
    lowers = [w.lower for w in windows]
    if not windows or any(w.upper is None for w in windows):
        upper, strict = None, False
    else:  # the loosest: the latest moment, <= over < at the same one
        upper, inclusive = max((w.upper, not w.upper_strict) for w in windows if w.upper is not None)
        strict = not inclusive
    return Window(
        None if not lowers or None in lowers else min(x for x in lowers if x is not None), upper, strict
    )


def oldest_kept_day(now: datetime, retention_days: int) -> date:
    """The first day retention keeps in PostgreSQL (it drops the partitions before it)."""
    return now.astimezone(UTC).date() - timedelta(days=retention_days)


def reaches_past_retention(windows: Sequence[Window], now: datetime, retention_days: int) -> bool:
    """Some read's window starts before the oldest kept day (or is bounded above only)."""
    cutoff = _day_start(oldest_kept_day(now, retention_days))
    return any(
        (w.lower is None and w.upper is not None) or (w.lower is not None and w.lower < cutoff)
        for w in windows
    )


def missing_ranges(
    archived: Sequence[date], window: Window
) -> list[tuple[datetime | None, datetime | None, bool]]:
    """The parts of ``window`` no archived day covers: (from, to, to inclusive); None: open."""
    ranges = []
    cursor = window.lower
    for day in sorted(d for d in archived if window.touches(d)):
        start, end = _day_start(day), _day_start(day + timedelta(days=1))
        if cursor is None or cursor < start:
            ranges.append((cursor, start, False))
        cursor = end if cursor is None else max(cursor, end)
    if window.upper is None or cursor is None or cursor < window.upper:
        ranges.append((cursor, window.upper, not window.upper_strict))
    elif cursor == window.upper and not window.upper_strict:
        ranges.append((cursor, window.upper, True))
    return ranges


def store_of(settings: Settings) -> ArchiveStore:
    return archive_from_uri(settings.archive_uri or default_archive_uri(settings.home))


def archive_root(settings: Settings, days: Sequence[date] | None = None) -> Path:
    """A local directory with the archive (GCS archives: ``days`` mirrored into NLQ_HOME)."""
    return store_of(settings).local_root(settings.home / "archive-cache", days=days)


def referenced_columns(sql: str) -> set[str] | None:
    """The logs columns ``sql`` names (None: all of them, for ``*`` or an unreadable query)."""
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except SqlglotError:
        return None
    if any(isinstance(n, exp.Star) for n in tree.walk()):
        return None
    return {c.name for c in tree.find_all(exp.Column)} & set(LOG_COLUMNS)


async def copy_unarchived(
    conn: asyncpg.Connection,
    archived: Sequence[date],
    window: Window,
    path: Path,
    *,
    timeout_ms: int,
    columns: set[str] | None = None,
) -> int:
    """Write the rows PostgreSQL holds in ``window`` for the days the archive lacks to ``path``
    (CSV, the 21 columns; ``columns``: only those read, the others NULL); returns how many.

    A COPY by time ranges (so partition pruning applies), in a read-only transaction with the
    query timeout: no Python objects per row, DuckDB reads the file.
    """
    ors, args = [], []
    for lo, hi, inclusive in missing_ranges(archived, window):
        parts = []
        if lo is not None:
            args.append(lo)
            parts.append(f"created_at >= ${len(args)}")
        if hi is not None:
            args.append(hi)
            parts.append(f"created_at {'<=' if inclusive else '<'} ${len(args)}")
        ors.append("(" + " AND ".join(parts or ["TRUE"]) + ")")
    path.write_text("")
    if not ors:
        return 0
    select = select_sql(columns or set(LOG_COLUMNS), typed_keys=False)
    async with conn.transaction(readonly=True):
        await conn.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
        await conn.execute("SET LOCAL TimeZone = 'UTC'")
        status = await conn.copy_from_query(
            f"SELECT {select} FROM logs WHERE {' OR '.join(ors)}", *args, output=str(path), format="csv"
        )
    return int(status.rsplit(" ", 1)[-1])


async def postgres_column_names(conn: asyncpg.Connection, sql: str) -> list[str] | None:
    """The result's column names as PostgreSQL would name them (``count``, not ``count_star()``)."""
    try:
        async with conn.transaction(readonly=True):
            return [a.name for a in (await conn.prepare(sql)).get_attributes()]
    except asyncpg.PostgresError:
        return None


def _named(result: duck.ArchiveResult, names: list[str] | None) -> duck.ArchiveResult:
    if names is not None and len(names) == len(result.columns):
        result.columns = names
    return result


async def run_on_archive(
    settings: Settings,
    conn: asyncpg.Connection,
    guarded_sql: str,
    *,
    window: Window,
    with_postgres: bool,
    store: ArchiveStore | None = None,
    archived: Sequence[date] | None = None,
) -> duck.ArchiveResult:
    """Run guarded PostgreSQL SQL on DuckDB over the archived days ``window`` touches, plus (with
    ``with_postgres``) PostgreSQL's rows for the window's days the archive lacks."""
    store = store or store_of(settings)
    archived = store.days() if archived is None else archived
    days = [d for d in archived if window.touches(d)]
    root = store.local_root(settings.home / "archive-cache", days=days)
    names = await postgres_column_names(conn, guarded_sql)
    with tempfile.TemporaryDirectory(prefix="nlq-recent-") as tmp:
        extra = []
        if with_postgres:
            recent = Path(tmp) / "recent.csv"
            await copy_unarchived(
                conn,
                archived,
                window,
                recent,
                timeout_ms=settings.query_timeout_ms,
                columns=referenced_columns(guarded_sql),
            )
            extra.append(recent)
        return _named(duck.run(root, guarded_sql, extra=extra, days=days), names)


async def answer_from_archive(
    settings: Settings, conn: asyncpg.Connection, guarded_sql: str
) -> QueryResult | None:
    """The archive's answer when ``guarded_sql`` reaches past retention and days are archived;
    None when PostgreSQL should answer (as before)."""
    try:
        now, windows = await query_windows(conn, guarded_sql)
        if not reaches_past_retention(windows, now, settings.retention_days):
            return None
        window = covering(windows)
        store = store_of(settings)
        archived = store.days()
        if not archived:
            return None
        result = await run_on_archive(
            settings, conn, guarded_sql, window=window, with_postgres=True, store=store, archived=archived
        )
    except (duck.ArchiveQueryError, ArchiveError) as exc:
        raise ExecutionError(str(exc)) from exc
    except asyncpg.QueryCanceledError as exc:
        raise ExecutionError(
            f"reading the days the archive lacks took longer than {settings.query_timeout_ms / 1000:g} s"
        ) from exc
    return QueryResult(result.columns, result.rows, result.elapsed_ms)
