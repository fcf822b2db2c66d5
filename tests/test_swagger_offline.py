"""``/docs`` and ``/redoc`` of the ingest service and payment-api load Swagger UI and ReDoc from
the service itself (fastapi-offline's files), never from a CDN, so they work with no internet:
checked against the real uvicorn processes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import API_KEY_ANY
from tests.support.payment_api import PaymentApiServer
from tests.support.server import IngestServer
from tests.test_js_client import launch_chromium

#: every URL a docs page makes the browser fetch: scripts, styles, icon, and the schema
REFERENCED = re.compile(r"""(?:src|href|spec-url)="([^"]+)"|url: '([^']+)'""")
CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png", ".json": "application/json"}


@pytest.fixture(scope="module")
def payment_api(ingest: IngestServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaymentApiServer]:
    """With a web app mounted at ``/``, whose index.html fallback must not shadow the docs files."""
    dist = tmp_path_factory.mktemp("web")
    (dist / "index.html").write_text("<!doctype html><title>shop</title>")
    env = {
        "PAYMENT_API_LOG_SERVER_URL": ingest.url,
        "PAYMENT_API_LOG_API_KEY": API_KEY_ANY,
        "PAYMENT_API_WEB_DIST": str(dist),
    }
    with PaymentApiServer(env=env) as server:
        yield server


@pytest.fixture(params=["ingest", "payment_api"])
def base_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(request.param).url


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(base_url: str, page: str) -> None:
    html = httpx.get(f"{base_url}{page}", timeout=10)
    assert html.status_code == 200
    assert "cdn." not in html.text and "https://" not in html.text and "http://" not in html.text
    urls = [a or b for a, b in REFERENCED.findall(html.text)]
    suffixes = {Path(url).suffix for url in urls}
    assert {".js", ".png", ".json"} <= suffixes and (page == "/redoc" or ".css" in suffixes), urls
    for url in urls:
        assert url.startswith("/"), url
        asset = httpx.get(f"{base_url}{url}", timeout=10)
        assert asset.status_code == 200, url
        assert CONTENT_TYPES[Path(url).suffix] in asset.headers["content-type"], url
        assert len(asset.content) > 1000, url  # the real files (the bundle is ~1.5 MB), not a stub


@pytest.mark.parametrize(
    ("page", "shown"), [("/docs", ".opblock"), ("/redoc", "text=Ingest a batch of log records")]
)
def test_docs_render_in_a_browser_with_no_internet(ingest: IngestServer, page: str, shown: str) -> None:
    """Headless Chromium with every non-local request refused: the UI still draws the operations
    (Swagger UI 5 reads FastAPI's OpenAPI 3.1). ReDoc's "API docs by Redocly" footer fetches its
    logo image from Redocly's CDN; offline only that image is missing."""
    from playwright.sync_api import sync_playwright

    outside: list[tuple[str, str]] = []

    def refuse_outside(route: Any) -> None:
        if route.request.url.startswith(ingest.url):
            route.continue_()
        else:
            outside.append((route.request.resource_type, route.request.url))
            route.abort()

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            tab = browser.new_page()
            tab.route("**/*", refuse_outside)
            tab.goto(f"{ingest.url}{page}")
            tab.wait_for_selector(shown, timeout=20_000)
            assert "/logs" in tab.content()
        finally:
            browser.close()
    needed = [(kind, url) for kind, url in outside if page == "/docs" or kind != "image"]
    assert needed == []
