"""The ingest service end to end: a real uvicorn process writing to a real PostgreSQL."""

from __future__ import annotations

import gzip
import json
import threading
import traceback
import uuid
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from tests.conftest import API_KEY_ANY, API_KEY_PAYMENT, run_sql
from tests.support.server import IngestServer

AUTH = {"Authorization": f"Bearer {API_KEY_ANY}"}


def post(server: IngestServer, body: object, headers: dict[str, str] | None = None, **kw) -> httpx.Response:
    return httpx.post(f"{server.url}/logs", json=body, headers={**AUTH, **(headers or {})}, timeout=30, **kw)


def _python_stack() -> str:
    def charge_card() -> None:
        raise ConnectionError("db down")

    try:
        charge_card()
    except ConnectionError:
        return traceback.format_exc()
    raise AssertionError


FULL_RECORD = {
    "created_at": "2026-11-21T10:15:30.123456+00:00",
    "level": "ERROR",
    "log_type": "BACKEND",
    "service": "payment-api",
    "environment": "production",
    "service_version": "v1.4.2",
    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    "user_id": "user_123",
    "session_id": "sess_42",
    "error_type": "DatabaseConnectionError",
    "message": "payment failed: 결제 실패",
    "stack_trace": "Traceback ...",
    "path": "/api/v1/payment",
    "method": "POST",
    "action_type": None,
    "function_name": "process_payment",
    "file_path": "/app/payments/service.py",
    "duration_ms": 1234.567,
    "deleted": False,
    "metadata": {"region": "ap-northeast-2", "retry": 2, "nested": {"ok": True}},
}


def test_a_valid_batch_lands_with_every_field_intact(ingest: IngestServer, clean_logs: str) -> None:
    frontend = {
        "log_type": "frontend",
        "service": "web-app",
        "message": "checkout_clicked",
        "path": "/checkout",
        "action_type": "click",
        "created_at": 1732183200000,  # epoch milliseconds
    }
    resp = post(ingest, [FULL_RECORD, frontend])
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"accepted": 2, "rejected": [], "duplicate": False}

    row = dict(run_sql(clean_logs, "SELECT * FROM logs WHERE service = 'payment-api'")[0])
    assert row["created_at"].isoformat() == "2026-11-21T10:15:30.123456+00:00"
    assert row["duration_ms"] == Decimal("1234.567")
    assert json.loads(row["metadata"]) == FULL_RECORD["metadata"]
    for field in (
        "level", "log_type", "service", "environment", "service_version", "trace_id", "user_id",
        "session_id", "error_type", "message", "stack_trace", "path", "method", "function_name",
        "file_path", "deleted",
    ):  # fmt: skip
        assert row[field] == FULL_RECORD[field], field
    assert row["action_type"] is None

    web = dict(run_sql(clean_logs, "SELECT * FROM logs WHERE service = 'web-app'")[0])
    assert web["log_type"] == "FRONTEND"
    assert web["level"] == "INFO" and web["environment"] == "development"
    assert web["service_version"] == "v0.0.0-dev"
    assert web["created_at"].isoformat() == "2024-11-21T10:00:00+00:00"
    assert web["method"] is None and web["duration_ms"] is None and web["deleted"] is False


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("1999-12-31T23:59:59.999999Z", "1999-12-31T23:59:59.999999+00:00"),  # before PostgreSQL's epoch
        ("2000-01-01T00:00:00Z", "2000-01-01T00:00:00+00:00"),
        ("2026-03-29T03:30:00.5+09:00", "2026-03-28T18:30:00.500000+00:00"),
        ("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999+00:00"),
    ],
)
def test_timestamps_are_stored_to_the_microsecond(
    ingest: IngestServer, clean_logs: str, sent: str, stored: str
) -> None:
    record = {"message": "tick", "service": "clock", "log_type": "WORKER", "created_at": sent}
    assert post(ingest, [record]).json()["accepted"] == 1
    assert run_sql(clean_logs, "SELECT created_at FROM logs")[0]["created_at"].isoformat() == stored


