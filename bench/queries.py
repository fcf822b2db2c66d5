"""``nlq bench queries``: every evaluation scenario's gold SQL timed over a large ``logs`` table.

The table lives in a dedicated database ``nlq_bench_queries`` on the same server, migrated like
any other. It is filled from the evaluation dataset (:mod:`nlq_platform.evaluation.dataset`, one
week anchored at load time): the week is COPYed into a scratch table once and multiplied inside
PostgreSQL, each copy shifted back by whole weeks (fresh trace and session ids, users spread over
a larger population), oldest first, so rows land in time order as real ingest writes them. The
newest week is the evaluation dataset itself, unchanged: the last hour, day and week hold exactly
what the scenarios were written against, and only the history behind them grows.

Each gold query goes through :func:`~nlq_platform.text_to_sql.guard.guard` (which only adds a
LIMIT to these) and runs as ``nlq_reader`` in a READ ONLY transaction, exactly as ``nlq sql``
runs it: once to warm up, then ``--repeat`` times, timed on the client. ``--extra-index``
measures candidate indexes: each one is built, every scenario re-measured, and the index dropped
again, so the database always returns to the schema's own indexes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench.ingest import RESULTS_DIR, BenchError, _checkpoint, _percentile, _sql, machine, say
from ingest_service.records import COLUMNS
from nlq_platform.config import REPO_ROOT, Settings, get_settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db import lifecycle
from nlq_platform.db.migrate import apply, discover, set_role_passwords
from nlq_platform.evaluation import dataset
from nlq_platform.evaluation.scenarios import Scenario, load_scenarios
from nlq_platform.metadata.postgres import fetch_snapshot
from nlq_platform.text_to_sql.executor import ExecutionError, fetch_readonly
from nlq_platform.text_to_sql.guard import GuardError, guard

BENCH_DB = "nlq_bench_queries"
DEFAULT_ROWS = 10_000_000
DEFAULT_REPEAT = 20
TARGET_P95_MS = 50.0
SEED = 7  # the evaluation dataset's seed
SEED_TABLE = "bench_seed"  # the evaluation week, COPYed once; dropped after the load
USER_POOL = 500  # users in the evaluation dataset (user_1 … user_500)
USER_COHORTS = 20  # copy k renames user_n to user_{n + 500·(k mod 20)}: 10,000 users over time
QUERY_TIMEOUT_MS = 300_000  # generous: the point is to measure slow queries, not cancel them
SLOWEST = 5
MIN_CHANGE_MS = 5.0  # an experiment lists the scenarios whose p95 moved by at least this (and 20%)
WINDOWS = {"1h": "1 hour", "24h": "24 hours", "7d": "7 days"}
LOAD_SETTINGS = (
    "SET maintenance_work_mem = '1GB'",
    "SET work_mem = '256MB'",
    "SET synchronous_commit = off",
    "SET max_parallel_maintenance_workers = 2",
)

_COLS = ", ".join(COLUMNS)
# One copy of the evaluation week, ``k`` weeks back — or, with a span of S weeks, 1 + (k - 1) mod S
# weeks back, so that copies stack within the last S weeks (a table that grows within its
# retention, not into years of days). md5(NULL || …) stays NULL.
_SHIFT = {None: "$1::int"}
_COPY_EXPRS = {
    "created_at": "created_at - make_interval(days => 7 * {shift})",
    "trace_id": "md5(trace_id || ':' || $1::int)",
    "user_id": f"'user_' || (substr(user_id, 6)::int + {USER_POOL} * ($1::int % {USER_COHORTS}))",
    "session_id": "'sess_' || left(md5(session_id || ':' || $1::int), 16)",
}


def copy_select(span_weeks: int | None = None) -> str:
    shift = "$1::int" if span_weeks is None else f"(1 + ($1::int - 1) % {int(span_weeks)})"
    exprs = {c: e.format(shift=shift) for c, e in _COPY_EXPRS.items()}
    return ", ".join(f"{exprs[c]} AS {c}" if c in exprs else c for c in COLUMNS)


def copy_sql(span_weeks: int | None = None) -> str:
    return (
        f"INSERT INTO logs ({_COLS}) SELECT {copy_select(span_weeks)} FROM {SEED_TABLE} "
        "WHERE created_at > $2 ORDER BY created_at"
    )


def partial_copy_sql(span_weeks: int | None = None) -> str:
    """The oldest copy is partial: the newest $3 rows of its week, so the table ends at exactly N rows."""
    return (
        f"INSERT INTO logs ({_COLS}) SELECT * FROM (SELECT {copy_select(span_weeks)} FROM {SEED_TABLE} "
        "WHERE created_at > $2 ORDER BY created_at DESC LIMIT $3) AS newest ORDER BY created_at"
    )


BASE_SQL = f"INSERT INTO logs ({_COLS}) SELECT {_COLS} FROM {SEED_TABLE} ORDER BY created_at"
# Secondary indexes of logs (not the primary key): what the load drops and rebuilds.
INDEXES_SQL = """
SELECT i.relname AS name, pg_get_indexdef(i.oid) AS ddl, pg_relation_size(i.oid) AS bytes,
       x.indexprs IS NOT NULL AS has_expressions,
       EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) AS constraint_index
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = 'logs'::regclass
ORDER BY i.relname
"""
_INDEX_ON = re.compile(  # CREATE INDEX <name> ON <table> in a migration
    r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)\"?"
    r"\s+ON\s+(?:ONLY\s+)?(?:\"?public\"?\.)?\"?(\w+)\"?",
    re.I,
)
_CREATE_INDEX = re.compile(r"^\s*CREATE\s+(UNIQUE\s+)?INDEX\b", re.I)
MB = 1024 * 1024


@dataclass(frozen=True)
class Query:
    scenario: Scenario
    sql: str  # after guard()


# --- database ---------------------------------------------------------------------------------


async def _connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, timeout=10)


def migration_index_names() -> set[str]:
    """Names of the indexes the migrations create on logs (the schema's own indexes)."""
    return {
        m.group(1).lower()
        for mig in discover()
        for m in _INDEX_ON.finditer(mig.sql)
        if m.group(2).lower() == "logs"
    }


async def indexes(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(INDEXES_SQL)]


async def drop_leftover_indexes(conn: asyncpg.Connection) -> list[str]:
    """Drop indexes on logs that no migration creates: candidates left by an interrupted run."""
    known = migration_index_names()
    dropped = []
    for ix in await indexes(conn):
        if not ix["constraint_index"] and ix["name"].lower() not in known:
            await conn.execute(f'DROP INDEX "{ix["name"]}"')
            dropped.append(ix["name"])
    return dropped


async def prepare_database(maintenance: str, owner: str, dsns: dsn_mod.Dsns, rows: int, keep: bool) -> bool:
    """Make sure ``nlq_bench_queries`` exists and is migrated; True when it must be (re)loaded."""
    if keep:
        await lifecycle.ensure_database(maintenance, BENCH_DB)
    else:
        await _sql(
            maintenance,
            f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)',
            f'CREATE DATABASE "{BENCH_DB}"',
        )
    conn = await _connect(owner)
    try:
        applied = await apply(conn)
        await set_role_passwords(
            conn, {dsn_mod.INGEST_ROLE: dsns.ingest_password, dsn_mod.READER_ROLE: dsns.reader_password}
        )
        for name in await drop_leftover_indexes(conn):
            say(f"dropped index {name} left over from an interrupted run")
        if not keep:
            return True
        if applied:
            say(f"applied {len(applied)} migration(s) to the kept database")
        missing = migration_index_names() - {ix["name"].lower() for ix in await indexes(conn)}
        if missing:
            say(f"--keep: {BENCH_DB} lacks the index(es) {', '.join(sorted(missing))}; reloading")
            return True
        have = await conn.fetchval("SELECT count(*) FROM logs")
        if have == rows:
            return False
        say(f"--keep: {BENCH_DB} holds {have:,} rows, not {rows:,}; reloading")
        return True
    finally:
        await conn.close()


