"""The analyst app in a real browser: ``streamlit run`` against the seeded test database, driven by
headless Chromium through Playwright.

AppTest (``tests/test_streamlit_app.py``) checks what the script emits; only a browser shows that
the page actually renders it — the canvas data grid, the Vega-Lite chart, the SQL — without a
JavaScript error, and that a click travels back over the websocket into ``nlq_feedback``. What
assertions cannot judge (Korean glyphs, layout) the screenshots show: every test saves a
full-page one to its ``tmp_path`` and to ``.nlq/test-artifacts/`` for a human to look at.

Chromium is Debian's (``make install`` puts it there); Playwright never downloads a browser.
A missing Chromium fails the test rather than skipping it, so a gap in set-up cannot pass.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from nlq_platform.config import REPO_ROOT
from nlq_platform.db.migrate import migrate
from nlq_platform.evaluation.dataset import load
from nlq_platform.metadata.document import build_document
from nlq_platform.metadata.postgres import fetch_snapshot, fetch_value_catalog
from nlq_platform.metadata.store import FileStore
from tests.conftest import run_sql
from tests.support.pg import APP_PASSWORD, INGEST_PASSWORD, READER_PASSWORD, TestPostgres
from tests.support.streamlit_server import StreamlitServer

T = TypeVar("T")
ARTIFACTS = REPO_ROOT / ".nlq" / "test-artifacts"
CHROMIUM_ARGS = [
    # without these, Chromium keeps trying to reach Google's services on a closed network
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANSWER_TIMEOUT_MS = 30_000
# tall enough that the whole conversation fits: Streamlit scrolls an inner container, not the
# document, so a "full page" screenshot only ever shows the viewport
VIEWPORT = {"width": 1400, "height": 1800}

KO_TIME_BUCKETS = "지난 24시간 동안 시간대별 에러 수"
EN_TOP_N = "top 5 services by error count in the last 24 hours"
EN_PER_SERVICE = "How many errors per service in the last 24 hours?"
EN_FOLLOW_UP = "only production"  # a filter added to the previous answer, the rest carried over
EXAMPLES = [
    {
        "question": "지난 1시간 동안 발생한 에러가 몇 건이야?",
        "sql": "SELECT COUNT(*) AS error_count FROM logs WHERE level = 'ERROR' "
        "AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE",
        "table_id": "logs",
    },
]


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's Chromium (or ``NLQ_CHROMIUM``, as in ``scripts/ensure-chromium.sh``); looked for
    first, so that a missing browser fails at once rather than after the app is prepared."""
    path = os.environ.get("NLQ_CHROMIUM", "/usr/bin/chromium")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(
            f"Chromium is missing ({path} is not an executable): the browser tests drive it headless. "
            "Run `make install` (as root it installs Debian's chromium; otherwise it says what to "
            "install), or set NLQ_CHROMIUM to a Chromium/Chrome binary.",
            pytrace=False,
        )
    return path


# --- the app and the browser --------------------------------------------------------------------------


async def _cache_document(dsn: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        snapshot = await fetch_snapshot(conn)
        catalog = {t.table_id: await fetch_value_catalog(conn, t) for t in snapshot.tables}
    finally:
        await conn.close()
    return build_document(snapshot, catalog, EXAMPLES, datetime.now(UTC))


@pytest.fixture(scope="module")
def app_server(
    chromium: str, pg: TestPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StreamlitServer]:
    """The app on a database of its own holding the evaluation dataset (anchored now, so "the last
    24 hours" has rows) and a fresh metadata cache. Streamlit boots while the dataset loads."""
    dsn = pg.create_database("nlq_browser")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD, APP_PASSWORD))
    home = tmp_path_factory.mktemp("nlq-browser-home")
    env = {
        "NLQ_HOME": str(home),
        "NLQ_DATABASE_URL": dsn,
        "NLQ_INGEST_DB_PASSWORD": INGEST_PASSWORD,
        "NLQ_READER_DB_PASSWORD": READER_PASSWORD,
        "NLQ_APP_DB_PASSWORD": APP_PASSWORD,
        "NLQ_LOG_LEVEL": "WARNING",
    }
    server = StreamlitServer(env=env, log_file=home / "streamlit.log").launch()
    try:
        asyncio.run(load(dsn))
        FileStore(home / "metadata_cache.json").write(asyncio.run(_cache_document(dsn)))
        server.wait_healthy()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser_db(app_server: StreamlitServer) -> str:
    """The owner DSN of the app's database, to look at what the app stored."""
    return app_server.env["NLQ_DATABASE_URL"]


