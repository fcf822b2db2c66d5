"""``nlq bench client``: what one ``logger.info(...)`` costs the application.

The Python client promises a hot path that never waits for the network, so the figure that matters
is the cost of the call itself, with the sender thread busy at the same time: against a real
ingest service (server up: batches are encoded, gzipped and posted while the calls go on) and
against an address where nothing listens (server down: every send fails and is retried, the
queue fills and drops its oldest records). Each call is timed on its own with ``perf_counter_ns``;
the timer's own cost (the median of an empty measurement) is subtracted.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bench.ingest import (
    RESULTS_DIR,
    BenchError,
    _percentile,
    _sql,
    free_port,
    machine,
    say,
    start_server,
    stop_server,
)
from nlq_platform.config import REPO_ROOT, Settings, get_settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db import lifecycle
from nlq_platform.db.migrate import migrate

BENCH_DB = "nlq_bench_client"
API_KEY = "nlq-bench-client-key"
TARGET_P50_US = 5.0
BURST = 1000
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def _timer_overhead_ns(n: int = 200_000) -> int:
    clock = time.perf_counter_ns
    samples = []
    for _ in range(n):
        t0 = clock()
        samples.append(clock() - t0)
    return int(statistics.median(samples))


def measure(
    call: Callable[[int], None], calls: int, overhead_ns: int, drain: Callable[[], None] | None
) -> list[int]:
    """Time ``calls`` calls one by one, in bursts of BURST; ``drain`` runs (untimed) between bursts."""
    clock = time.perf_counter_ns
    out: list[int] = []
    append = out.append
    gc.collect()
    for start in range(0, calls, BURST):
        for i in range(start, min(start + BURST, calls)):
            t0 = clock()
            call(i)
            append(clock() - t0 - overhead_ns)
        if drain is not None:
            drain()
    return out


def summarise(name: str, samples: list[int], stats: dict[str, int], tight_ns: float) -> dict[str, Any]:
    ordered = sorted(max(0, s) for s in samples)
    us = [v / 1000 for v in ordered]
    return {
        "scenario": name,
        "calls": len(samples),
        "p50_us": _percentile(us, 50),
        "p90_us": _percentile(us, 90),
        "p99_us": _percentile(us, 99),
        "p999_us": _percentile(us, 99.9),
        "max_us": us[-1],
        "mean_us": statistics.fmean(us),
        "tight_loop_us": tight_ns / 1000,
        "logger": stats,
    }


def run_scenario(
    name: str, url: str, calls: int, overhead_ns: int, *, up: bool, in_context: bool
) -> dict[str, Any]:
    """One scenario with a fresh Logger; the call is the seed's ``payment_success`` example."""
    from log_collector import Logger, log_context

    say(f"{name}: {calls:,} calls")
    logger = Logger(
        service="payment-api", environment="production", log_server_url=url, api_key=API_KEY,
        max_retries=3, backoff_base=0.2, backoff_max=1.0,
    )  # fmt: skip
    info = logger.info

    def call(i: int) -> None:
        info("payment_success", trace_id=TRACE_ID, user_id="user_123", path="/api/v1/payment",
             duration_ms=123.45, amount=45000)  # fmt: skip

    def call_in_context(i: int) -> None:
        info("payment_success", path="/api/v1/payment", duration_ms=123.45, amount=45000)

    def drain() -> None:  # server up: let the sender catch up, so nothing is dropped
        deadline = time.monotonic() + 10
        while logger.stats()["queued"] > 4 * BURST and time.monotonic() < deadline:
            time.sleep(0.005)

    fn = call_in_context if in_context else call
    ctx = log_context(trace_id=TRACE_ID, user_id="user_123") if in_context else None
    try:
        if ctx is not None:
            ctx.__enter__()
        measure(fn, min(20_000, calls), overhead_ns, drain if up else None)  # warm-up
        samples = measure(fn, calls, overhead_ns, drain if up else None)
        n = min(50_000, calls)
        started = time.perf_counter_ns()
        for i in range(n):
            fn(i)
        tight = (time.perf_counter_ns() - started) / n
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)
        logger.close(timeout=30 if up else 0.5)
    return summarise(name, samples, logger.stats(), tight)


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        f'nlq bench client: one logger.info("payment_success", trace_id, user_id, path, duration_ms, amount) '
        f"call, {r['calls']:,} timed calls per scenario (timer overhead {r['timer_overhead_ns']} ns subtracted)",
        f"  {'scenario':<26}{'p50':>9}{'p90':>9}{'p99':>9}{'p99.9':>9}{'mean':>9}{'loop':>9}   logger",
    ]
    for s in r["scenarios"]:
        st = s["logger"]
        lines.append(
            f"  {s['scenario']:<26}{s['p50_us']:>7.2f}µs{s['p90_us']:>7.2f}µs{s['p99_us']:>7.2f}µs"
            f"{s['p999_us']:>7.2f}µs{s['mean_us']:>7.2f}µs{s['tight_loop_us']:>7.2f}µs"
            f"   sent {st['sent']:,}, dropped {st['dropped']:,}"
        )
    lines.append("  (loop: wall time per call of an untimed tight loop)")
    lines.append(
        f"  machine: {m['cpu_model']}, {m['cores_logical']} cores, {m['ram_gb']} GB RAM, Python {m['python']}"
    )
    lines.append("  targets:")
    for t in r["targets"]:
        lines.append(
            f"    {'PASS' if t['pass'] else 'MISS'}  {t['name']:<30} {t['shown']:>9}   (target {t['target']})"
        )
    return "\n".join(lines)