def generate_week() -> tuple[datetime, list[tuple[Any, ...]], float]:
    """The evaluation dataset anchored now: (anchor, rows, seconds it took)."""
    started = time.perf_counter()
    anchor = datetime.now(UTC)
    return anchor, dataset.generate(anchor, SEED), time.perf_counter() - started


async def load(
    owner: str, rows: int, week: tuple[datetime, list[tuple[Any, ...]], float], span_weeks: int | None = None
) -> dict[str, Any]:
    """Fill ``logs`` with exactly ``rows`` rows; return the time of each phase (seconds).
    ``span_weeks``: the copies stack within that many weeks before the evaluation week."""
    anchor, week_rows, generate_s = week
    phases: dict[str, float] = {"generate": generate_s}
    started = time.perf_counter() - generate_s
    cutoff = anchor - timedelta(days=7)
    per_copy = sum(1 for r in week_rows if r[0] > cutoff)
    full, rest = divmod(rows - len(week_rows), per_copy)

    conn = await _connect(owner)
    try:
        for statement in LOAD_SETTINGS:
            await conn.execute(statement)
        t = time.perf_counter()
        await conn.execute("TRUNCATE logs RESTART IDENTITY")
        await conn.execute(f"DROP TABLE IF EXISTS {SEED_TABLE}")
        await conn.execute(f"CREATE UNLOGGED TABLE {SEED_TABLE} AS SELECT {_COLS} FROM logs WITH NO DATA")
        await conn.copy_records_to_table(SEED_TABLE, records=week_rows, columns=COLUMNS)
        phases["copy"] = time.perf_counter() - t

        # Bulk-loading into a table without secondary indexes and building them afterwards (a
        # sort each) is several times faster than maintaining four B-trees row by row.
        secondary = [ix for ix in await indexes(conn) if not ix["constraint_index"]]
        for ix in secondary:
            await conn.execute(f'DROP INDEX "{ix["name"]}"')

        t = time.perf_counter()
        copies = full + (1 if rest else 0)
        say(
            f"loading {rows:,} rows: {copies} shifted copies of the {per_copy:,}-row week "
            f"(oldest first), then the {len(week_rows):,}-row evaluation dataset"
        )
        last_report = time.perf_counter()
        if rest:
            await conn.execute(partial_copy_sql(span_weeks), full + 1, cutoff, rest)
        for k in range(full, 0, -1):
            await conn.execute(copy_sql(span_weeks), k, cutoff)
            if time.perf_counter() - last_report > 30:
                done = rest + (full - k + 1) * per_copy
                say(f"  {done:,} rows ({done / (time.perf_counter() - t):,.0f} rows/s)")
                last_report = time.perf_counter()
        await conn.execute(BASE_SQL)
        phases["insert"] = time.perf_counter() - t
        await conn.execute(f"DROP TABLE {SEED_TABLE}")

        t = time.perf_counter()
        builds = {}
        for ix in secondary:
            ti = time.perf_counter()
            # On partitioned logs pg_get_indexdef says "ON ONLY logs" (the parent alone, no
            # partition gets the index); without ONLY it is built on every partition.
            await conn.execute(ix["ddl"].replace(" ON ONLY ", " ON ", 1))
            builds[ix["name"]] = round(time.perf_counter() - ti, 2)
        phases["indexes"] = time.perf_counter() - t
        say(f"  indexes rebuilt in {phases['indexes']:.1f} s: {builds}")

        # VACUUM, not only ANALYZE: it sets hint bits and the visibility map (index-only scans),
        # as autovacuum does on an insert-only table in steady state.
        t = time.perf_counter()
        await conn.execute("VACUUM (ANALYZE) logs")
        phases["vacuum_analyze"] = time.perf_counter() - t
        have = await conn.fetchval("SELECT count(*) FROM logs")
    finally:
        await conn.close()
    if have != rows:
        raise BenchError(f"loaded {have:,} rows, expected {rows:,}")
    t = time.perf_counter()
    await _checkpoint(owner)
    phases["checkpoint"] = time.perf_counter() - t
    return {
        "seconds": time.perf_counter() - started,
        "phases_s": {k: round(v, 2) for k, v in phases.items()},
        "index_build_s": builds,
        "week_rows": len(week_rows),
        "rows_per_copy": per_copy,
        "full_copies": full,
        "partial_copy_rows": rest,
    }


