"""The JavaScript client (clients/js, npm package ``log-client``) against the real ingest service
and PostgreSQL: under Node (batches, snake_case columns, metadata, trace ids, exceptions with the
function name extracted by the service, and an ingest service that only comes up while the
client is already retrying) and in headless Chromium on another origin than the service (CORS
preflight, gzip, window errors, unhandled rejections, sendBeacon on pagehide). It also runs the
package's own unit tests (``npm test``), so ``make test`` covers them.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest

from nlq_platform.config import REPO_ROOT, Settings
from tests.conftest import API_KEY_ANY, run_sql, settings_env
from tests.support.pg import free_port
from tests.support.server import IngestServer

JS_DIR = REPO_ROOT / "clients" / "js"
NODE_SCRIPT = JS_DIR / "test" / "integration" / "node-to-ingest.mjs"
CHROMIUM = os.environ.get("NLQ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "Node.js (>= 18) is missing: install it (apt-get install nodejs npm), then `make install`"
        )
    return node


@pytest.fixture(scope="module")
def built_client() -> Path:
    """The package as `make install` leaves it: dependencies installed and dist/ built."""
    node_binary()
    if not (JS_DIR / "node_modules" / "typescript").is_dir():
        pytest.fail("clients/js has no node_modules: run `make install` (scripts/ensure-node-deps.sh)")
    if not (JS_DIR / "dist" / "esm" / "index.js").is_file():
        subprocess.run(["npm", "run", "--silent", "build"], cwd=JS_DIR, check=True, timeout=180)
    return JS_DIR


def rows(dsn: str, where: str, *args: object) -> list[dict[str, Any]]:
    found = run_sql(dsn, f"SELECT * FROM logs WHERE {where} ORDER BY id", *args)
    return [dict(r) | {"metadata": orjson.loads(r["metadata"]) if r["metadata"] else None} for r in found]


def count(dsn: str, sql: str, *args: object) -> int:
    return run_sql(dsn, sql, *args)[0][0]


def summary_of(stdout: str) -> dict[str, Any]:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert lines, f"the node script printed no summary: {stdout!r}"
    return json.loads(lines[-1])


# ------------------------------------------------------------------------------ unit tests


def test_js_unit_tests_pass(built_client: Path) -> None:
    """`npm test`: tsc build (ESM + CJS + types) and node --test against local HTTP servers."""
    result = subprocess.run(["npm", "test"], cwd=built_client, capture_output=True, text=True, timeout=300)
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
    assert result.returncode == 0, f"npm test failed in clients/js:\n{tail}"
    assert "# fail 0" in result.stdout, tail


# ------------------------------------------------------------------------------ under Node


def test_node_client_lands_in_postgres(built_client: Path, ingest: IngestServer, clean_logs: str) -> None:
    env = {**os.environ, "LOG_SERVER_URL": ingest.url, "LOG_API_KEY": API_KEY_ANY}
    result = subprocess.run(
        [node_binary(), str(NODE_SCRIPT)],
        cwd=built_client,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    summary = summary_of(result.stdout)
    stats = summary["stats"]
    assert summary["delivered"] is True
    assert (stats["sent"], stats["dropped"], stats["failedRecords"], stats["rejected"]) == (252, 0, 0, 0)

    dsn = clean_logs
    bulk = run_sql(
        dsn,
        "SELECT count(*) AS n, count(DISTINCT (metadata->>'seq')::int) AS seqs, "
        "bool_and(service = 'node-worker' AND log_type = 'BACKEND' AND level = 'INFO' "
        "AND environment = 'test' AND service_version = 'v2.0.0' AND user_id LIKE 'user_%') AS shaped "
        "FROM logs WHERE message = 'bulk'",
    )[0]
    assert dict(bulk) == {"n": 250, "seqs": 250, "shaped": True}
    # one ingest_batches row per batch the client sent: each Idempotency-Key stored once
    assert count(dsn, "SELECT count(*) FROM ingest_batches") == stats["batches"] >= 3

    trace_id = summary["traceId"]
    [request] = rows(dsn, "message = 'payment_request'")
    assert request["trace_id"] == trace_id
    assert (request["user_id"], request["session_id"], request["path"], request["method"]) == (
        "user_123",
        "sess_node",
        "/api/v1/payment",
        "POST",
    )
    assert str(request["duration_ms"]) == "123.456"
    assert request["action_type"] == "submit"
    assert request["metadata"] == {"status_code": 201, "cart_total": 2, "region": "ap-northeast-2"}

    [error] = rows(dsn, "level = 'ERROR'")
    assert error["trace_id"] == trace_id
    assert error["error_type"] == "PaymentDeclinedError"
    assert error["message"] == "card declined for 15000 KRW"
    assert "at chargeCard" in error["stack_trace"]
    # extracted by the ingest service from the V8 stack (the client sends only stack_trace)
    assert error["function_name"] == "chargeCard"
    assert error["file_path"].endswith("node-to-ingest.mjs")


def test_node_client_retries_until_the_service_is_up(
    built_client: Path, settings: Settings, clean_logs: str
) -> None:
    """The client starts while nothing listens on the port; the service comes up a second later.
    Every record arrives exactly once (connection refused → backoff → same Idempotency-Key)."""
    port = free_port()
    env = {
        **os.environ,
        "LOG_SERVER_URL": f"http://127.0.0.1:{port}",
        "LOG_API_KEY": API_KEY_ANY,
        "FAST_RETRY": "1",
        "BULK": "120",
    }
    proc = subprocess.Popen(
        [node_binary(), str(NODE_SCRIPT)],
        cwd=built_client,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server: IngestServer | None = None
    try:
        time.sleep(1.0)
        assert proc.poll() is None, "the client gave up before the service came up"
        server = IngestServer(env=settings_env(settings), port=port).start()
        stdout, stderr = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
        if server is not None:
            server.stop()
    assert proc.returncode == 0, stderr
    stats = summary_of(stdout)["stats"]
    assert stats["retries"] > 0
    assert (stats["sent"], stats["failedRecords"]) == (122, 0)
    got = run_sql(
        clean_logs,
        "SELECT count(*) AS n, count(DISTINCT (metadata->>'seq')::int) AS seqs FROM logs WHERE message = 'bulk'",
    )[0]
    assert dict(got) == {"n": 120, "seqs": 120}
    assert count(clean_logs, "SELECT count(*) FROM ingest_batches") == stats["batches"]


# ------------------------------------------------------------------------------ in Chromium


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def page_server(built_client: Path) -> Iterator[str]:
    """Serves clients/js on its own port: a different origin from the ingest service."""
    handler = functools.partial(_QuietHandler, directory=str(built_client))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def launch_chromium(playwright: Any) -> Any:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run `make install` (scripts/ensure-chromium.sh) "
            "or `apt-get install chromium`, or set NLQ_CHROMIUM"
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_for_rows(dsn: str, where: str, n: int, timeout: float = 15.0) -> None:
    """Poll from a worker thread: playwright's sync API runs an event loop in this one."""
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(1) as pool:
        while pool.submit(count, dsn, f"SELECT count(*) FROM logs WHERE {where}").result() < n:
            assert time.monotonic() < deadline, f"expected {n} rows WHERE {where}"
            time.sleep(0.1)


