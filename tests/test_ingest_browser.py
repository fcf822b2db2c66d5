"""What a browser needs from the ingest service, against the real service and PostgreSQL: CORS
(preflight and actual responses, the origin allow-list), the API key as ``?api_key=`` and the
idempotency key as ``?idempotency_key=`` (sendBeacon cannot set headers), and ``text/plain``
bodies read as JSON (what a beacon sends without a preflight)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import httpx
import pytest

from ingest_service.app import cors_origins
from tests.conftest import API_KEY_ANY, API_KEY_PAYMENT, run_sql
from tests.support.server import IngestServer

ORIGIN = "http://shop.example:5173"
BROWSER_HEADERS = "authorization,content-type,content-encoding,idempotency-key,traceparent"


def record(message: str, **extra: object) -> dict[str, object]:
    return {"message": message, "service": "web-app", "log_type": "FRONTEND", **extra}


def beacon(server: IngestServer, body: str, **params: str) -> httpx.Response:
    """A request shaped like navigator.sendBeacon's: text/plain, no Authorization header."""
    return httpx.post(
        f"{server.url}/logs",
        params=params,
        content=body.encode(),
        headers={"Content-Type": "text/plain;charset=UTF-8", "Origin": ORIGIN},
        timeout=30,
    )


def test_cors_origins_setting_parses() -> None:
    assert cors_origins("*") == ["*"]
    assert cors_origins("") == []
    assert cors_origins(" https://a.example/ , http://b.example:8080 ") == [
        "https://a.example",
        "http://b.example:8080",
    ]
    assert cors_origins("https://a.example,*") == ["*"]


def test_preflight_allows_the_client_headers(ingest: IngestServer) -> None:
    resp = httpx.options(
        f"{ingest.url}/logs",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": BROWSER_HEADERS,
        },
    )
    assert resp.status_code == 200
    assert resp.headers["access-control-allow-origin"] == "*"
    allowed = {h.strip().lower() for h in resp.headers["access-control-allow-headers"].split(",")}
    assert set(BROWSER_HEADERS.split(",")) <= allowed
    assert "POST" in resp.headers["access-control-allow-methods"]


def test_cross_origin_post_is_stored_and_exposes_retry_after(ingest: IngestServer, clean_logs: str) -> None:
    resp = httpx.post(
        f"{ingest.url}/logs",
        json=[record("cors_fetch")],
        headers={"Authorization": f"Bearer {API_KEY_ANY}", "Origin": ORIGIN},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["accepted"] == 1
    assert resp.headers["access-control-allow-origin"] == "*"
    assert "retry-after" in resp.headers["access-control-expose-headers"].lower()
    # errors carry CORS headers too, or the browser client could not read why it failed
    resp = httpx.post(f"{ingest.url}/logs", json=[record("x")], headers={"Origin": ORIGIN})
    assert resp.status_code == 401
    assert resp.headers["access-control-allow-origin"] == "*"


def test_beacon_with_query_key_is_stored_once(ingest: IngestServer, clean_logs: str) -> None:
    key = str(uuid.uuid4())
    body = json.dumps([record("beacon_page_hide", trace_id="4bf92f3577b34da6a3ce929d0e0e4736")])
    first = beacon(ingest, body, api_key=API_KEY_ANY, idempotency_key=key)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 1, "rejected": [], "duplicate": False}
    again = beacon(ingest, body, api_key=API_KEY_ANY, idempotency_key=key)
    assert again.json() == {"accepted": 1, "rejected": [], "duplicate": True}
    rows = run_sql(
        clean_logs, "SELECT service, log_type::text, trace_id FROM logs WHERE message = 'beacon_page_hide'"
    )
    assert [tuple(r) for r in rows] == [("web-app", "FRONTEND", "4bf92f3577b34da6a3ce929d0e0e4736")]
    stored = run_sql(clean_logs, "SELECT count(*) AS n FROM ingest_batches WHERE idempotency_key = $1", key)
    assert stored[0]["n"] == 1


def test_query_key_is_checked_like_a_header(ingest: IngestServer, clean_logs: str) -> None:
    body = json.dumps([record("nope")])
    missing = beacon(ingest, body)
    assert missing.status_code == 401
    assert "api_key" in missing.json()["error"]
    assert beacon(ingest, body, api_key="wrong").status_code == 401
    # a key bound to another service may not write web-app through the query either
    assert beacon(ingest, body, api_key=API_KEY_PAYMENT).status_code == 403
    # the header wins over the query parameter
    resp = httpx.post(
        f"{ingest.url}/logs",
        params={"api_key": API_KEY_ANY},
        json=[record("header_wins")],
        headers={"Authorization": "Bearer wrong"},
    )
    assert resp.status_code == 401
    assert run_sql(clean_logs, "SELECT count(*) AS n FROM logs")[0]["n"] == 0


def test_text_plain_body_is_json(ingest: IngestServer, clean_logs: str) -> None:
    good = beacon(ingest, json.dumps({"logs": [record("plain_1"), record("plain_2")]}), api_key=API_KEY_ANY)
    assert good.json()["accepted"] == 2
    bad = beacon(ingest, "this is not json", api_key=API_KEY_ANY)
    assert bad.status_code == 400
    assert "not valid JSON" in bad.json()["error"]


@pytest.fixture(scope="module")
def restricted(start_ingest: Callable[..., IngestServer]) -> IngestServer:
    return start_ingest(ingest_cors_origins=f"{ORIGIN}, https://admin.example")


def test_origin_allow_list(restricted: IngestServer) -> None:
    def preflight(origin: str) -> httpx.Response:
        return httpx.options(
            f"{restricted.url}/logs",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )

    allowed = preflight(ORIGIN)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    refused = preflight("https://evil.example")
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    # a simple request from a foreign origin is still answered (CORS is the browser's check),
    # but without the header that would let that page read the answer
    resp = httpx.post(f"{restricted.url}/logs", json=[], headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in resp.headers