@pytest.fixture(scope="module")
def browser(chromium: str, app_server: StreamlitServer) -> Iterator[Browser]:
    """Started after the database work: Playwright's sync API keeps an event loop running in this
    thread, where ``asyncio.run`` then refuses to work (see :func:`off_loop`)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def app_page(browser: Browser, app_server: StreamlitServer) -> Iterator[tuple[Page, list[str]]]:
    """One tab (one Streamlit session) for the module and the JavaScript errors it reports; loading
    the page costs seconds, clearing the chat (:func:`page`) a fraction of one."""
    context = browser.new_context(viewport=VIEWPORT, locale="ko-KR")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(app_server.url, wait_until="domcontentloaded")
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    assert not errors, f"JavaScript errors while loading the app: {errors}\n{app_server.log_tail()}"
    yield page, errors
    context.close()


@pytest.fixture
def page(app_page: tuple[Page, list[str]], app_server: StreamlitServer) -> Iterator[Page]:
    """The app with an empty chat (the sidebar's "New conversation"), as an analyst starts."""
    page, errors = app_page
    if page.get_by_test_id("stChatMessage").count():
        page.get_by_role("button", name="New conversation").click()
        expect(page.get_by_test_id("stChatMessage")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
    seen = len(errors)
    yield page
    assert errors[seen:] == [], f"JavaScript errors on the page: {errors[seen:]}\n{app_server.log_tail()}"


# --- helpers -------------------------------------------------------------------------------------------


def off_loop(fn: Callable[..., T], *args: object) -> T:
    """Run ``fn`` in a worker thread: with Playwright's loop in this one, ``asyncio.run`` fails here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result(timeout=60)


def ask(page: Page, question: str) -> Locator:
    """Type ``question`` into the chat input, press Enter; the assistant's message once it is done."""
    before = page.get_by_test_id("stChatMessage").count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    messages = page.get_by_test_id("stChatMessage")
    expect(messages).to_have_count(before + 2, timeout=ANSWER_TIMEOUT_MS)
    answer = messages.nth(before + 1)
    # the engine/time caption is the last thing an answer writes
    expect(answer.get_by_text(re.compile(r"engine: .* ms"))).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(answer.get_by_test_id("stSpinner")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
    return answer


def assert_table_chart_and_sql(page: Page, answer: Locator) -> str:
    """The rows (canvas grid), the chart (vega-embed) and the SQL are on screen; returns the SQL."""
    expect(answer.get_by_test_id("stDataFrame")).to_be_visible()
    expect(answer.get_by_test_id("stDataFrame").locator("canvas").first).to_be_visible()
    chart = answer.get_by_test_id("stVegaLiteChart")
    expect(chart).to_be_visible()
    expect(chart.locator("canvas, svg").first).to_be_visible()
    answer.get_by_test_id("stExpander").get_by_text("SQL", exact=True).click()  # collapsed by default
    code = answer.get_by_test_id("stCode")
    expect(code).to_be_visible()
    sql = code.inner_text()
    assert sql.lstrip().startswith("SELECT") and "deleted = FALSE" in sql
    expect(page.get_by_test_id("stException")).to_have_count(0)
    return sql


def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    """A full-page PNG in the test's outputs, copied to ``.nlq/test-artifacts/`` for people."""
    page.wait_for_timeout(300)  # let vega's and the grid's last frame paint
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, ARTIFACTS / path.name)
    return path


# --- the flows -----------------------------------------------------------------------------------------


def test_korean_time_buckets_show_rows_a_line_chart_and_the_sql(page: Page, tmp_path: Path) -> None:
    answer = ask(page, KO_TIME_BUCKETS)
    expect(page.get_by_test_id("stChatMessage").first).to_contain_text(KO_TIME_BUCKETS)
    sql = assert_table_chart_and_sql(page, answer)
    assert "date_trunc" in sql.lower() or "date_bin" in sql.lower(), sql
    expect(answer.locator("strong").first).to_have_text(re.compile(r"^[0-9가-힣 ,.:()%-]+니다\.?$"))  # Korean
    chart = answer.get_by_test_id("stVegaLiteChart")
    expect(chart.locator(".mark-line").first).to_be_attached()  # time buckets: a line
    expect(chart.locator("[aria-label*='time scale']").first).to_be_attached()
    expect(answer.get_by_test_id("stAlert").first).to_contain_text("1시간 단위")  # the reading, above the SQL
    expect(page.get_by_test_id("stAppDeployButton")).to_have_count(0)  # toolbarMode = minimal
    screenshot(page, tmp_path, "browser-ko-time-buckets")


def test_english_top_n_shows_rows_a_bar_chart_and_the_sql(page: Page, tmp_path: Path) -> None:
    answer = ask(page, EN_TOP_N)
    sql = assert_table_chart_and_sql(page, answer)
    assert "GROUP BY" in sql and "LIMIT 5" in sql, sql
    expect(answer).not_to_contain_text("니다")
    bars = answer.get_by_test_id("stVegaLiteChart").locator(".mark-rect path")
    expect(bars).to_have_count(5)  # top 5: one bar each
    screenshot(page, tmp_path, "browser-en-top-n")


def test_thumbs_up_stores_the_question_and_sql(page: Page, tmp_path: Path, browser_db: str) -> None:
    off_loop(run_sql, browser_db, "TRUNCATE nlq_feedback RESTART IDENTITY")
    answer = ask(page, EN_TOP_N)
    sql = assert_table_chart_and_sql(page, answer)
    answer.get_by_role("button", name="👍").click()
    expect(answer.get_by_text("saved as an accepted example")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    rows = off_loop(run_sql, browser_db, "SELECT question, sql, verdict, note, engine FROM nlq_feedback")
    assert [dict(r) for r in rows] == [
        {"question": EN_TOP_N, "sql": sql, "verdict": "up", "note": None, "engine": "offline"}
    ]
    screenshot(page, tmp_path, "browser-feedback-up")


def test_a_follow_up_changes_the_reading_the_sql_and_the_chart(page: Page, tmp_path: Path) -> None:
    first = ask(page, EN_PER_SERVICE)
    first_sql = assert_table_chart_and_sql(page, first)
    first_reading = first.get_by_test_id("stAlert").first
    expect(first_reading).to_contain_text("level = ERROR")
    expect(first_reading).not_to_contain_text("follow-up")
    reading_before = first_reading.text_content()
    assert "environment" not in first_sql, first_sql

    second = ask(page, EN_FOLLOW_UP)
    second_sql = assert_table_chart_and_sql(page, second)
    reading = second.get_by_test_id("stAlert").first  # the reading names what changed and what stayed
    expect(reading).to_contain_text("follow-up — environment = production; the rest as before:")
    for carried in ("level = ERROR", "last 1 day", "by service"):
        expect(reading).to_contain_text(carried)
    assert reading.text_content() != reading_before
    # the new filter, in the previous answer's window and breakdown
    assert "environment = 'production'" in second_sql, second_sql
    assert "level = 'ERROR'" in second_sql and "INTERVAL '24 HOURS'" in second_sql.upper(), second_sql
    assert "GROUP BY service" in second_sql and second_sql != first_sql, second_sql
    expect(second.get_by_test_id("stVegaLiteChart").locator(".mark-rect path").first).to_be_attached()  # bars
    expect(second).not_to_contain_text("니다")  # English question, English sentence
    expect(first_reading).to_have_text(reading_before)  # the first answer is left as it was
    screenshot(page, tmp_path, "browser-en-follow-up")