def run(calls: int = 200_000, as_json: bool = False, settings: Settings | None = None) -> dict[str, Any]:
    """Start a real ingest service, run the scenarios, print the report, save JSON; return it."""
    if calls < 1000:
        raise BenchError("--calls must be at least 1000")
    settings = settings or get_settings()
    say("starting PostgreSQL")
    dsns = lifecycle.up(settings)
    maintenance = dsn_mod.with_database(dsns.owner, "postgres")
    owner = dsn_mod.with_database(dsns.owner, BENCH_DB)
    drop = f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'
    asyncio.run(_sql(maintenance, drop, f'CREATE DATABASE "{BENCH_DB}"'))
    try:
        asyncio.run(migrate(owner, dsns.ingest_password, dsns.reader_password))
        port = free_port()
        env = {
            "NLQ_DATABASE_URL": owner,
            "NLQ_INGEST_DATABASE_URL": dsn_mod.with_credentials(
                owner, dsn_mod.INGEST_ROLE, dsns.ingest_password
            ),
            "NLQ_INGEST_KEYS": f"{API_KEY}=*",
            "NLQ_HOME": str(settings.home),
            "NLQ_LOG_LEVEL": "WARNING",
        }
        say(f"ingest service on port {port}")
        server = start_server(env, port)
        overhead = _timer_overhead_ns()
        try:
            up_url = f"http://127.0.0.1:{port}"
            scenarios = [
                run_scenario("server up", up_url, calls, overhead, up=True, in_context=False),
                run_scenario("server up, in log_context", up_url, calls, overhead, up=True, in_context=True),
            ]
            stored = asyncio.run(_sql(owner, "SELECT count(*) FROM logs"))[0][0]
        finally:
            stop_server(server)
        down_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
        quiet = logging.getLogger("log_collector")
        level, quiet.level = quiet.level, logging.ERROR  # its "gave up on N records" warnings are expected
        try:
            scenarios.append(
                run_scenario("server down", down_url, calls, overhead, up=False, in_context=False)
            )
        finally:
            quiet.setLevel(level)
    finally:
        try:
            asyncio.run(_sql(maintenance, drop))
        except (OSError, asyncpg.PostgresError) as exc:
            say(f"could not drop {BENCH_DB}: {exc}")
    result: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "calls": calls,
        "timer_overhead_ns": overhead,
        "scenarios": scenarios,
        "stored_while_up": stored,
        "machine": machine(),
    }
    result["targets"] = [
        {"name": f"p50, {s['scenario']}", "target": f"< {TARGET_P50_US:g} µs", "value": s["p50_us"],
         "shown": f"{s['p50_us']:.2f} µs", "pass": s["p50_us"] < TARGET_P50_US}
        for s in scenarios
    ]  # fmt: skip
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"client-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    say(f"results saved to {out.relative_to(REPO_ROOT)}")
    print(json.dumps(result, indent=2) if as_json else render(result))
    return result
