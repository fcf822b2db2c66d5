"""``nlq demo traffic``: the generator's properties, a backfill and live traffic end to end.

The backfill and the live run go through the real console script, the real ingest service and
PostgreSQL; live traffic also calls the real payment-api, whose rows must share trace ids with
the web app's.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nlq_platform.traffic import rhythm
from nlq_platform.traffic.backfill import MIN_GAP_S, generate, plan
from tests.conftest import API_KEY_ANY, run_sql
from tests.support.payment_api import PaymentApiServer
from tests.support.server import IngestServer

NLQ = str(Path(sys.executable).parent / "nlq")
END = datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()


def traffic_cmd(ingest: IngestServer, *args: str) -> list[str]:
    return [NLQ, "demo", "traffic", "--ingest-url", ingest.url, "--api-key", API_KEY_ANY, *args]


def test_the_same_seed_gives_the_same_backfill() -> None:
    first = [r for chunk in generate(END - 1800, END, rate=3, seed=11) for r in chunk]
    again = [r for chunk in generate(END - 1800, END, rate=3, seed=11) for r in chunk]
    other = [r for chunk in generate(END - 1800, END, rate=3, seed=12) for r in chunk]
    assert first == again and first != other
    times = [r["created_at"] for r in first]
    assert times == sorted(times) and times[0] >= END - 1800 and times[-1] < END


def test_rate_and_daily_rhythm() -> None:
    rate, start = 0.5, END - 24 * 3600
    records = [r for chunk in generate(start, END, rate=rate, seed=3) for r in chunk]
    assert abs(len(records) / (24 * 3600) - rate) / rate < 0.2  # RECORDS_PER_SESSION holds
    by_hour = Counter(int(((r["created_at"] + rhythm.TZ_OFFSET_S) % 86400) // 3600) for r in records)
    assert by_hour[20] > 2.5 * by_hour[4]  # evening peak, quiet before dawn


def test_backfill_plan_fills_only_what_is_missing() -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert plan(None, now, 24) == (now - timedelta(hours=24), now)  # empty table
    assert plan(now - timedelta(days=3), now, 24) == (now - timedelta(hours=24), now)  # stale data
    gap = now - timedelta(hours=5)
    assert plan(gap, now, 24) == (gap, now)  # the demo was stopped for 5 hours
    assert plan(now - timedelta(seconds=MIN_GAP_S / 2), now, 24) is None  # recent: reuse
    assert plan(None, now, 0) is None


def test_backfill_end_to_end(ingest: IngestServer, clean_logs: str) -> None:
    started = time.time()
    done = subprocess.run(
        traffic_cmd(ingest, "--backfill-hours", "2", "--rate", "1.5", "--seed", "5", "--duration", "2"),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "backfilled" in done.stdout and "Traceback" not in done.stderr

    def one(sql: str) -> object:
        return run_sql(clean_logs, sql)[0][0]

    total = one("SELECT count(*) FROM logs")
    assert 2 * 3600 * 1.5 * 0.3 < total < 2 * 3600 * 1.5 * 2.5
    backfilled = int(re.search(r"backfilled ([\d,]+) records", done.stdout)[1].replace(",", ""))  # type: ignore[index]
    assert "live:" in done.stdout  # then two seconds of live traffic, payment-api simulated
    assert backfilled <= total <= backfilled + 500
    oldest, newest = run_sql(clean_logs, "SELECT min(created_at), max(created_at) FROM logs")[0]
    assert started - 2 * 3600 - 5 < oldest.timestamp() < started - 2 * 3600 + 600
    assert started - 600 < newest.timestamp() <= time.time()

    services = {r[0] for r in run_sql(clean_logs, "SELECT DISTINCT service FROM logs")}
    assert services == {"web-app", "payment-api", "order-api", "auth-api", "search-api", "inventory-worker"}
    assert {r[0] for r in run_sql(clean_logs, "SELECT DISTINCT level::text FROM logs")} >= {
        "DEBUG", "INFO", "WARN", "ERROR",
    }  # fmt: skip
    assert {r[0] for r in run_sql(clean_logs, "SELECT DISTINCT environment::text FROM logs")} >= {
        "production", "staging",
    }  # fmt: skip
    error_types = {
        r[0] for r in run_sql(clean_logs, "SELECT DISTINCT error_type FROM logs WHERE error_type IS NOT NULL")
    }
    assert {"DatabaseConnectionError", "TimeoutError", "PaymentDeclinedError"} <= error_types
    assert len(error_types) >= 5
    # every error row has a stack trace the service turned into function and file
    assert one("SELECT count(*) FROM logs WHERE level IN ('ERROR', 'FATAL') AND error_type IS NULL") == 0
    assert one("SELECT count(*) FROM logs WHERE error_type IS NOT NULL AND function_name IS NULL") == 0
    # FRONTEND and BACKEND rows share trace ids (a user action and the calls it made)
    shared = one(
        "SELECT count(DISTINCT f.trace_id) FROM logs f JOIN logs b ON b.trace_id = f.trace_id "
        "WHERE f.log_type = 'FRONTEND' AND b.log_type = 'BACKEND'"
    )
    assert shared > 50

    # the seed's questions have something to answer
    # the DB pool incident of the last hour is in the data. Not necessarily the top service: at
    # some hours of the daily rhythm few checkouts reach payment-api, and a 2-hour backfill at 1.5
    # records/s leaves it a handful of errors beside the other services' usual ones
    pool_errors = one(
        "SELECT count(*) FROM logs WHERE service = 'payment-api' AND error_type = 'DatabaseConnectionError' "
        "AND created_at > now() - interval '1 hour'"
    )
    assert isinstance(pool_errors, int) and pool_errors >= 1
    p95 = run_sql(
        clean_logs,
        "SELECT path, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FROM logs "
        "WHERE log_type = 'BACKEND' AND duration_ms IS NOT NULL GROUP BY path",
    )
    assert len(p95) >= 8
    assert one("SELECT count(*) FROM logs WHERE duration_ms > 1000 AND log_type = 'BACKEND'") > 5
    journey = run_sql(
        clean_logs,
        "SELECT log_type::text, path, error_type FROM logs WHERE user_id = 'user_123' "
        "AND (path LIKE '%checkout%' OR path LIKE '%payment%') AND created_at > now() - interval '1 hour' "
        "ORDER BY created_at",
    )
    assert ("BACKEND", "/api/v1/payment", "TimeoutError") in journey
    assert ("BACKEND", "/api/v1/payment", "DatabaseConnectionError") in journey
    assert ("FRONTEND", "/checkout", None) in journey


def test_live_traffic_calls_payment_api_with_traceparent(ingest: IngestServer, clean_logs: str) -> None:
    env = {
        "PAYMENT_API_LOG_SERVER_URL": ingest.url,
        "PAYMENT_API_LOG_API_KEY": API_KEY_ANY,
        "PAYMENT_API_LATENCY_SCALE": "0.1",
    }
    with PaymentApiServer(env=env) as api:
        proc = subprocess.Popen(
            traffic_cmd(ingest, "--rate", "80", "--payment-api", api.url, "--quiet"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "NLQ_DEMO_INGEST_KEY": ""},
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 40
            shared: list[object] = []
            while time.monotonic() < deadline and len(shared) < 3:
                time.sleep(1)
                shared = run_sql(
                    clean_logs,
                    "SELECT DISTINCT f.trace_id FROM logs f JOIN logs b ON b.trace_id = f.trace_id "
                    "WHERE f.service = 'web-app' AND b.service = 'payment-api'",
                )
        finally:
            proc.send_signal(signal.SIGTERM)  # what `nlq demo` does on Ctrl-C
            out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert len(shared) >= 3, (out, err)
        assert "live:" in out and "payment-api calls" in out and "Traceback" not in err
    # payment-api's rows came from the real service (its version, its route templates)
    versions = {
        r[0]
        for r in run_sql(
            clean_logs, "SELECT DISTINCT service_version FROM logs WHERE service = 'payment-api'"
        )
    }
    assert versions == {"v2.4.1"}
    assert run_sql(clean_logs, "SELECT count(*) FROM logs WHERE service = 'order-api'")[0][0] > 0  # simulated


def test_demo_backfills_only_what_is_missing(clean_logs: str) -> None:
    from nlq_platform import demo

    now = datetime.now(UTC)
    day = timedelta(hours=demo.BACKFILL_HOURS)
    assert demo.backfill_window(clean_logs, now) == (now - day, now)  # empty: the whole day
    insert = "INSERT INTO logs (created_at, log_type, service, message) VALUES ($1, 'BACKEND', 'x', 'm')"
    run_sql(clean_logs, insert, now - timedelta(hours=3))
    assert demo.backfill_window(clean_logs, now) == (now - timedelta(hours=3), now)  # the gap
    run_sql(clean_logs, insert, now - timedelta(minutes=1))
    assert demo.backfill_window(clean_logs, now) is None  # a re-run reuses its data
