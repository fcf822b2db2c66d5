"""The demo payment-api end to end: a real uvicorn process logging to the real ingest service.

A payment under a given ``traceparent`` lands as one BACKEND row with that trace id; each failure
mode lands as one ERROR row whose error type and (extracted) function name say where it failed;
slow requests are WARN; failure probabilities come from the environment and change at runtime;
the web app's files and ``/config.json`` are served same-origin; a dead log server breaks nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import API_KEY_ANY, run_sql
from tests.support.payment_api import PaymentApiServer
from tests.support.server import IngestServer

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"


def logs(dsn: str, where: str = "TRUE", *args: object) -> list[dict[str, Any]]:
    found = run_sql(dsn, f"SELECT * FROM logs WHERE {where} ORDER BY id", *args)
    return [dict(r) | {"metadata": orjson.loads(r["metadata"]) if r["metadata"] else {}} for r in found]


def wait_rows(
    dsn: str, n: int, where: str = "TRUE", *args: object, timeout_s: float = 10
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while True:
        found = logs(dsn, where, *args)
        if len(found) >= n or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.fixture(scope="module")
def web_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for the built Svelte app (examples/web-app/dist)."""
    dist = tmp_path_factory.mktemp("web") / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>shop</title><div id=app></div>")
    (dist / "assets" / "app.js").write_text("console.log('shop')")
    return dist


@pytest.fixture(scope="module")
def api(ingest: IngestServer, web_dist: Path) -> Iterator[PaymentApiServer]:
    env = {
        "PAYMENT_API_LOG_SERVER_URL": ingest.url,
        "PAYMENT_API_PUBLIC_LOG_SERVER_URL": "http://logs.example.test:8000",
        "PAYMENT_API_LOG_API_KEY": API_KEY_ANY,
        "PAYMENT_API_ENVIRONMENT": "test",
        "PAYMENT_API_LATENCY_SCALE": "0.1",
        "PAYMENT_API_VERSION": "v9.9.9-test",
        "PAYMENT_API_WEB_DIST": str(web_dist),
    }
    with PaymentApiServer(env=env) as server:
        yield server


def pay(api: PaymentApiServer, *, failure: str | None = None, **headers: str) -> httpx.Response:
    if failure:
        headers["X-Simulate-Failure"] = failure
    body = {"user_id": "user_123", "amount": 45000, "currency": "KRW", "order_id": "ord-1"}
    return httpx.post(f"{api.url}/api/v1/payment", json=body, headers=headers, timeout=10)


def test_a_payment_is_one_backend_row_in_the_callers_trace(api: PaymentApiServer, clean_logs: str) -> None:
    resp = pay(api, traceparent=TRACEPARENT, **{"X-Session-Id": "sess-1"})
    assert resp.status_code == 201
    answer = resp.json()
    assert answer["status"] == "approved" and answer["payment_id"].startswith("pay_")
    assert answer["trace_id"] == TRACE_ID

    [row] = wait_rows(clean_logs, 1, "trace_id = $1", TRACE_ID)
    assert row["log_type"] == "BACKEND" and row["service"] == "payment-api"
    assert (row["level"], row["message"]) == ("INFO", "payment_success")
    assert (row["path"], row["method"]) == ("/api/v1/payment", "POST")
    assert (row["user_id"], row["session_id"]) == ("user_123", "sess-1")
    assert row["environment"] == "test" and row["service_version"] == "v9.9.9-test"
    assert row["duration_ms"] > 0 and row["error_type"] is None
    meta = row["metadata"]
    assert meta["status_code"] == 201 and meta["payment_id"] == answer["payment_id"]
    assert meta["amount"] == 45000 and meta["currency"] == "KRW"

    # a lookup without traceparent starts its own trace
    got = httpx.get(f"{api.url}/api/v1/payment/{answer['payment_id']}", timeout=5)
    assert got.status_code == 200 and got.json()["user_id"] == "user_123"
    [lookup] = wait_rows(clean_logs, 1, "path LIKE '/api/v1/payment/%'")
    assert lookup["method"] == "GET" and lookup["user_id"] == "user_123"
    # one endpoint, one path value: the route template, the concrete path in metadata
    assert lookup["path"] == "/api/v1/payment/{payment_id}"
    assert lookup["metadata"]["url_path"] == f"/api/v1/payment/{answer['payment_id']}"
    assert lookup["trace_id"] and lookup["trace_id"] != TRACE_ID