async def describe(owner: str) -> dict[str, Any]:
    """Sizes, span and the rows in the scenarios' time windows."""
    conn = await _connect(owner)
    try:
        windows = ", ".join(
            f"count(*) FILTER (WHERE created_at > NOW() - INTERVAL '{iv}') AS w_{name}"
            for name, iv in WINDOWS.items()
        )
        row = await conn.fetchrow(
            f"SELECT count(*) AS total, count(*) FILTER (WHERE NOT deleted) AS live, {windows}, "
            "min(created_at) AS oldest, max(created_at) AS newest FROM logs"
        )
        sizes = await conn.fetchrow(
            "SELECT pg_table_size('logs') AS heap, pg_indexes_size('logs') AS idx, "
            "pg_database_size(current_database()) AS db"
        )
        version = (await conn.fetchval("SELECT version()")).split(" on ")[0]
        conf = {
            r["name"]: r["value"]
            for r in await conn.fetch(
                "SELECT name, current_setting(name) AS value FROM pg_settings WHERE name = ANY($1)",
                [
                    "shared_buffers",
                    "work_mem",
                    "effective_cache_size",
                    "random_page_cost",
                    "jit",
                    "max_parallel_workers_per_gather",
                ],
            )
        }
        ix = await indexes(conn)
    finally:
        await conn.close()
    return {
        "postgres": version,
        "settings": conf,
        "rows": row["total"],
        "live_rows": row["live"],
        "rows_in_window": {name: row[f"w_{name}"] for name in WINDOWS},
        "oldest": row["oldest"].isoformat(),
        "newest": row["newest"].isoformat(),
        "span_days": round((row["newest"] - row["oldest"]).total_seconds() / 86400, 1),
        "table_mb": round(sizes["heap"] / MB, 1),
        "indexes_mb": round(sizes["idx"] / MB, 1),
        "database_mb": round(sizes["db"] / MB, 1),
        "indexes": [{"name": i["name"], "mb": round(i["bytes"] / MB, 1), "ddl": i["ddl"]} for i in ix],
    }


