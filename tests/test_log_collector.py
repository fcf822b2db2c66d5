"""The Python log client end to end: a real ingest service over a real PostgreSQL.

Delivery (10K records via close() and via atexit), an ingest-service restart and a database
outage mid-stream (nothing lost, nothing stored twice), exceptions, the stdlib / structlog /
ASGI integrations, and a full queue that drops the oldest records without blocking.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import logging
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
import structlog
from log_collector import (
    LogCollectorHandler,
    LogCollectorMiddleware,
    LogCollectorProcessor,
    Logger,
    log_context,
    new_trace_id,
    parse_traceparent,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.conftest import API_KEY_ANY, run_sql
from tests.support.pg import TestPostgres, free_port
from tests.support.server import IngestServer

SERVICE = "payment-api"


def make_logger(url: str, **options: Any) -> Logger:
    return Logger(service=SERVICE, environment="test", log_server_url=url, api_key=API_KEY_ANY, **options)


def count(dsn: str, where: str = "TRUE", *args: object) -> int:
    return run_sql(dsn, f"SELECT count(*) AS n FROM logs WHERE {where}", *args)[0]["n"]


def rows(dsn: str, where: str, *args: object) -> list[dict[str, Any]]:
    found = run_sql(dsn, f"SELECT * FROM logs WHERE {where} ORDER BY id", *args)
    return [dict(r) | {"metadata": orjson.loads(r["metadata"]) if r["metadata"] else None} for r in found]


def assert_exactly_once(dsn: str, message: str, n: int) -> None:
    got = run_sql(
        dsn,
        "SELECT count(*) AS n, count(DISTINCT (metadata->>'seq')::int) AS distinct_seq, "
        "min((metadata->>'seq')::int) AS lo, max((metadata->>'seq')::int) AS hi "
        "FROM logs WHERE message = $1",
        message,
    )[0]
    assert dict(got) == {"n": n, "distinct_seq": n, "lo": 0, "hi": n - 1}


# ---------------------------------------------------------------------------------- delivery


def test_10k_records_arrive_intact_after_close(ingest: IngestServer, clean_logs: str) -> None:
    logger = make_logger(ingest.url)
    try:
        started = time.perf_counter()
        for i in range(10_000):
            logger.info(
                "payment_success",
                trace_id=f"{i:032x}",
                user_id=f"user_{i % 100}",
                path="/api/v1/payment",
                method="POST",
                duration_ms=i / 8,
                seq=i,
                amount=i * 10,
            )
        logging_took = time.perf_counter() - started
    finally:
        assert logger.close(timeout=30)
    assert logging_took < 2.0  # 10K calls; the hot path does no I/O
    stats = logger.stats()
    assert stats["enqueued"] == stats["sent"] == 10_000
    assert stats["dropped"] == stats["failed_batches"] == stats["rejected"] == stats["queued"] == 0
    assert 10 <= stats["batches"] <= 20  # batches of up to 1000, not one request per record

    assert_exactly_once(clean_logs, "payment_success", 10_000)
    assert count(clean_logs, "trace_id IS NOT NULL") == 10_000
    assert run_sql(clean_logs, "SELECT count(DISTINCT trace_id) AS n FROM logs")[0]["n"] == 10_000
    (row,) = rows(clean_logs, "metadata->>'seq' = '1234'")
    assert row["trace_id"] == f"{1234:032x}"
    assert row["user_id"] == "user_34"
    assert row["path"] == "/api/v1/payment"
    assert row["method"] == "POST"
    assert row["duration_ms"] == Decimal("154.250")
    assert (row["level"], row["log_type"], row["service"], row["environment"]) == (
        "INFO", "BACKEND", SERVICE, "test",
    )  # fmt: skip
    assert row["metadata"] == {"seq": 1234, "amount": 12340}
    assert row["error_type"] is None and row["stack_trace"] is None
    assert abs(row["created_at"].timestamp() - time.time()) < 120


def test_atexit_flushes_a_process_that_never_calls_close(ingest: IngestServer, clean_logs: str) -> None:
    script = textwrap.dedent(
        """
        import sys
        from log_collector import Logger

        logger = Logger(service="payment-api", environment="test",
                        log_server_url=sys.argv[1], api_key=sys.argv[2])
        for i in range(10_000):
            logger.info("atexit_record", seq=i, path="/jobs/export")
        # no close(): the atexit hook must deliver everything
        """
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script, ingest.url, API_KEY_ANY], capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    assert time.monotonic() - started < 20
    assert_exactly_once(clean_logs, "atexit_record", 10_000)


@pytest.fixture
def restart_guard(pg: TestPostgres) -> Iterator[TestPostgres]:
    """Whatever the test does, the shared cluster is running again afterwards."""
    yield pg
    pg.cluster.start()


def log_paced(logger: Logger, message: str, seqs: range, seconds: float) -> None:
    """Log ``seqs`` spread over about ``seconds`` (a steady stream, not one burst)."""
    chunk = max(1, len(seqs) // 20)
    for start in range(seqs.start, seqs.stop, chunk):
        for i in range(start, min(start + chunk, seqs.stop)):
            logger.info(message, seq=i)
        time.sleep(seconds / 20)


def test_ingest_service_restart_mid_stream_loses_and_duplicates_nothing(
    start_ingest: Callable[..., IngestServer], clean_logs: str
) -> None:
    server = start_ingest()
    logger = make_logger(server.url, flush_interval=0.2, backoff_base=0.1, backoff_max=0.5, max_retries=60)
    try:
        log_paced(logger, "restart_record", range(0, 3000), 0.6)
        assert count(clean_logs, "message = 'restart_record'") > 0  # the stream is flowing
        server.stop()  # the service process is gone: connection refused / reset
        log_paced(logger, "restart_record", range(3000, 6000), 2.0)
        assert logger.stats()["retries"] > 0
        server.proc = None
        server.start()  # a new process on the same port
        log_paced(logger, "restart_record", range(6000, 9000), 0.6)
    finally:
        assert logger.close(timeout=30)
    stats = logger.stats()
    assert stats["sent"] == 9000
    assert stats["dropped"] == stats["failed_batches"] == 0
    assert_exactly_once(clean_logs, "restart_record", 9000)


def test_database_outage_mid_stream_loses_and_duplicates_nothing(
    start_ingest: Callable[..., IngestServer], restart_guard: TestPostgres, clean_logs: str
) -> None:
    server = start_ingest(ingest_pool_timeout_s="1", ingest_retry_after_s="1")
    logger = make_logger(server.url, flush_interval=0.2)
    try:
        log_paced(logger, "db_outage_record", range(0, 2000), 0.5)
        restart_guard.cluster.stop(mode="fast")
        log_paced(logger, "db_outage_record", range(2000, 4000), 1.0)
        deadline = time.monotonic() + 15
        while logger.stats()["retries"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert logger.stats()["retries"] > 0  # 503 + Retry-After, retried
        restart_guard.cluster.start()
        log_paced(logger, "db_outage_record", range(4000, 6000), 0.5)
    finally:
        assert logger.close(timeout=40)
    stats = logger.stats()
    assert stats["sent"] == 6000 and stats["dropped"] == stats["failed_batches"] == 0
    assert_exactly_once(clean_logs, "db_outage_record", 6000)


def test_idempotency_key_is_stable_across_retries_and_retry_after_is_honoured() -> None:
    attempts: list[tuple[float, str, bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append((time.monotonic(), request.headers["idempotency-key"], request.content))
        if len(attempts) <= 2:
            return httpx.Response(503, headers={"Retry-After": "1"}, json={"error": "busy"})
        if len(attempts) == 3:
            raise httpx.ConnectError("connection refused", request=request)
        records = orjson.loads(gzip.decompress(request.content))
        return httpx.Response(200, json={"accepted": len(records), "rejected": [], "duplicate": False})

    logger = make_logger("http://ingest.invalid", transport=httpx.MockTransport(handler), backoff_base=0.05)
    try:
        for i in range(5):
            logger.info("retried", seq=i)
        assert logger.flush(timeout=10)
    finally:
        logger.close(timeout=5)
    assert len(attempts) == 4
    assert len({key for _, key, _ in attempts}) == 1  # one key for every attempt of the batch
    assert len({body for _, _, body in attempts}) == 1
    assert attempts[1][0] - attempts[0][0] >= 1.0 and attempts[2][0] - attempts[1][0] >= 1.0
    assert logger.stats()["retries"] == 3 and logger.stats()["sent"] == 5


# ---------------------------------------------------------------------------------- exceptions


def charge_card(amount: int) -> None:
    raise ValueError(f"card declined for {amount}")


def test_exception_records_error_type_and_a_stack_trace_the_server_parses(
    ingest: IngestServer, clean_logs: str
) -> None:
    logger = make_logger(ingest.url)
    trace_id = new_trace_id()
    try:
        try:
            charge_card(500)
        except ValueError:
            logger.exception("payment_failed", trace_id=trace_id, user_id="u1", path="/api/v1/payment")
        try:
            {}["missing"]
        except KeyError as exc:
            caught = exc
        logger.warn("lookup_failed", exc_info=caught)
    finally:
        assert logger.close(timeout=30)

    (failed,) = rows(clean_logs, "message = 'payment_failed'")
    assert failed["level"] == "ERROR"
    assert failed["error_type"] == "ValueError"
    assert failed["trace_id"] == trace_id and failed["user_id"] == "u1"
    assert failed["stack_trace"].startswith("Traceback (most recent call last):")
    assert "ValueError: card declined for 500" in failed["stack_trace"]
    assert failed["function_name"] == "charge_card"
    assert failed["file_path"].endswith("tests/test_log_collector.py")

    (lookup,) = rows(clean_logs, "message = 'lookup_failed'")
    assert (lookup["level"], lookup["error_type"]) == ("WARN", "KeyError")
    assert lookup["function_name"] == "test_exception_records_error_type_and_a_stack_trace_the_server_parses"


# ---------------------------------------------------------------------------------- integrations


def test_logging_handler_with_log_context(ingest: IngestServer, clean_logs: str) -> None:
    logger = make_logger(ingest.url)
    std = logging.getLogger("tests.log_collector.payments")
    handler = LogCollectorHandler(logger)
    std.addHandler(handler)
    std.setLevel(logging.DEBUG)
    std.propagate = False
    trace_id = new_trace_id()
    try:
        with log_context(trace_id=trace_id, user_id="u7", tenant="acme"):
            std.info(
                "charged %s", "card", extra={"path": "/api/v1/payment", "duration_ms": 12.5, "amount": 10}
            )
            std.warning("slow upstream")
            try:
                _ = 1 / 0
            except ZeroDivisionError:
                std.exception("fee calculation failed")
        std.debug("outside the context")
    finally:
        std.removeHandler(handler)
        std.propagate = True
        assert logger.close(timeout=30)

    charged, slow, failed, outside = rows(clean_logs, "service = $1", SERVICE)
    assert charged["message"] == "charged card" and charged["level"] == "INFO"
    assert (charged["trace_id"], charged["user_id"], charged["path"]) == (trace_id, "u7", "/api/v1/payment")
    assert charged["duration_ms"] == Decimal("12.500")
    assert charged["metadata"] == {"amount": 10, "tenant": "acme", "logger": "tests.log_collector.payments"}
    assert charged["function_name"] == "test_logging_handler_with_log_context"
    assert charged["file_path"].endswith("test_log_collector.py")
    assert (slow["level"], slow["trace_id"]) == ("WARN", trace_id)
    assert (failed["level"], failed["error_type"], failed["trace_id"]) == (
        "ERROR",
        "ZeroDivisionError",
        trace_id,
    )
    assert "ZeroDivisionError: division by zero" in failed["stack_trace"]
    assert (outside["level"], outside["trace_id"], outside["user_id"]) == ("DEBUG", None, None)


def test_structlog_processor(ingest: IngestServer, clean_logs: str) -> None:
    logger = make_logger(ingest.url)
    out = io.StringIO()
    log = structlog.wrap_logger(
        structlog.PrintLogger(out),
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            LogCollectorProcessor(logger),
            structlog.processors.JSONRenderer(),
        ],
    ).bind(user_id="u9")
    trace_id, other_trace = new_trace_id(), new_trace_id()
    try:
        with structlog.contextvars.bound_contextvars(trace_id=trace_id):
            log.info("order_placed", path="/api/v1/orders", duration_ms=3.25, items=2)
            try:
                raise TimeoutError("upstream timed out")
            except TimeoutError:
                log.exception("order_failed")
        with log_context(trace_id=other_trace):
            log.warning("order_slow")
    finally:
        assert logger.close(timeout=30)

    assert '"event": "order_placed"' in out.getvalue()  # the chain still renders
    placed, failed, slow = rows(clean_logs, "service = $1", SERVICE)
    assert (placed["message"], placed["level"], placed["trace_id"], placed["user_id"]) == (
        "order_placed", "INFO", trace_id, "u9",
    )  # fmt: skip
    assert (placed["path"], placed["duration_ms"], placed["metadata"]) == (
        "/api/v1/orders", Decimal("3.250"), {"items": 2},
    )  # fmt: skip
    assert (failed["level"], failed["error_type"], failed["trace_id"]) == ("ERROR", "TimeoutError", trace_id)
    assert "upstream timed out" in failed["stack_trace"]
    assert (slow["level"], slow["trace_id"]) == ("WARN", other_trace)


def test_asgi_middleware_carries_the_trace(ingest: IngestServer, clean_logs: str) -> None:
    logger = make_logger(ingest.url)

    async def item(request: Request) -> JSONResponse:
        logger.info("loading_item", item=request.path_params["item_id"])
        return JSONResponse({"trace_id": request.state.trace_id})

    async def boom(request: Request) -> JSONResponse:
        raise RuntimeError("handler exploded")

    app = Starlette(routes=[Route("/items/{item_id}", item), Route("/boom", boom, methods=["POST"])])
    app.add_middleware(LogCollectorMiddleware, logger=logger)
    incoming = new_trace_id()

    async def calls() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            return [
                await client.get("/items/42", headers={"traceparent": f"00-{incoming}-00f067aa0ba902b7-01"}),
                await client.get("/items/7"),  # no traceparent: the middleware starts a trace
                await client.post("/boom"),
            ]

    try:
        with_parent, without, failed = asyncio.run(calls())
    finally:
        assert logger.close(timeout=30)
    assert with_parent.json() == {"trace_id": incoming}
    started = without.json()["trace_id"]
    assert parse_traceparent(f"00-{started}-00f067aa0ba902b7-01") == started and started != incoming
    assert failed.status_code == 500

    handler_logs = rows(clean_logs, "message = 'loading_item'")
    assert [(r["trace_id"], r["metadata"]) for r in handler_logs] == [
        (incoming, {"item": "42"}),
        (started, {"item": "7"}),
    ]
    requests = rows(clean_logs, "message = 'http_request'")
    assert [(r["trace_id"], r["path"], r["method"], r["level"]) for r in requests[:2]] == [
        (incoming, "/items/42", "GET", "INFO"),
        (started, "/items/7", "GET", "INFO"),
    ]
    assert requests[0]["metadata"] == {"status": 200, "route": "/items/{item_id}"}
    assert all(r["duration_ms"] is not None and r["duration_ms"] >= 0 for r in requests)
    crash = requests[2]
    assert (crash["path"], crash["method"], crash["level"], crash["error_type"]) == (
        "/boom", "POST", "ERROR", "RuntimeError",
    )  # fmt: skip
    assert crash["metadata"]["status"] == 500 and crash["trace_id"] and crash["function_name"] == "boom"


def test_log_context_is_per_thread_and_nests() -> None:
    seen: dict[str, Any] = {}
    logger = make_logger(
        "http://ingest.invalid",
        transport=httpx.MockTransport(lambda r: httpx.Response(200)),
        flush_interval=60,
    )
    try:
        with log_context(trace_id="a" * 32, user_id="outer"):
            with log_context(user_id="inner", step=2):
                logger.info("nested")
                seen["nested"] = logger._queue[-1]
            other = threading.Thread(target=lambda: logger.info("other_thread"))
            other.start()
            other.join()
            seen["thread"] = logger._queue[-1]
            logger.info("outer")
            seen["outer"] = logger._queue[-1]
    finally:
        logger.close(timeout=5)
    assert (seen["nested"]["trace_id"], seen["nested"]["user_id"], seen["nested"]["metadata"]) == (
        "a" * 32, "inner", {"step": 2},
    )  # fmt: skip
    assert "trace_id" not in seen["thread"]  # a new thread starts with an empty context
    assert (seen["outer"]["user_id"], seen["outer"].get("metadata")) == ("outer", None)


# ---------------------------------------------------------------------------------- backpressure


def test_full_queue_drops_the_oldest_and_counts_them_without_blocking(
    start_ingest: Callable[..., IngestServer], clean_logs: str
) -> None:
    server = start_ingest()
    server.stop()  # unreachable: nothing listens on its port
    logger = make_logger(
        server.url, max_queue_size=100, flush_interval=0.3, backoff_base=0.2, backoff_max=0.5, max_retries=100
    )
    try:
        slowest = 0.0
        started = time.perf_counter()
        for i in range(5000):
            t0 = time.perf_counter()
            logger.info("overflow_record", seq=i)
            slowest = max(slowest, time.perf_counter() - t0)
        took = time.perf_counter() - started
        time.sleep(0.5)  # the sender is retrying its batch against a dead port meanwhile
        for i in range(5000, 5200):
            logger.info("overflow_record", seq=i)
        stats = logger.stats()
        assert took < 1.0 and slowest < 0.05  # never waits for the network
        assert stats["enqueued"] == 5200
        assert stats["retries"] > 0
        in_flight = 5200 - stats["dropped"] - 100
        assert 0 <= in_flight <= 100  # at most the one batch the sender holds
        assert stats["queued"] == 100 + in_flight
        server.proc = None
        server.start()  # the service comes back: the survivors are the newest records
    finally:
        assert logger.close(timeout=30)
    stats = logger.stats()
    assert stats["sent"] == 5200 - stats["dropped"] >= 100
    newest = run_sql(
        clean_logs,
        "SELECT (metadata->>'seq')::int AS seq FROM logs WHERE message = 'overflow_record' ORDER BY 1",
    )
    seqs = [r["seq"] for r in newest]
    assert seqs[-100:] == list(range(5100, 5200))  # the queue kept the newest 100
    assert len(seqs) == stats["sent"] and len(set(seqs)) == len(seqs)


def test_close_is_bounded_when_the_server_never_answers() -> None:
    logger = Logger(service=SERVICE, log_server_url=f"http://127.0.0.1:{free_port()}", max_retries=100)
    for i in range(10):
        logger.error("lost", seq=i)
    started = time.monotonic()
    assert logger.close(timeout=1.0) is False
    assert time.monotonic() - started < 2.5
    stats = logger.stats()
    assert stats["sent"] == 0 and stats["failed_records"] + stats["dropped"] == 10
    logger.info("after_close")  # neither raises nor queues
    assert logger.stats()["dropped"] == stats["dropped"] + 1