def test_mixed_batch_stores_good_and_reports_bad_by_index(ingest: IngestServer, clean_logs: str) -> None:
    good = {"message": "ok", "service": "order-api", "log_type": "BACKEND"}
    batch = [
        good,
        {"service": "order-api", "log_type": "BACKEND"},  # no message
        {**good, "level": "LOUD"},
        good,
        {**good, "path": "/" + "x" * 600},
        "not an object",
        {**good, "created_at": "yesterday-ish"},
        {**good, "duration_ms": -5},
        {**good, "level": "warning", "environment": "prod", "method": "get", "unknown_field": [1, 2]},
    ]
    resp = post(ingest, batch)
    assert resp.status_code == 200
    body = resp.json()
    assert body["accepted"] == 3
    errors = {r["index"]: r["error"] for r in body["rejected"]}
    assert sorted(errors) == [1, 2, 4, 5, 6, 7]
    assert "message is required" in errors[1]
    assert "level must be one of" in errors[2]
    assert "path is longer than 500" in errors[4]
    assert "JSON object" in errors[5]
    assert "created_at" in errors[6]
    assert "duration_ms" in errors[7]
    normalised = run_sql(
        clean_logs, "SELECT level, environment, method, metadata FROM logs WHERE level = 'WARN'"
    )
    assert len(normalised) == 1
    assert (normalised[0]["environment"], normalised[0]["method"]) == ("production", "GET")
    assert json.loads(normalised[0]["metadata"]) == {"unknown_field": [1, 2]}
    assert run_sql(clean_logs, "SELECT count(*) AS n FROM logs")[0]["n"] == 3