async def data_age_s(owner: str) -> float:
    conn = await _connect(owner)
    try:
        return float(await conn.fetchval("SELECT extract(epoch FROM NOW() - max(created_at)) FROM logs"))
    finally:
        await conn.close()


# --- measuring --------------------------------------------------------------------------------


async def guarded_queries(owner: str, limit: int) -> list[Query]:
    conn = await _connect(owner)
    try:
        snapshot = await fetch_snapshot(conn)
    finally:
        await conn.close()
    queries = []
    for s in load_scenarios():
        try:
            queries.append(Query(s, guard(s.sql, snapshot, default_limit=limit).sql))
        except GuardError as exc:
            raise BenchError(f"scenario {s.id}: the guard refused the gold SQL: {exc}") from exc
    return queries


def summarize_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """What EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) says about how ``logs`` was read."""
    access: list[str] = []
    removed = 0

    def walk(node: dict[str, Any]) -> None:
        nonlocal removed
        kind = node.get("Node Type", "")
        loops = node.get("Actual Loops", 1) or 1
        if (
            kind.endswith("Scan")
            and kind != "Bitmap Heap Scan"
            and node.get("Relation Name", "logs") == "logs"
        ):
            name = node.get("Index Name")
            parallel = "Parallel " if node.get("Parallel Aware") else ""
            rows = int(node.get("Actual Rows", 0) * loops)
            access.append(f"{parallel}{kind}{' ' + name if name else ''} ({rows:,} rows)")
        if kind in ("Seq Scan", "Bitmap Heap Scan", "Index Scan", "Index Only Scan"):
            removed += int(node.get("Rows Removed by Filter", 0) * loops)
            removed += int(node.get("Rows Removed by Index Recheck", 0) * loops)
        for child in node.get("Plans", []):
            walk(child)

    top = plan["Plan"]
    walk(top)
    jit = plan.get("JIT", {}).get("Timing", {}).get("Total")
    return {
        "access": access,
        "seq_scan": any("Seq Scan" in a for a in access),
        "execution_ms": round(plan.get("Execution Time", 0.0), 2),
        "planning_ms": round(plan.get("Planning Time", 0.0), 2),
        "jit_ms": round(jit, 2) if jit is not None else None,
        "shared_hit": top.get("Shared Hit Blocks", 0),
        "shared_read": top.get("Shared Read Blocks", 0),
        "rows_removed": removed,
    }


