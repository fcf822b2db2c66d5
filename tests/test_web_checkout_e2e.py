"""The whole demo end to end in a real browser: headless Chromium opens the Svelte web app
(examples/web-app, served with its /config.json by the payment-api), clicks checkout, and the
logs of both sides land in PostgreSQL through the real ingest service, joined by one trace_id:
FRONTEND rows from log-client (page view, click, result) and BACKEND rows from the payment-api's
log_collector middleware, which read the traceparent that log-client's fetch sent.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pytest

from nlq_platform.config import REPO_ROOT
from tests.conftest import API_KEY_ANY, run_sql
from tests.support.payment_api import PaymentApiServer
from tests.support.server import IngestServer

WEB_APP = REPO_ROOT / "examples" / "web-app"
CHROMIUM = os.environ.get("NLQ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
T = TypeVar("T")


@pytest.fixture(scope="module")
def web_dist() -> Path:
    """The built web app; `make install` builds it (scripts/ensure-node-deps.sh)."""
    dist = WEB_APP / "dist"
    if not (dist / "index.html").is_file():
        if not (WEB_APP / "node_modules" / "vite").is_dir():
            pytest.fail("examples/web-app is not installed: run `make install` (npm ci + build)")
        subprocess.run(["npm", "run", "--silent", "build"], cwd=WEB_APP, check=True, timeout=300)
    return dist


@pytest.fixture
def shop(ingest: IngestServer, web_dist: Path) -> Iterator[PaymentApiServer]:
    env = {
        "PAYMENT_API_LOG_SERVER_URL": ingest.url,
        "PAYMENT_API_LOG_API_KEY": API_KEY_ANY,
        "PAYMENT_API_WEB_DIST": str(web_dist),
        "PAYMENT_API_LATENCY_SCALE": "0.05",
        "PAYMENT_API_FAILURES": "",
    }
    with PaymentApiServer(env=env) as server:
        yield server


def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run database calls off this thread: playwright's sync API runs an event loop in it."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def rows(dsn: str, where: str, *args: object) -> list[dict[str, Any]]:
    found = in_thread(run_sql, dsn, f"SELECT * FROM logs WHERE {where} ORDER BY created_at, id", *args)
    return [dict(r) | {"metadata": orjson.loads(r["metadata"]) if r["metadata"] else None} for r in found]


def wait_for(dsn: str, where: str, *args: object, n: int = 1, timeout: float = 20.0) -> list[dict[str, Any]]:
    """Both clients send every second or so; wait until the rows are there."""
    deadline = time.monotonic() + timeout
    while True:
        found = rows(dsn, where, *args)
        if len(found) >= n:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {n} rows WHERE {where} {args}; found {len(found)}")
        time.sleep(0.2)


def launch_chromium(playwright: Any) -> Any:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run `make install` (scripts/ensure-chromium.sh) "
            "or `apt-get install chromium`, or set NLQ_CHROMIUM"
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def by_message(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["message"]: r for r in found}


def test_checkout_in_chromium_joins_frontend_and_backend_logs(
    shop: PaymentApiServer, clean_logs: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    dsn = clean_logs
    page_errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            page.goto(f"{shop.url}/")
            checkout = page.get_by_test_id("checkout")
            checkout.wait_for(timeout=15_000)

            # 1. a successful payment
            checkout.click()
            result = page.get_by_test_id("result")
            result.wait_for(timeout=15_000)
            assert result.get_attribute("data-status") == "approved", result.inner_text()
            trace_id = page.get_by_test_id("trace-id").inner_text().strip()
            assert len(trace_id) == 32
            page.screenshot(path=str(tmp_path / "checkout-approved.png"), full_page=True)

            frontend = wait_for(dsn, "trace_id = $1 AND log_type = 'FRONTEND'", trace_id, n=3)
            backend = wait_for(dsn, "trace_id = $1 AND log_type = 'BACKEND'", trace_id)

            # 2. a declined payment: a new trace, ERROR rows on both sides
            page.get_by_test_id("simulate").select_option("declined")
            checkout.click()
            page.wait_for_selector("[data-testid=result][data-status=failed]", timeout=15_000)
            declined_trace = page.get_by_test_id("trace-id").inner_text().strip()
            page.screenshot(path=str(tmp_path / "checkout-declined.png"), full_page=True)
            declined_front = wait_for(
                dsn, "trace_id = $1 AND log_type = 'FRONTEND' AND level = 'ERROR'", declined_trace
            )
            declined_back = wait_for(
                dsn, "trace_id = $1 AND log_type = 'BACKEND' AND level = 'ERROR'", declined_trace
            )

            # 3. a render error inside <svelte:boundary>: the fallback shows, the error is logged
            page.locator("details.devtools summary").click()
            page.get_by_test_id("simulate-ui-bug").click()
            page.get_by_test_id("boundary-fallback").wait_for(timeout=10_000)
            page.screenshot(path=str(tmp_path / "boundary-fallback.png"), full_page=True)
            boundary = wait_for(dsn, "log_type = 'FRONTEND' AND metadata->>'source' = 'svelte:boundary'")
        finally:
            browser.close()

    # one trace joins the browser's records and the API's
    front = by_message(frontend)
    assert {"page_view", "click_checkout", "checkout_completed"} <= set(front)
    for rec in frontend:
        assert (rec["service"], rec["environment"], rec["level"]) == ("web-app", "test", "INFO")
        assert rec["user_id"] == "user_123"
        assert rec["path"] == "/"
        assert rec["session_id"].startswith("sess_")
        assert rec["metadata"]["browser"] == "Chrome"
    assert [front[m]["action_type"] for m in ("page_view", "click_checkout", "checkout_completed")] == [
        "view",
        "click",
        "submit",
    ]
    assert front["checkout_completed"]["duration_ms"] is not None
    assert front["checkout_completed"]["metadata"]["status_code"] == 201
    assert len({r["session_id"] for r in frontend}) == 1

    [api] = [r for r in backend if r["path"] == "/api/v1/payment"]
    assert (api["service"], api["method"], api["message"], api["level"]) == (
        "payment-api",
        "POST",
        "payment_success",
        "INFO",
    )
    assert api["user_id"] == "user_123"
    assert api["duration_ms"] is not None
    assert api["created_at"] >= front["click_checkout"]["created_at"]

    # the declined attempt is its own trace, with an ERROR on each side
    assert declined_trace != trace_id
    [failed] = declined_front
    assert (failed["message"], failed["error_type"]) == ("checkout_failed", "PaymentRequestError")
    assert failed["metadata"]["status_code"] == 402
    assert declined_back[0]["error_type"] == "PaymentDeclinedError"
    assert declined_back[0]["service"] == "payment-api"

    # the boundary's record: the JS error with its stack, function taken from it by the service
    [bug] = boundary
    assert bug["level"] == "ERROR"
    assert bug["error_type"] == "TypeError"
    assert bug["metadata"]["boundary"] == "checkout"
    assert bug["action_type"] == "render"
    assert "lineTotals" in bug["stack_trace"]
    assert bug["function_name"] == "lineTotals"
    assert page_errors == [], page_errors