@pytest.mark.parametrize("idempotency_key", [None, "db-refusal-batch"])
def test_a_record_the_database_refuses_is_isolated_and_reported(
    ingest: IngestServer, clean_logs: str, idempotency_key: str | None
) -> None:
    """Valid JSON the service accepts but PostgreSQL cannot store (a jsonb number beyond numeric's
    range): the first COPY fails, the batch is retried with bisection, and only that row is lost."""
    good = {"message": "ok", "service": "order-api", "log_type": "BACKEND", "metadata": {"n": 1}}
    records = [json.dumps(good)] * 4
    records[2] = records[2].replace('{"n": 1}', '{"n": 1e1000000}')  # json.dumps cannot write it
    raw = ("[" + ",".join(records) + "]").encode()
    headers = {**AUTH, "Content-Type": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    resp = httpx.post(f"{ingest.url}/logs", content=raw, headers=headers, timeout=30)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["accepted"] == 3
    assert [r["index"] for r in body["rejected"]] == [2]
    assert "database refused the record" in body["rejected"][0]["error"]
    assert run_sql(clean_logs, "SELECT count(*) AS n FROM logs")[0]["n"] == 3
    if idempotency_key:
        again = httpx.post(f"{ingest.url}/logs", content=raw, headers=headers, timeout=30).json()
        assert (again["accepted"], again["duplicate"]) == (3, True)
        assert run_sql(clean_logs, "SELECT count(*) AS n FROM logs")[0]["n"] == 3


def test_stack_trace_fills_function_and_file(ingest: IngestServer, clean_logs: str) -> None:
    v8 = (
        "TypeError: Cannot read properties of undefined (reading 'total')\n"
        "    at renderSummary (http://localhost:5173/src/lib/Checkout.svelte:42:17)\n"
        "    at HTMLButtonElement.onClick (http://localhost:5173/node_modules/svelte/internal.js:9:3)"
    )
    batch = [
        {"message": "py", "service": "payment-api", "log_type": "BACKEND", "stack_trace": _python_stack()},
        {"message": "js", "service": "web-app", "log_type": "FRONTEND", "stack_trace": v8},
        {"message": "kept", "service": "web-app", "log_type": "FRONTEND", "stack_trace": v8,
         "function_name": "explicit"},
    ]  # fmt: skip
    assert post(ingest, batch).json()["accepted"] == 3
    rows = {
        r["message"]: r for r in run_sql(clean_logs, "SELECT message, function_name, file_path FROM logs")
    }
    assert rows["py"]["function_name"] == "charge_card"
    assert rows["py"]["file_path"].endswith("tests/test_ingest_api.py")
    assert rows["js"]["function_name"] == "renderSummary"
    assert rows["js"]["file_path"] == "http://localhost:5173/src/lib/Checkout.svelte"
    assert rows["kept"]["function_name"] == "explicit"
    assert rows["kept"]["file_path"] == "http://localhost:5173/src/lib/Checkout.svelte"


def test_missing_or_unknown_key_is_401(ingest: IngestServer) -> None:
    record = [{"message": "m", "service": "s", "log_type": "BACKEND"}]
    no_key = httpx.post(f"{ingest.url}/logs", json=record)
    assert no_key.status_code == 401 and no_key.headers["www-authenticate"] == "Bearer"
    assert (
        httpx.post(f"{ingest.url}/logs", json=record, headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    assert (
        httpx.post(f"{ingest.url}/logs", json=record, headers={"Authorization": "Basic abc"}).status_code
        == 401
    )


def test_key_bound_to_a_service(ingest: IngestServer, clean_logs: str) -> None:
    bound = {"Authorization": f"Bearer {API_KEY_PAYMENT}"}
    mixed = [
        {"message": "mine", "service": "payment-api", "log_type": "BACKEND"},
        {"message": "defaulted", "log_type": "BACKEND"},  # takes the key's service
        {"message": "theirs", "service": "auth-api", "log_type": "BACKEND"},
    ]
    body = post(ingest, mixed, bound).json()
    assert body["accepted"] == 2
    assert body["rejected"][0]["index"] == 2 and "not allowed" in body["rejected"][0]["error"]
    services = {r["service"] for r in run_sql(clean_logs, "SELECT service FROM logs")}
    assert services == {"payment-api"}

    only_others = post(ingest, [{"message": "x", "service": "auth-api", "log_type": "BACKEND"}], bound)
    assert only_others.status_code == 403


def test_idempotent_retry_stores_nothing_twice(ingest: IngestServer, clean_logs: str) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    batch = [{"message": f"m{i}", "service": "order-api", "log_type": "BACKEND"} for i in range(5)]
    batch.append({"message": ""})
    first = post(ingest, batch, key).json()
    assert first == {
        "accepted": 5,
        "rejected": [{"index": 5, "error": "message is required"}],
        "duplicate": False,
    }
    again = post(ingest, batch, key).json()
    assert again == {"accepted": 5, "rejected": [], "duplicate": True}
    assert run_sql(clean_logs, "SELECT count(*) AS n FROM logs")[0]["n"] == 5


def test_an_idempotency_key_with_a_nul_is_a_clear_4xx_not_a_500(
    ingest: IngestServer, clean_logs: str
) -> None:
    """Found by schemathesis: a NUL in ?idempotency_key= reached PostgreSQL, which refused it (500)."""
    batch = [{"message": "m", "service": "order-api", "log_type": "BACKEND"}]
    response = httpx.post(
        f"{ingest.url}/logs",
        params={"api_key": API_KEY_ANY, "idempotency_key": "a\x00b"},
        content=json.dumps(batch),
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert "idempotency" in response.text.lower()
    assert run_sql(clean_logs, "SELECT count(*) AS n FROM logs")[0]["n"] == 0


def test_concurrent_retries_with_one_key_store_once(ingest: IngestServer, clean_logs: str) -> None:
    key = {"Idempotency-Key": "race-" + uuid.uuid4().hex}
    batch = [{"message": f"m{i}", "service": "order-api", "log_type": "BACKEND"} for i in range(200)]
    results: list[dict] = []

    def send() -> None:
        results.append(post(ingest, batch, key).json())

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(not r["duplicate"] for r in results) == 1
    assert all(r["accepted"] == 200 for r in results)
    assert run_sql(clean_logs, "SELECT count(*) AS n FROM logs")[0]["n"] == 200


def test_gzip_and_ndjson(ingest: IngestServer, clean_logs: str) -> None:
    records = [{"message": f"g{i}", "service": "search-api", "log_type": "BACKEND"} for i in range(3)]
    gz = httpx.post(
        f"{ingest.url}/logs",
        content=gzip.compress(json.dumps({"logs": records}).encode()),
        headers={**AUTH, "Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert gz.json()["accepted"] == 3

    ndjson = "\n".join(json.dumps(r) for r in records) + "\n{not json}\n" + json.dumps(records[0]) + "\n"
    nd = httpx.post(
        f"{ingest.url}/logs",
        content=gzip.compress(ndjson.encode()),
        headers={**AUTH, "Content-Encoding": "gzip", "Content-Type": "application/x-ndjson"},
    ).json()
    assert nd["accepted"] == 4
    assert [r["index"] for r in nd["rejected"]] == [3]
    assert run_sql(clean_logs, "SELECT count(*) AS n FROM logs")[0]["n"] == 7


def test_body_errors_are_400(ingest: IngestServer) -> None:
    def raw(content: bytes, **headers: str) -> httpx.Response:
        return httpx.post(f"{ingest.url}/logs", content=content, headers={**AUTH, **headers})

    assert raw(b"{not json").status_code == 400
    assert raw(b'"a string"').status_code == 400
    assert raw(b'{"logs": 3}').status_code == 400
    assert raw(b"\x1f\x8b garbage", **{"Content-Encoding": "gzip"}).status_code == 400
    assert raw(b"[]", **{"Content-Encoding": "br"}).status_code == 400
    assert raw(b"[]").json() == {"accepted": 0, "rejected": [], "duplicate": False}
    assert "error" in raw(b"{not json").json()


def test_limits_are_413(start_ingest: Callable[..., IngestServer]) -> None:
    small = start_ingest(ingest_max_body_bytes="20000", ingest_max_batch="50")
    big_body = [{"message": "x" * 1000, "service": "s", "log_type": "BACKEND"}] * 30
    assert post(small, big_body).status_code == 413
    too_many = [{"message": "x", "service": "s", "log_type": "BACKEND"}] * 51
    assert post(small, too_many).status_code == 413
    bomb = gzip.compress(b"[" + b" " * 5_000_000 + b"]")  # 5 KB compressed, 5 MB inflated
    resp = httpx.post(
        f"{small.url}/logs", content=bomb, headers={**AUTH, "Content-Encoding": "gzip"}, timeout=30
    )
    assert resp.status_code == 413
    assert post(small, too_many[:50]).status_code in (200, 503)


def test_health_readiness_and_metrics(ingest: IngestServer, clean_logs: str) -> None:
    assert httpx.get(f"{ingest.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{ingest.url}/readyz").json() == {"status": "ready"}
    post(ingest, [{"message": "m", "service": "s", "log_type": "BACKEND"}, {"message": ""}])
    post(ingest, [], {"Idempotency-Key": "metrics-dup"})
    post(ingest, [], {"Idempotency-Key": "metrics-dup"})
    text = httpx.get(f"{ingest.url}/metrics").text
    assert "nlq_ingest_records_accepted_total" in text
    assert "nlq_ingest_records_rejected_total" in text
    assert "nlq_ingest_duplicate_batches_total" in text
    assert "nlq_ingest_batch_duration_seconds_bucket" in text
    value = next(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith("nlq_ingest_duplicate_batches_total")
    )
    assert value >= 1


def test_openapi_describes_the_api(ingest: IngestServer) -> None:
    spec = httpx.get(f"{ingest.url}/openapi.json").json()
    op = spec["paths"]["/logs"]["post"]
    assert set(op["requestBody"]["content"]) == {"application/json", "application/x-ndjson"}
    assert {"200", "400", "401", "403", "413", "503"} <= set(op["responses"])
    assert spec["paths"]["/readyz"]["get"]["responses"]["503"]


@pytest.mark.parametrize("auth", ["false"])
def test_auth_can_be_switched_off_explicitly(start_ingest: Callable[..., IngestServer], auth: str) -> None:
    open_server = start_ingest(ingest_auth=auth)
    resp = httpx.post(
        f"{open_server.url}/logs", json=[{"message": "m", "service": "s", "log_type": "BACKEND"}]
    )
    assert resp.status_code == 200
