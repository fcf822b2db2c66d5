"""Backpressure: a stopped database or a saturated pool gets 503 + Retry-After, never a hang."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import asyncpg
import httpx
import pytest

from tests.conftest import API_KEY_ANY, run_sql
from tests.support.pg import TestPostgres
from tests.support.server import IngestServer

AUTH = {"Authorization": f"Bearer {API_KEY_ANY}"}
RECORD = {"message": "outage", "service": "payment-api", "log_type": "BACKEND"}


def post(server: IngestServer, n: int = 10, key: str | None = None) -> httpx.Response:
    headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
    return httpx.post(f"{server.url}/logs", json=[RECORD] * n, headers=headers, timeout=30)


@pytest.fixture
def restart_guard(pg: TestPostgres) -> Iterator[TestPostgres]:
    """Whatever the test does, the shared cluster is running again afterwards."""
    yield pg
    pg.cluster.start()


def test_503_while_database_is_stopped_then_recovery(
    start_ingest: Callable[..., IngestServer], restart_guard: TestPostgres, clean_logs: str
) -> None:
    server = start_ingest(ingest_pool_timeout_s="1", ingest_retry_after_s="1")
    assert post(server).status_code == 200

    restart_guard.cluster.stop(mode="fast")
    started = time.monotonic()
    down = post(server, key="while-down")
    assert down.status_code == 503
    assert down.headers["retry-after"] == "1"
    assert "database" in down.json()["error"]
    assert time.monotonic() - started < 10
    assert httpx.get(f"{server.url}/readyz", timeout=15).status_code == 503
    assert httpx.get(f"{server.url}/healthz").status_code == 200

    restart_guard.cluster.start()
    deadline = time.monotonic() + 30
    while True:  # a client honours Retry-After until the service recovers
        resp = post(server, key="while-down")
        if resp.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(float(resp.headers.get("retry-after", "1")))
    assert resp.status_code == 200 and resp.json()["accepted"] == 10
    assert httpx.get(f"{server.url}/readyz").status_code == 200
    assert run_sql(clean_logs, "SELECT count(*) AS n FROM logs")[0]["n"] == 20


def test_503_when_the_pool_is_saturated(start_ingest: Callable[..., IngestServer], clean_logs: str) -> None:
    server = start_ingest(
        ingest_pool_max="1", ingest_pool_timeout_s="0.5", ingest_db_timeout_s="2", ingest_retry_after_s="3"
    )
    assert post(server).status_code == 200
    locked = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        async def go() -> None:
            conn = await asyncpg.connect(clean_logs)
            async with conn.transaction():
                await conn.execute("LOCK TABLE logs IN ACCESS EXCLUSIVE MODE")
                locked.set()
                while not release.is_set():
                    await asyncio.sleep(0.05)
            await conn.close()

        asyncio.run(go())

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        answers: list[tuple[int, float, str | None]] = []

        def send() -> None:
            t0 = time.monotonic()
            r = post(server)
            answers.append((r.status_code, time.monotonic() - t0, r.headers.get("retry-after")))

        senders = [threading.Thread(target=send) for _ in range(3)]
        for s in senders:
            s.start()
        for s in senders:
            s.join(30)
        assert [a[0] for a in answers] == [503, 503, 503]
        assert all(a[2] == "3" for a in answers)
        assert max(a[1] for a in answers) < 10  # bounded by the timeouts, not by the lock
    finally:
        release.set()
        holder.join(10)
    assert post(server).status_code == 200
