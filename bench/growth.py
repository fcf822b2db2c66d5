"""``nlq bench growth``: ingest rate and gold-SQL latency as ``logs`` grows, partitioned vs single.

Two databases on the same server, side by side in one run: ``nlq_bench_growth_partitioned``
(every migration: daily partitions) and ``nlq_bench_growth_single`` (migrations before 0008: the
old single heap with the same six indexes). At each size (default 0, 10M, 30M existing rows),
for each layout in turn:

1. the table is filled to exactly that many rows the way ``nlq bench queries`` fills it (the
   evaluation week, then shifted copies of it), except that the copies stack within the three
   weeks before it (:data:`SPAN_WEEKS`: the table grows within its 30-day retention), the
   partitioned one after creating a daily partition for every day the rows cover;
2. every scenario's gold SQL is guarded and timed as ``nlq_reader`` (1 warm-up + ``--repeat``);
3. ``--ingest-records`` records are POSTed through the real HTTP ingest service (a fresh
   uvicorn process, ``--concurrency`` aiohttp clients, 1000-record batches): the ingest rate at
   that size. The ingested rows are deleted again afterwards.

A ``--max-minutes`` budget is checked before each size (a size is never cut short), and so is
the free disk; the report says how far the run got. Both databases are dropped at the end.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from bench import queries as qbench
from bench.ingest import (
    API_KEY,
    BATCH,
    RESULTS_DIR,
    BenchError,
    _checkpoint,
    _sql,
    free_port,
    machine,
    post_all,
    say,
    start_server,
    stop_server,
)
from bench.records import generate
from ingest_service.records import COLUMNS
from nlq_platform.config import REPO_ROOT, Settings, get_settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db import lifecycle, partitions
from nlq_platform.db.migrate import apply, discover, set_role_passwords

LAYOUTS = ("partitioned", "single")
DEFAULT_SIZES = (0, 10_000_000, 30_000_000)
INGEST_TARGET_RATIO = 0.8
MIN_FREE_DISK = 8 * 1024**3


def database(layout: str) -> str:
    return f"nlq_bench_growth_{layout}"


async def _prepare(maintenance: str, owner: str, layout: str, dsns: dsn_mod.Dsns) -> None:
    await _sql(
        maintenance,
        f'DROP DATABASE IF EXISTS "{database(layout)}" WITH (FORCE)',
        f'CREATE DATABASE "{database(layout)}"',
    )
    conn = await asyncpg.connect(owner, timeout=10)
    try:
        wanted = discover() if layout == "partitioned" else [m for m in discover() if m.version < "0008"]
        await apply(conn, wanted)
        await set_role_passwords(
            conn, {dsn_mod.INGEST_ROLE: dsns.ingest_password, dsn_mod.READER_ROLE: dsns.reader_password}
        )
    finally:
        await conn.close()


#: the copies stack within the 3 weeks before the evaluation week: a table that grows within its
#: retention (NLQ_RETENTION_DAYS, 30 by default) — more rows a day, not years of days. Going back
#: week by week instead, 10M rows took 1,764 daily partitions, and a query without a window then
#: locks every one of them and their indexes (PostgreSQL: "out of shared memory", more than
#: max_locks_per_transaction × max_connections locks), which retention exists to prevent.
SPAN_WEEKS = 3


async def _fill(
    owner: str, layout: str, rows: int, week: tuple[datetime, list[tuple[Any, ...]], float]
) -> dict:
    """Exactly ``rows`` rows: the newest of the evaluation week, or the week plus shifted copies."""
    anchor, week_rows, _ = week
    conn = await asyncpg.connect(owner, timeout=10)
    try:
        if layout == "partitioned":
            per_copy = sum(1 for r in week_rows if r[0] > anchor - timedelta(days=7))
            weeks = min(max(0, rows - len(week_rows)) // max(per_copy, 1) + 2, SPAN_WEEKS + 2)
            t = time.perf_counter()
            made = await partitions.ensure_partitions(conn, today=anchor.date(), back=7 * weeks + 2, ahead=7)
            say(f"  {len(made)} new daily partitions ({time.perf_counter() - t:.1f} s)")
        if rows <= len(week_rows):
            await conn.execute("TRUNCATE logs RESTART IDENTITY")
            newest = sorted(week_rows, key=lambda r: r[0])[len(week_rows) - rows :]
            await conn.copy_records_to_table("logs", records=newest, columns=COLUMNS)
            await conn.execute("VACUUM (ANALYZE) logs")
            return {"rows": rows}
    finally:
        await conn.close()
    return await qbench.load(owner, rows, week, span_weeks=SPAN_WEEKS)


async def _counts(owner: str) -> tuple[int, int, int]:
    conn = await asyncpg.connect(owner, timeout=10)
    try:
        n = await conn.fetchval("SELECT count(*) FROM logs")
        max_id = await conn.fetchval("SELECT coalesce(max(id), 0) FROM logs")
        size = await conn.fetchval("SELECT pg_database_size(current_database())")
        return n, max_id, size
    finally:
        await conn.close()


def _bodies(records: int) -> tuple[list[bytes], list[int]]:
    wire = list(generate(records, 42))
    chunks = [wire[i : i + BATCH] for i in range(0, records, BATCH)]
    return [orjson.dumps(c) for c in chunks], [len(c) for c in chunks]


def _ingest(
    owner: str,
    dsns: dsn_mod.Dsns,
    settings: Settings,
    bodies: list[bytes],
    counts: list[int],
    concurrency: int,
) -> dict:
    port = free_port()
    env = {
        "NLQ_DATABASE_URL": owner,
        "NLQ_INGEST_DATABASE_URL": dsn_mod.with_credentials(owner, dsn_mod.INGEST_ROLE, dsns.ingest_password),
        "NLQ_INGEST_KEYS": f"{API_KEY}=*",
        "NLQ_HOME": str(settings.home),
        "NLQ_LOG_LEVEL": "WARNING",
    }
    server = start_server(env, port)
    try:
        url = f"http://127.0.0.1:{port}"
        asyncio.run(post_all(url, bodies[:2], counts[:2], 1, False))  # warm the pool
        seconds, latencies = asyncio.run(post_all(url, bodies, counts, concurrency, False))
    finally:
        stop_server(server)
    lat = sorted(x * 1000 for x in latencies)
    return {
        "records": sum(counts) + sum(counts[:2]),
        "timed_records": sum(counts),
        "seconds": round(seconds, 3),
        "logs_per_s": round(sum(counts) / seconds, 1),
        "batch_p50_ms": round(lat[len(lat) // 2], 2),
        "batch_p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2),
    }


def _measure_one(
    layout: str,
    size: int,
    owner: str,
    reader: str,
    dsns: dsn_mod.Dsns,
    settings: Settings,
    week: Any,
    bodies: list[bytes],
    counts: list[int],
    repeat: int,
    concurrency: int,
) -> dict[str, Any]:
    say(f"{layout}: filling to {size:,} rows")
    t = time.perf_counter()
    load = asyncio.run(_fill(owner, layout, size, week))
    load_s = time.perf_counter() - t
    have, max_id, db_bytes = asyncio.run(_counts(owner))
    if have != size:
        raise BenchError(f"{layout}: loaded {have:,} rows, expected {size:,}")
    asyncio.run(_checkpoint(owner))
    queries: dict[str, Any] | None = None
    if size > 0:  # over an empty table some gold queries divide by zero: nothing to measure
        guarded = asyncio.run(qbench.guarded_queries(owner, settings.query_limit))
        results = asyncio.run(qbench.measure(reader, guarded, repeat))
        summary = qbench.overall(results)
        worst = max(results, key=lambda r: r["p95_ms"])
        say(
            f"  queries: overall p95 {summary['p95_ms']:.1f} ms, {summary['scenarios_passing']}/{summary['scenarios']} "
            f"under 50 ms, worst {worst['id']} {worst['p95_ms']:.1f} ms"
        )
        queries = {
            "overall": summary,
            "worst": {"id": worst["id"], "p95_ms": worst["p95_ms"]},
            "p95_ms": {r["id"]: r["p95_ms"] for r in results},
        }
    ingest = _ingest(owner, dsns, settings, bodies, counts, concurrency)
    say(f"  ingest: {ingest['logs_per_s']:,.0f} logs/s over HTTP")
    asyncio.run(_sql(owner, f"DELETE FROM logs WHERE id > {int(max_id)}", "VACUUM logs"))
    parts = None
    if layout == "partitioned":

        async def count_parts() -> int:
            conn = await asyncpg.connect(owner, timeout=10)
            try:
                return len(await partitions.list_partitions(conn))
            finally:
                await conn.close()

        parts = asyncio.run(count_parts())
    return {
        "layout": layout,
        "rows": size,
        "partitions": parts,
        "load_s": round(load_s, 1),
        "load": load.get("phases_s"),
        "database_bytes": db_bytes,
        "ingest": ingest,
        "queries": queries,
    }


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        f"nlq bench growth — {m.get('cores_logical')} cores, {m.get('ram_gb')} GB RAM, {r['postgres']}",
        f"ingest: {r['ingest_records']:,} records over HTTP ({r['concurrency']} clients) at each size; "
        f"queries: 38 scenarios × {r['repeat']} runs",
        "",
        f"{'rows':>12}  {'layout':<12} {'parts':>5}  {'ingest/s':>9} {'vs 0':>5}  {'p95 all':>8}  {'<50ms':>5}  worst",
    ]
    base = {s["layout"]: s["ingest"]["logs_per_s"] for s in r["steps"] if s["rows"] == 0}
    for s in r["steps"]:
        ratio = s["ingest"]["logs_per_s"] / base[s["layout"]] if base.get(s["layout"]) else float("nan")
        head = f"{s['rows']:>12,}  {s['layout']:<12} {s['partitions'] or '':>5}  {s['ingest']['logs_per_s']:>9,.0f} {ratio:>5.2f}"
        if s["queries"] is None:
            lines.append(f"{head}  (no rows to query)")
            continue
        q, w = s["queries"]["overall"], s["queries"]["worst"]
        lines.append(
            f"{head}  {q['p95_ms']:>6.1f}ms  {q['scenarios_passing']:>2}/{q['scenarios']:<2}  {w['id']} {w['p95_ms']:.1f} ms"
        )
    lines += [
        "",
        f"reached {r['reached_rows']:,} of {max(r['sizes']):,} rows: {r['stopped'] or 'all sizes done'}",
    ]
    return "\n".join(lines)


def run(
    sizes: tuple[int, ...] = DEFAULT_SIZES,
    ingest_records: int = 100_000,
    repeat: int = 20,
    concurrency: int = 8,
    max_minutes: float = 45,
    as_json: bool = False,
    settings: Settings | None = None,
    results_dir: Path = RESULTS_DIR,
) -> dict[str, Any]:
    """Run the benchmark; print the report (or JSON), save it under ``results_dir``, return it."""
    sizes = tuple(sorted(set(sizes)))
    if not sizes or sizes[0] < 0 or ingest_records < BATCH * 3:
        raise BenchError(f"--sizes must be row counts ≥ 0 and --ingest-records at least {BATCH * 3}")
    settings = settings or get_settings()
    started = time.perf_counter()
    dsns = lifecycle.up(settings)
    maintenance = dsn_mod.with_database(dsns.owner, "postgres")
    owners = {lay: dsn_mod.with_database(dsns.owner, database(lay)) for lay in LAYOUTS}
    readers = {lay: dsn_mod.with_database(dsns.reader, database(lay)) for lay in LAYOUTS}
    steps: list[dict[str, Any]] = []
    stopped = ""
    reached = 0
    try:
        for lay in LAYOUTS:
            asyncio.run(_prepare(maintenance, owners[lay], lay, dsns))
        version = asyncio.run(_sql(owners["partitioned"], "SELECT version()"))[0][0].split(" on ")[0]
        say("generating the evaluation week and the ingest records")
        week = qbench.generate_week()
        bodies, counts = _bodies(ingest_records)
        for size in sizes:
            elapsed = (time.perf_counter() - started) / 60
            if elapsed > max_minutes:
                stopped = (
                    f"time budget of {max_minutes:g} min used up ({elapsed:.0f} min) before {size:,} rows"
                )
                break
            free = shutil.disk_usage(settings.home if settings.home.exists() else REPO_ROOT).free
            if free < MIN_FREE_DISK:
                stopped = f"only {free / 1024**3:.1f} GB disk free before {size:,} rows"
                break
            for lay in LAYOUTS:
                steps.append(
                    _measure_one(
                        lay,
                        size,
                        owners[lay],
                        readers[lay],
                        dsns,
                        settings,
                        week,
                        bodies,
                        counts,
                        repeat,
                        concurrency,
                    )
                )
            reached = size
    finally:
        for lay in LAYOUTS:
            try:
                asyncio.run(_sql(maintenance, f'DROP DATABASE IF EXISTS "{database(lay)}" WITH (FORCE)'))
            except (OSError, asyncpg.PostgresError) as exc:
                say(f"could not drop {database(lay)}: {exc}")
    result: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "sizes": list(sizes),
        "reached_rows": reached,
        "stopped": stopped,
        "ingest_records": ingest_records,
        "concurrency": concurrency,
        "repeat": repeat,
        "postgres": version,
        "machine": machine(),
        "steps": steps,
        "total_minutes": round((time.perf_counter() - started) / 60, 1),
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"growth-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    say(f"results saved to {out} (whole run {result['total_minutes']} min)")
    print(json.dumps(result, indent=2) if as_json else render(result))
    return result