async def explain(conn: asyncpg.Connection, sql: str) -> dict[str, Any]:
    async with conn.transaction(readonly=True):
        await conn.execute(f"SET LOCAL statement_timeout = {QUERY_TIMEOUT_MS}")
        raw = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    return summarize_plan(plan)


async def measure(reader: str, queries: Sequence[Query], repeat: int) -> list[dict[str, Any]]:
    """Warm each query once, time ``repeat`` runs, then EXPLAIN ANALYZE it once."""
    conn = await _connect(reader)
    results = []
    try:
        for q in queries:
            try:
                rows = len((await fetch_readonly(conn, q.sql, QUERY_TIMEOUT_MS)).rows)  # warm-up
                times = []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    await fetch_readonly(conn, q.sql, QUERY_TIMEOUT_MS)
                    times.append((time.perf_counter() - t0) * 1000)
                plan = await explain(conn, q.sql)
            except (ExecutionError, asyncpg.PostgresError) as exc:
                raise BenchError(f"scenario {q.scenario.id}: {exc}") from exc
            ordered = sorted(times)
            if sum(times) > 5_000:  # progress on slow phases
                say(f"  {q.scenario.id}: p95 {_percentile(ordered, 95):,.1f} ms")
            results.append(
                {
                    "id": q.scenario.id,
                    "category": q.scenario.category,
                    "rows": rows,
                    "p50_ms": round(_percentile(ordered, 50), 2),
                    "p95_ms": round(_percentile(ordered, 95), 2),
                    "min_ms": round(ordered[0], 2),
                    "max_ms": round(ordered[-1], 2),
                    "mean_ms": round(statistics.fmean(ordered), 2),
                    "pass": _percentile(ordered, 95) < TARGET_P95_MS,
                    "plan": plan,
                    "runs_ms": [round(x, 3) for x in times],
                }
            )
    finally:
        await conn.close()
    return results