@pytest.mark.parametrize(
    ("failure", "status", "error_type", "function_name", "file_name"),
    [
        ("db", 503, "DatabaseConnectionError", "get_connection", "store.py"),
        ("timeout", 504, "TimeoutError", "call_payment_gateway", "gateway.py"),
        ("declined", 402, "PaymentDeclinedError", "handle_gateway_response", "gateway.py"),
    ],
)
def test_failure_modes_are_error_rows_with_type_and_function(
    api: PaymentApiServer,
    clean_logs: str,
    failure: str,
    status: int,
    error_type: str,
    function_name: str,
    file_name: str,
) -> None:
    resp = pay(api, failure=failure, traceparent=TRACEPARENT)
    assert resp.status_code == status
    assert resp.json()["status"] == "failed" and resp.json()["trace_id"] == TRACE_ID

    [row] = wait_rows(clean_logs, 1, "trace_id = $1", TRACE_ID)
    assert (row["level"], row["message"], row["error_type"]) == ("ERROR", "payment_failed", error_type)
    assert row["function_name"] == function_name, row["stack_trace"]
    assert Path(row["file_path"]).name == file_name and "payment_api" in row["file_path"]
    assert row["stack_trace"].startswith("Traceback (most recent call last):")
    assert f"{error_type}: " in row["stack_trace"]
    assert row["path"] == "/api/v1/payment" and row["duration_ms"] > 0
    assert row["metadata"]["status_code"] == status and row["user_id"] == "user_123"


def test_slow_requests_are_warn_rows_over_one_second(api: PaymentApiServer, clean_logs: str) -> None:
    resp = pay(api, failure="slow", traceparent=TRACEPARENT)
    assert resp.status_code == 201
    [row] = wait_rows(clean_logs, 1, "trace_id = $1", TRACE_ID)
    assert (row["level"], row["message"]) == ("WARN", "slow_request")
    assert row["duration_ms"] > 1000 and row["error_type"] is None
    assert row["metadata"]["slow_operation"] == "payment_success"


def test_refunds_and_client_errors(api: PaymentApiServer, clean_logs: str) -> None:
    payment_id = pay(api).json()["payment_id"]
    first = httpx.post(
        f"{api.url}/api/v1/refund",
        json={"payment_id": payment_id, "amount": 5000},
        headers={"X-User-Id": "user_7", "X-Session-Id": "sess-7"},
    )
    assert first.status_code == 200 and first.json()["status"] == "refunded"
    too_much = httpx.post(f"{api.url}/api/v1/refund", json={"payment_id": payment_id, "amount": 99999})
    assert too_much.status_code == 409
    missing = httpx.get(f"{api.url}/api/v1/payment/pay_99999999")
    assert missing.status_code == 404
    bad_currency = httpx.post(
        f"{api.url}/api/v1/payment", json={"user_id": "u", "amount": 1, "currency": "XXX"}
    )
    assert bad_currency.status_code == 422

    rows = wait_rows(clean_logs, 5)
    by_message = {(r["message"], r["level"]): r for r in rows}
    refunded = by_message[("refund_success", "INFO")]
    assert (refunded["user_id"], refunded["session_id"]) == ("user_7", "sess-7")  # from the headers
    # business refusals are WARN without an error type; a refused payment request is an ERROR
    assert by_message[("refund_failed", "WARN")]["error_type"] is None
    assert by_message[("payment_lookup", "WARN")]["metadata"]["status_code"] == 404
    invalid = by_message[("payment_failed", "ERROR")]
    assert invalid["error_type"] == "ValidationError"
    assert invalid["function_name"] == "validate_payment_request"