def test_browser_client_cross_origin(
    page_server: str, ingest: IngestServer, clean_logs: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    query = urlencode({"ingest": ingest.url, "key": API_KEY_ANY})
    url = f"{page_server}/test/integration/browser-page.html?{query}"
    posts: list[dict[str, Any]] = []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page()
            page.on(
                "request",
                lambda r: posts.append({"url": r.url, "headers": r.headers}) if "/logs" in r.url else None,
            )
            page.goto(url)
            page.wait_for_function(
                "document.getElementById('status').textContent === 'ready'", timeout=10_000
            )
            stats = page.evaluate("step1()")
            assert (stats["sent"], stats["failedRecords"], stats["retries"]) == (30, 0, 0), stats
            trace_id = page.evaluate("window.traceId")
            page.evaluate("step2()")
            page.wait_for_function("window.logger.stats().queued >= 3", timeout=10_000)
            page.screenshot(path=str(tmp_path / "log-client-browser.png"))
            page.goto("about:blank")  # pagehide: the buffer leaves with sendBeacon
            wait_for_rows(clean_logs, "message = 'before_leaving'", 1)
            page.goto(f"{page_server}/package.json")  # same origin again: read what the page counted
            beacons = int(page.evaluate("sessionStorage.getItem('beacons') || '0'"))
        finally:
            browser.close()

    assert posts and posts[0]["headers"].get("content-encoding") == "gzip"
    assert posts[0]["headers"].get("authorization") == f"Bearer {API_KEY_ANY}"
    assert beacons == 1, "the last records should have left with one sendBeacon"

    dsn = clean_logs
    bulk = rows(dsn, "message = 'browser_bulk'")
    assert len(bulk) == 30
    first = bulk[0]
    assert (first["service"], first["log_type"], first["environment"]) == ("web-app", "FRONTEND", "test")
    assert {r["trace_id"] for r in bulk} == {trace_id}
    assert first["path"] == "/test/integration/browser-page.html"
    assert first["action_type"] == "view"
    assert first["session_id"].startswith("sess_")
    assert first["metadata"]["browser"] == "Chrome"
    assert first["metadata"]["os"] == "Linux"

    [type_error] = rows(dsn, "error_type = 'TypeError'")
    assert type_error["level"] == "ERROR"
    assert type_error["metadata"]["source"] == "window.onerror"
    assert "renderCart" in type_error["stack_trace"]
    assert type_error["function_name"] == "renderCart"  # from the V8 stack, by the service
    assert type_error["file_path"].endswith("browser-page.html")
    [range_error] = rows(dsn, "error_type = 'RangeError'")
    assert range_error["metadata"]["source"] == "unhandledrejection"
    assert range_error["message"] == "amount out of range"