def overall(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """p50/p95 over every timed run of every scenario pooled, and how many scenarios pass."""
    pooled = sorted(x for r in results for x in r["runs_ms"])
    p95 = _percentile(pooled, 95)
    return {
        "runs": len(pooled),
        "p50_ms": round(_percentile(pooled, 50), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(pooled[-1], 2),
        "scenarios_passing": sum(r["pass"] for r in results),
        "scenarios": len(results),
        "seq_scans": sum(r["plan"]["seq_scan"] for r in results),
        "pass": p95 < TARGET_P95_MS,
    }


async def phase(label: str, owner: str, reader: str, queries: Sequence[Query], repeat: int) -> dict[str, Any]:
    age = await data_age_s(owner)
    say(f"{label}: {len(queries)} scenarios × (1 warm-up + {repeat} runs); newest row {age / 60:.1f} min old")
    t = time.perf_counter()
    results = await measure(reader, queries, repeat)
    summary = overall(results)
    say(
        f"  overall p50 {summary['p50_ms']:.1f} ms, p95 {summary['p95_ms']:.1f} ms; "
        f"{summary['scenarios_passing']}/{summary['scenarios']} scenarios under {TARGET_P95_MS:.0f} ms "
        f"({time.perf_counter() - t:.0f} s)"
    )
    return {"data_age_s": round(age, 1), "overall": summary, "scenarios": results}


def candidate_statements(candidate: str) -> list[str]:
    """The CREATE INDEX statements of one ``--extra-index`` value (``;`` separates several)."""
    statements = [s.strip() for s in candidate.split(";") if s.strip()]
    if not statements:
        raise BenchError("--extra-index: empty statement")
    for s in statements:
        if not _CREATE_INDEX.match(s):
            raise BenchError(f"--extra-index takes CREATE INDEX statements only, got: {s}")
    return statements


async def experiment(
    label: str,
    statements: list[str],
    owner: str,
    reader: str,
    queries: Sequence[Query],
    repeat: int,
) -> dict[str, Any]:
    """Build the candidate index(es), measure every scenario, drop them again."""
    conn = await _connect(owner)
    try:
        for s in LOAD_SETTINGS:
            await conn.execute(s)
        before = {ix["name"] for ix in await indexes(conn)}
        created: list[dict[str, Any]] = []
        try:
            for ddl in statements:
                t = time.perf_counter()
                try:
                    await conn.execute(ddl)
                except asyncpg.PostgresError as exc:
                    raise BenchError(f"--extra-index {ddl!r} failed: {exc}") from exc
                build_s = time.perf_counter() - t
                new = [ix for ix in await indexes(conn) if ix["name"] not in before]
                before |= {ix["name"] for ix in new}
                created += [{**ix, "ddl_given": ddl, "build_s": round(build_s, 2)} for ix in new]
            if any(ix["has_expressions"] for ix in created):  # expression statistics for the planner
                await conn.execute("ANALYZE logs")
            built = ", ".join(
                f"{ix['name']} {ix['bytes'] / MB:,.1f} MB in {ix['build_s']:.1f} s" for ix in created
            )
            say(f"{label}: built {built}")
            measured = await phase(label, owner, reader, queries, repeat)
        finally:
            for ix in created:
                await conn.execute(f'DROP INDEX IF EXISTS "{ix["name"]}"')
    finally:
        await conn.close()
    return {
        "label": label,
        "statements": statements,
        "indexes": [
            {"name": ix["name"], "ddl": ix["ddl"], "mb": round(ix["bytes"] / MB, 1), "build_s": ix["build_s"]}
            for ix in created
        ],
        **measured,
    }


# --- report -----------------------------------------------------------------------------------


def _by_id(results: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in results}


def changes(baseline: dict[str, Any], exp: dict[str, Any]) -> list[dict[str, Any]]:
    """Scenarios whose p95 moved by at least 20% and 5 ms, biggest gain first (smaller moves are
    within the run-to-run noise of a shared 2-core VM)."""
    base = _by_id(baseline["scenarios"])
    moved = []
    for r in exp["scenarios"]:
        b = base[r["id"]]
        delta = r["p95_ms"] - b["p95_ms"]
        if abs(delta) >= MIN_CHANGE_MS and abs(delta) >= 0.2 * b["p95_ms"]:
            moved.append(
                {
                    "id": r["id"],
                    "p95_before_ms": b["p95_ms"],
                    "p95_after_ms": r["p95_ms"],
                    "access_before": b["plan"]["access"],
                    "access_after": r["plan"]["access"],
                }
            )
    return sorted(moved, key=lambda m: m["p95_after_ms"] - m["p95_before_ms"])


def _access(plan: dict[str, Any]) -> str:
    return "; ".join(plan["access"]) or "(no scan of logs)"


def render(r: dict[str, Any]) -> str:
    d, load_info, base = r["database"], r["load"], r["baseline"]
    w = d["rows_in_window"]
    lines = [
        f"nlq bench queries: {d['rows']:,} rows over {d['span_days']} days, {r['repeat']} runs per "
        f"scenario, {d['postgres']}",
    ]
    if load_info:
        ph = load_info["phases_s"]
        lines.append(
            f"  {'load':<12}{load_info['seconds']:.1f} s ("
            + ", ".join(f"{k} {v:.1f}" for k, v in ph.items())
            + f"); {load_info['full_copies']} weekly copies + {load_info['partial_copy_rows']:,} rows "
            f"+ the {load_info['week_rows']:,}-row evaluation dataset"
        )
    else:
        lines.append(f"  {'load':<12}kept the existing {BENCH_DB} (--keep)")
    lines += [
        f"  {'size':<12}table {d['table_mb'] / 1024:.2f} GB, indexes {d['indexes_mb'] / 1024:.2f} GB",
        f"  {'windows':<12}last 1 h {w['1h']:,} rows, 24 h {w['24h']:,}, 7 d {w['7d']:,} "
        f"({100 * w['24h'] / d['rows']:.2f}% of the table in the last day)",
        f"  baseline (the schema's indexes), newest row {base['data_age_s'] / 60:.1f} min old; by p95:",
        f"    {'id':<5}{'category':<13}{'p50 ms':>9}{'p95 ms':>9}{'rows':>6}  access",
    ]
    for s in sorted(base["scenarios"], key=lambda s: -s["p95_ms"]):
        lines.append(
            f"    {s['id']:<5}{s['category']:<13}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}{s['rows']:>6}  "
            f"{'PASS' if s['pass'] else 'MISS'}  {_access(s['plan'])}"
        )
    o = base["overall"]
    lines.append(
        f"  overall     p50 {o['p50_ms']:.1f} ms, p95 {o['p95_ms']:.1f} ms over {o['runs']} runs; "
        f"{o['scenarios_passing']}/{o['scenarios']} scenarios with p95 < {TARGET_P95_MS:.0f} ms"
    )
    lines.append(f"  slowest {SLOWEST} (EXPLAIN ANALYZE, BUFFERS):")
    for s in sorted(base["scenarios"], key=lambda s: -s["p95_ms"])[:SLOWEST]:
        p = s["plan"]
        jit = f", JIT {p['jit_ms']:.0f} ms" if p["jit_ms"] else ""
        lines.append(
            f"    {s['id']:<5}{_access(p)}; executed in {p['execution_ms']:.1f} ms{jit}; "
            f"buffers hit {p['shared_hit']:,} read {p['shared_read']:,}; "
            f"{p['rows_removed']:,} rows filtered out"
        )
    if r["experiments"]:
        lines.append("  index experiments (each built, every scenario re-measured, dropped again):")
    for e in r["experiments"]:
        eo = e["overall"]
        size = sum(ix["mb"] for ix in e["indexes"])
        build = sum(ix["build_s"] for ix in e["indexes"])
        lines.append(f"    {e['label']}: {size:,.1f} MB, built in {build:.1f} s")
        lines += [f"      {s}" for s in e["statements"]]
        lines.append(
            f"      overall p95 {o['p95_ms']:.1f} → {eo['p95_ms']:.1f} ms, p50 {o['p50_ms']:.1f} → "
            f"{eo['p50_ms']:.1f} ms; passing {o['scenarios_passing']} → {eo['scenarios_passing']}"
            f"/{eo['scenarios']}; seq scans {o['seq_scans']} → {eo['seq_scans']}"
        )
        slowest = max(e["scenarios"], key=lambda s: s["p95_ms"])
        lines.append(
            f"      slowest now {slowest['id']} p95 {slowest['p95_ms']:.1f} ms: {_access(slowest['plan'])}"
        )
        for c in e["changes"]:
            lines.append(
                f"      {c['id']:<5}{c['p95_before_ms']:>8.1f} → {c['p95_after_ms']:>7.1f} ms  "
                f"{'; '.join(c['access_after'])}"
            )
    m = r["machine"]
    lines.append(f"  machine     {m['cpu_model']}, {m['cores_logical']} cores, {m['ram_gb']} GB RAM")
    lines.append("  targets:")
    lines.append(
        f"    {'PASS' if o['pass'] else 'MISS'}  overall p95 {o['p95_ms']:>10.1f} ms   (target < "
        f"{TARGET_P95_MS:.0f} ms, the schema's indexes)"
    )
    for e in r["experiments"]:
        eo = e["overall"]
        lines.append(
            f"    {'PASS' if eo['pass'] else 'MISS'}  overall p95 {eo['p95_ms']:>10.1f} ms   "
            f"(with {e['label']})"
        )
    return "\n".join(lines)


# --- the benchmark ----------------------------------------------------------------------------


async def _run(
    rows: int, repeat: int, keep: bool, candidates: list[list[str]], settings: Settings
) -> dict[str, Any]:
    dsns = await asyncio.to_thread(lifecycle.up, settings)
    maintenance = dsn_mod.with_database(dsns.owner, "postgres")
    owner = dsn_mod.with_database(dsns.owner, BENCH_DB)
    reader = dsn_mod.with_database(dsns.reader, BENCH_DB)

    week = await asyncio.to_thread(generate_week)  # first: --rows must hold the whole week
    if rows < len(week[1]):
        raise BenchError(f"--rows must be at least {len(week[1]):,} (the evaluation dataset itself)")
    say(f"preparing database {BENCH_DB}")
    load_info = None
    if await prepare_database(maintenance, owner, dsns, rows, keep):
        load_info = await load(owner, rows, week)
        say(f"loaded {rows:,} rows in {load_info['seconds']:.1f} s")
    else:
        say(f"--keep: reusing {BENCH_DB} ({rows:,} rows)")
    info = await describe(owner)
    age_h = (datetime.now(UTC) - datetime.fromisoformat(info["newest"])).total_seconds() / 3600
    if age_h > 1:
        say(
            f"warning: the data was loaded {age_h:.1f} h ago, so the last hour holds none of it; "
            "run without --keep for realistic recent windows"
        )
    queries = await guarded_queries(owner, settings.query_limit)
    baseline = await phase("baseline", owner, reader, queries, repeat)
    experiments = []
    labels = [f"candidate {i + 1}" for i in range(len(candidates))]
    runs = list(zip(labels, candidates, strict=True))
    if len(candidates) > 1:  # every distinct statement at once (candidates may share some)
        runs.append(("all candidates", list(dict.fromkeys(s for c in candidates for s in c))))
    for label, statements in runs:
        e = await experiment(label, statements, owner, reader, queries, repeat)
        e["changes"] = changes(baseline, e)
        experiments.append(e)
    return {"load": load_info, "database": info, "baseline": baseline, "experiments": experiments}


def run(
    rows: int = DEFAULT_ROWS,
    repeat: int = DEFAULT_REPEAT,
    as_json: bool = False,
    keep: bool = False,
    extra_indexes: Sequence[str] = (),
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Run the whole benchmark, print the report (or JSON), save it under bench/results/, return it."""
    if rows < 1 or repeat < 1:
        raise BenchError("--rows and --repeat must be at least 1")
    candidates = [candidate_statements(c) for c in extra_indexes]
    settings = settings or get_settings()
    started = time.perf_counter()
    measured = asyncio.run(_run(rows, repeat, keep, candidates, settings))
    result: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": rows,
        "repeat": repeat,
        "seed": SEED,
        "target_p95_ms": TARGET_P95_MS,
        "kept": measured["load"] is None,
        **measured,
        "machine": machine(),
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"queries-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    say(f"results saved to {out.relative_to(REPO_ROOT)} (whole run {result['total_seconds']:.1f} s)")
    with contextlib.suppress(BrokenPipeError):
        print(json.dumps(result, indent=2, default=str) if as_json else render(result))
    return result