def test_failure_probabilities_from_env_and_admin_endpoint(ingest: IngestServer, clean_logs: str) -> None:
    env = {
        "PAYMENT_API_LOG_SERVER_URL": ingest.url,
        "PAYMENT_API_LOG_API_KEY": API_KEY_ANY,
        "PAYMENT_API_LATENCY_SCALE": "0.05",
        "PAYMENT_API_FAILURES": "db=1.0",
    }
    with PaymentApiServer(env=env) as api:
        assert httpx.get(f"{api.url}/admin/failures").json()["db"] == 1.0
        assert [pay(api).status_code for _ in range(3)] == [503, 503, 503]
        bad = httpx.put(f"{api.url}/admin/failures", json={"db": 0, "declined": 7})
        assert bad.status_code == 400 and "declined" in bad.json()["error"]
        assert httpx.get(f"{api.url}/admin/failures").json()["db"] == 1.0  # all or nothing
        changed = httpx.put(f"{api.url}/admin/failures", json={"db": 0, "declined": 1})
        assert changed.json() == {"db": 0.0, "timeout": 0.0, "declined": 1.0, "slow": 0.0}
        assert pay(api).status_code == 402
        assert httpx.put(f"{api.url}/admin/failures", json={"declined": 0}).status_code == 200
        assert pay(api).status_code == 201
    # stopping flushed everything: 5 payment rows plus the service's own lifecycle records
    types = [r["error_type"] for r in logs(clean_logs, "path = '/api/v1/payment'")]
    assert types == ["DatabaseConnectionError"] * 3 + ["PaymentDeclinedError", None]
    assert logs(clean_logs, "message = 'failure_modes_changed'")


def test_serves_the_web_app_and_its_config_same_origin(api: PaymentApiServer, clean_logs: str) -> None:
    config = httpx.get(f"{api.url}/config.json").json()
    assert config == {
        "logServerUrl": "http://logs.example.test:8000",
        "apiKey": API_KEY_ANY,
        "service": "web-app",
        "environment": "test",
        "paymentApiUrl": "",
    }
    index = httpx.get(f"{api.url}/")
    assert index.status_code == 200 and "<title>shop</title>" in index.text
    assert httpx.get(f"{api.url}/assets/app.js").text == "console.log('shop')"
    assert "<title>shop</title>" in httpx.get(f"{api.url}/checkout").text  # client-side route
    assert httpx.get(f"{api.url}/assets/missing.js").status_code == 404
    assert httpx.get(f"{api.url}/api/v1/products").status_code == 200
    rows = wait_rows(clean_logs, 1, "path IS NOT NULL")
    time.sleep(1.2)  # one more flush interval: nothing else may arrive
    assert {r["path"] for r in logs(clean_logs, "path IS NOT NULL")} == {"/api/v1/products"}
    assert rows[0]["message"] == "products_listed"


def test_a_dead_log_server_breaks_nothing() -> None:
    env = {"PAYMENT_API_LOG_SERVER_URL": "http://127.0.0.1:9", "PAYMENT_API_LATENCY_SCALE": "0.05"}
    api = PaymentApiServer(env=env).start()
    try:
        assert [pay(api).status_code for _ in range(5)] == [201] * 5
        assert pay(api, failure="db").status_code == 503
        assert httpx.get(f"{api.url}/healthz").json()["status"] == "ok"
    finally:
        assert api.proc is not None
        api.proc.kill()  # a graceful stop would spend its 5 s trying to deliver the logs
        api.proc.wait()


def test_a_bad_setting_stops_start_up_with_one_line() -> None:
    server = PaymentApiServer(env={"PAYMENT_API_FAILURES": "db=lots"})
    with pytest.raises(RuntimeError, match="exited with 1"):
        server.start()
