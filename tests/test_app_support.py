"""The app's helpers without Streamlit: chart choice, error words, cache status, the loop bridge,
and the feedback table (migration 0007) with its roles."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest

from nlq_platform.app_support import bridge
from nlq_platform.app_support.bridge import LoopThread
from nlq_platform.app_support.cache_status import cache_status
from nlq_platform.app_support.charts import chart_kind, choose_chart, to_frame
from nlq_platform.app_support.errors import explain
from nlq_platform.app_support.feedback import (
    FeedbackError,
    feedback_dsn,
    insert_feedback,
    list_feedback,
    make_feedback,
    table_of,
)
from nlq_platform.config import Settings
from nlq_platform.db.dsn import with_credentials
from nlq_platform.metadata.examples import load_accepted_feedback
from nlq_platform.metadata.store import FileStore
from nlq_platform.text_to_sql.service import error_text
from tests.conftest import run_sql
from tests.support.pg import APP_PASSWORD, READER_PASSWORD, free_port

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


# --- charts ----------------------------------------------------------------------------------------


def test_time_buckets_are_a_line() -> None:
    rows = [(T0 + timedelta(minutes=5 * i), 10 + i) for i in range(12)]
    chart = choose_chart(["time_bucket", "error_count"], rows)
    assert chart_kind(chart) == "line"
    spec = chart.to_dict()
    assert spec["encoding"]["x"] == {"field": "time_bucket", "title": "time_bucket", "type": "temporal"}
    assert spec["encoding"]["y"]["field"] == "error_count"


def test_time_buckets_per_category_and_several_measures() -> None:
    per_service = [(T0 + timedelta(hours=h), s, h * 2) for h in range(3) for s in ("a", "b")]
    spec = choose_chart(["hour", "service", "errors"], per_service).to_dict()
    assert spec["encoding"]["color"]["field"] == "service"
    days = [(date(2026, 5, d), Decimal("12.5") * d, Decimal(d * 40)) for d in range(1, 8)]
    spec = choose_chart(["day", "avg_ms", "p95_ms"], days).to_dict()
    assert spec["mark"]["type"] == "line" and spec["transform"][0]["fold"] == ["avg_ms", "p95_ms"]


def test_per_category_and_top_n_are_bars() -> None:
    rows = [("DatabaseConnectionError", 40, 12), ("TimeoutError", 25, 9), ("KeyError", 3, 1)]
    chart = choose_chart(["error_type", "count", "affected_users"], rows)
    assert chart_kind(chart) == "bar"
    spec = chart.to_dict()
    assert spec["encoding"]["x"]["field"] == "count" and spec["encoding"]["y"]["sort"] == "-x"
    # a label over two columns when the first repeats (service · function), times alongside
    rows = [
        ("payment-api", "charge", 5, T0, T0),
        ("payment-api", "refund", 2, T0, T0),
        ("auth", "login", 1, T0, T0),
    ]
    chart = choose_chart(["service", "function_name", "n", "first", "last"], rows)
    assert chart_kind(chart) == "bar"
    assert chart.to_dict()["encoding"]["y"]["title"] == "service · function_name"


def test_no_chart_when_a_table_says_it_better() -> None:
    assert choose_chart(["error_count"], [(42,)]) is None  # one value
    assert choose_chart(["level", "n"], [("ERROR", 3)]) is None  # one row
    assert choose_chart([], []) is None
    assert choose_chart(["service", "path"], [("a", "/x"), ("b", "/y")]) is None  # no measure
    listing = [
        (T0 + timedelta(seconds=i), "payment-api", "ERROR", f"boom {i}", "t" * 32, 100 + i) for i in range(20)
    ]
    assert (
        choose_chart(["created_at", "service", "level", "message", "trace_id", "duration_ms"], listing)
        is None
    )
    repeated = [("a", 1), ("a", 2), ("b", 3)]  # a label that does not name each row once
    assert choose_chart(["service", "n"], repeated) is None
    many = [(f"user_{i}", i) for i in range(200)]
    assert choose_chart(["user_id", "n"], many) is None


def test_frame_converts_database_values() -> None:
    frame = to_frame(
        ["day", "avg", "meta", "ok"],
        [(date(2026, 5, 1), Decimal("1.5"), {"a": 1}, True), (date(2026, 5, 2), None, None, False)],
    )
    assert str(frame["day"].dtype).startswith("datetime64")
    assert frame["avg"].dtype.kind == "f" and frame["meta"][0] == "{'a': 1}"


# --- errors in words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("query refused: only SELECT queries are allowed", "refused"),
        ("question not understood: no measure found", "not_understood"),
        ("could not produce a valid query: unknown column colour", "invalid"),
        ("could not produce a valid query: the database is unreachable right now", "db_down"),
        ("ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 5)", "db_down"),
        ("the database is unreachable right now", "db_down"),
        ("the query took longer than 5 s and was cancelled", "timeout"),
        ("EngineNotConfigured: The Anthropic engine needs an API key: set ANTHROPIC_API_KEY", "engine"),
        ("the database refused the query: division by zero", "db_refused"),
        ("something odd", "other"),
    ],
)
def test_errors_are_explained(error: str, kind: str) -> None:
    problem = explain(error)
    assert problem.kind == kind
    assert " / " in problem.title  # Korean / English
    assert "Errno" not in problem.reason and "Traceback" not in problem.reason


def test_a_refused_login_says_what_the_server_said() -> None:
    problem = explain('InvalidPasswordError: password authentication failed for user "nlq_reader"')
    assert problem.kind == "db_down" and "password authentication failed" in problem.reason
    assert explain(error_text(ConnectionRefusedError(111, "refused"))).kind == "db_down"


# --- cache status ------------------------------------------------------------------------------------


def _document(generated_at: datetime, examples: list[dict[str, str]]) -> dict[str, object]:
    return {
        "generated_at": generated_at.isoformat(),
        "schema": {"tables": [{"table_id": "logs", "columns": []}, {"table_id": "orders", "columns": []}]},
        "examples": examples,
    }


def test_cache_status_missing_fresh_stale_and_corrupt(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, cache_max_age_hours=24)
    missing = cache_status(settings)
    assert missing.state == "missing" and missing.uri == (tmp_path / "metadata_cache.json").as_uri()

    examples = [
        {"question": "에러 몇 건?", "sql": "SELECT 1", "table_id": "logs"},
        {"question": "에러 몇 건?", "sql": "SELECT 2"},  # the same question once
        {"question": "Orders per day", "sql": "SELECT 3", "table_id": "orders"},
        {"question": " ", "sql": "SELECT 4"},
        "not an example",
    ]
    store = FileStore(tmp_path / "metadata_cache.json")
    now = datetime.now(UTC)
    store.write(_document(now - timedelta(hours=2), examples))  # type: ignore[arg-type]
    fresh = cache_status(settings)
    assert fresh.state == "fresh" and fresh.tables == ["logs", "orders"] and fresh.examples_count == 5
    assert [e.question for e in fresh.examples] == ["에러 몇 건?", "Orders per day"]
    assert fresh.examples[1].table_id == "orders"
    assert fresh.age_text(now) in ("2.0 h", "120 min")

    store.write(_document(now - timedelta(hours=30), examples[:1]))  # type: ignore[arg-type]
    stale = cache_status(settings)
    assert stale.state == "stale" and stale.examples_count == 1, "a rewritten document is re-read"

    (tmp_path / "metadata_cache.json").write_text("{not json")
    corrupt = cache_status(settings)
    assert corrupt.state == "unreadable" and "not valid JSON" in (corrupt.error or "")


def test_cache_status_never_raises_for_a_bad_uri(tmp_path: Path) -> None:
    status = cache_status(Settings(home=tmp_path, cache_uri="s3://bucket/cache.json"))
    assert status.state == "unreadable" and "unsupported" in (status.error or "")


# --- the loop bridge ----------------------------------------------------------------------------------


def test_bridge_runs_coroutines_from_any_thread_on_one_loop() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    async def where() -> asyncio.AbstractEventLoop:
        await asyncio.sleep(0)
        return asyncio.get_running_loop()

    threads = [threading.Thread(target=lambda: loops.append(bridge.run(where(), 10))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loops) == 4 and len(set(map(id, loops))) == 1 and loops[0] is bridge.loop()

    async def boom() -> None:
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside"):
        bridge.run(boom())


def test_bridge_timeout_cancels_the_coroutine() -> None:
    lt = LoopThread("test-loop")
    cancelled = threading.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(TimeoutError):
        lt.run(slow(), timeout=0.1)
    assert cancelled.wait(5)
    lt.loop.call_soon_threadsafe(lt.loop.stop)


# --- feedback --------------------------------------------------------------------------------------------


def test_table_of_and_make_feedback() -> None:
    assert table_of("SELECT count(*) FROM logs WHERE level = 'ERROR'") == "logs"
    assert table_of("WITH e AS (SELECT * FROM logs) SELECT count(*) FROM e") == "logs"
    assert table_of("SELECT * FROM `shop.sales.orders`") == "shop.sales.orders"
    assert table_of("not sql at all (") == "logs"
    entry = make_feedback("  질문 ", " SELECT 1 FROM logs ", "down", "  ", "offline")
    assert (entry.question, entry.sql, entry.note, entry.table_id) == (
        "질문",
        "SELECT 1 FROM logs",
        None,
        "logs",
    )
    assert len(make_feedback("q", "SELECT 1", "down", "x" * 5000).note or "") == 2000
    with pytest.raises(ValueError, match="verdict"):
        make_feedback("q", "SELECT 1", "maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="SQL"):
        make_feedback("q", "  ", "up")
    refused = make_feedback(
        "CPU 사용률", None, "down", "need cpu", "offline", "", 'question not understood: "CPU"'
    )
    assert (refused.sql, refused.error, refused.reading) == (None, 'question not understood: "CPU"', None)


@pytest.fixture
def feedback_db(owner_dsn: str) -> str:
    run_sql(owner_dsn, "TRUNCATE nlq_feedback RESTART IDENTITY")
    return owner_dsn


def test_feedback_round_trip_and_the_few_shot_reader(feedback_db: str, settings: Settings) -> None:
    app = feedback_dsn(settings)  # the app writes as nlq_app, never as the owner
    assert app == with_credentials(feedback_db, "nlq_app", APP_PASSWORD)
    up = make_feedback(
        "서비스별 에러 수", "SELECT service, count(*) FROM logs GROUP BY service", "up", None, "offline"
    )
    down = make_feedback("wrong", "SELECT 1 FROM logs", "down", "counted WARN too", "anthropic")
    refused = make_feedback(
        "payment-api CPU 사용률", None, "down", "we log cpu in metadata", "offline",
        reading="", error='question not understood: "CPU"',
    )  # fmt: skip
    first = asyncio.run(insert_feedback(app, up))
    second = asyncio.run(insert_feedback(app, down))
    assert second > first
    asyncio.run(insert_feedback(app, refused))
    stored = asyncio.run(list_feedback(app))
    assert [(f.verdict, f.note, f.engine) for f in stored] == [
        ("down", "we log cpu in metadata", "offline"),
        ("down", "counted WARN too", "anthropic"),
        ("up", None, "offline"),
    ]
    assert (stored[0].sql, stored[0].error) == (None, 'question not understood: "CPU"')
    assert all(f.created_at is not None for f in stored)

    async def accepted() -> list[str]:
        conn = await asyncpg.connect(with_credentials(feedback_db, "nlq_reader", READER_PASSWORD))
        try:
            return [e.question for e in await load_accepted_feedback(conn)]
        finally:
            await conn.close()

    assert asyncio.run(accepted()) == ["서비스별 에러 수"], "the reader (few_shot_examples) sees only 👍"


def test_feedback_failures_are_sentences(feedback_db: str) -> None:
    entry = make_feedback("q", "SELECT 1", "up")
    down = f"postgresql://nlq:x@127.0.0.1:{free_port()}/nlq"
    with pytest.raises(FeedbackError, match="unreachable"):
        asyncio.run(insert_feedback(down, entry))


def test_the_table_refuses_bad_rows(feedback_db: str) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        run_sql(
            feedback_db, "INSERT INTO nlq_feedback (question, sql, verdict) VALUES ('q', 'SELECT 1', 'meh')"
        )
    with pytest.raises(asyncpg.CheckViolationError):  # an accepted example needs its SQL (0009)
        run_sql(feedback_db, "INSERT INTO nlq_feedback (question, verdict) VALUES ('q', 'up')")
    run_sql(feedback_db, "INSERT INTO nlq_feedback (question, verdict) VALUES ('q', 'down')")


async def _can(dsn: str, sql: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
        return True
    except asyncpg.InsufficientPrivilegeError:
        return False
    finally:
        await conn.close()


def test_the_app_role_only_records_and_reads_feedback(feedback_db: str) -> None:
    app = with_credentials(feedback_db, "nlq_app", APP_PASSWORD)  # set by the migration (conftest)
    entry = make_feedback("q", "SELECT 1 FROM logs", "up", engine="offline")
    assert asyncio.run(insert_feedback(app, entry)) > 0
    assert asyncio.run(_can(app, "SELECT count(*) FROM nlq_feedback"))
    assert not asyncio.run(_can(app, "UPDATE nlq_feedback SET verdict = 'down'"))
    assert not asyncio.run(_can(app, "DELETE FROM nlq_feedback"))
    assert not asyncio.run(_can(app, "SELECT count(*) FROM logs"))
    assert not asyncio.run(_can(app, "SELECT * FROM ingest_batches"))
    reader = with_credentials(feedback_db, "nlq_reader", READER_PASSWORD)
    assert asyncio.run(_can(reader, "SELECT count(*) FROM nlq_feedback"))
    assert not asyncio.run(
        _can(reader, "INSERT INTO nlq_feedback (question, sql, verdict) VALUES ('q', 's', 'up')")
    )
