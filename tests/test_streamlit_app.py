"""The analyst's app, flow by flow, with Streamlit's AppTest against a real seeded database.

Every test drives ``app/streamlit_app.py`` the way an analyst would (chat input, buttons, the SQL
editor) and checks what the page shows; feedback is checked in ``nlq_feedback`` itself.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from streamlit.testing.v1 import AppTest

from nlq_platform.app_support import services
from nlq_platform.config import REPO_ROOT
from nlq_platform.db.dsn import with_credentials
from nlq_platform.db.migrate import migrate
from nlq_platform.evaluation.dataset import load
from nlq_platform.metadata.document import build_document
from nlq_platform.metadata.examples import load_accepted_feedback
from nlq_platform.metadata.postgres import fetch_snapshot, fetch_value_catalog
from nlq_platform.metadata.store import FileStore
from tests.conftest import run_sql
from tests.support.pg import APP_PASSWORD, INGEST_PASSWORD, READER_PASSWORD, TestPostgres, free_port

APP = str(REPO_ROOT / "app" / "streamlit_app.py")
TIMEOUT = 60

EXAMPLES = [
    {
        "question": "지난 1시간 동안 발생한 에러가 몇 건이야?",
        "sql": "SELECT COUNT(*) AS error_count FROM logs WHERE level = 'ERROR' "
        "AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE",
        "table_id": "logs",
    },
    {
        "question": "Which services logged the most errors in the last 24 hours?",
        "sql": "SELECT service, COUNT(*) AS errors FROM logs WHERE level = 'ERROR' "
        "AND created_at > NOW() - INTERVAL '24 hours' AND deleted = FALSE GROUP BY service ORDER BY errors DESC",
        "table_id": "logs",
    },
]


@pytest.fixture(scope="module")
def app_db(pg: TestPostgres) -> Iterator[str]:
    dsn = pg.create_database("nlq_app")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD, APP_PASSWORD))
    asyncio.run(load(dsn))
    yield dsn
    services.close_all()


async def _document(dsn: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        snapshot = await fetch_snapshot(conn)
        catalog = {t.table_id: await fetch_value_catalog(conn, t) for t in snapshot.tables}
    finally:
        await conn.close()
    return build_document(snapshot, catalog, EXAMPLES, datetime.now(UTC))


@pytest.fixture(scope="module")
def home(app_db: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NLQ_HOME with a fresh metadata cache (schema, catalog, two examples)."""
    home = tmp_path_factory.mktemp("nlq-app")
    FileStore(home / "metadata_cache.json").write(asyncio.run(_document(app_db)))
    return home


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, app_db: str, home: Path) -> str:
    for key in list(os.environ):
        if key.startswith(("NLQ_", "ANTHROPIC_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("NLQ_HOME", str(home))
    monkeypatch.setenv("NLQ_DATABASE_URL", app_db)
    monkeypatch.setenv("NLQ_INGEST_DB_PASSWORD", INGEST_PASSWORD)
    monkeypatch.setenv("NLQ_READER_DB_PASSWORD", READER_PASSWORD)
    monkeypatch.setenv("NLQ_APP_DB_PASSWORD", APP_PASSWORD)
    monkeypatch.setenv("NLQ_LOG_LEVEL", "WARNING")
    run_sql(app_db, "TRUNCATE nlq_feedback RESTART IDENTITY")
    return app_db


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def mark(spec: dict[str, Any]) -> str:
    m = spec["mark"]
    return m if isinstance(m, str) else m["type"]


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


# --- asking -----------------------------------------------------------------------------------------


def test_ask_shows_sql_rows_bar_chart_answer_engine_and_time(env: str) -> None:
    at = ask(start(), "어떤 에러가 가장 많이 발생했어? top 5 보여줘")
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert at.chat_message[0].markdown[0].value == "어떤 에러가 가장 많이 발생했어? top 5 보여줘"
    assert not at.error
    [code] = at.code
    assert code.value.startswith("SELECT error_type") and "deleted = FALSE" in code.value
    [frame] = at.dataframe
    assert len(frame.value) == 5 and "error_type" in frame.value.columns
    [spec] = charts(at)
    assert mark(spec) == "bar"
    assert "가장 많고" in texts(at) and "뒤를 잇습니다" in texts(at)  # the ranking sentence, in Korean
    assert "`offline`" in captions(at) and " ms" in captions(at)
    assert at.text_area[0].value == code.value  # the SQL is editable
    [reading] = at.info  # how the question was understood, above the SQL
    assert "Reading" in reading.value and "error_type" in reading.value


def test_time_buckets_get_a_line_chart(env: str) -> None:
    at = ask(start(), "payment-api의 에러가 시간대별로 어떻게 발생했어? 5분 단위로 보여줘")
    assert not at.error
    [spec] = charts(at)
    assert mark(spec) == "line"
    assert spec["encoding"]["x"]["type"] == "temporal"


def test_a_single_value_has_no_chart_and_english_gets_english(env: str) -> None:
    at = ask(start(), "How many errors in the last hour?")
    assert not at.error and charts(at) == []
    assert len(at.dataframe) == 1
    assert "errors in the last 1 hour" in texts(at) and "입니다" not in texts(at)  # the headline, in English


def test_history_is_kept_between_questions(env: str) -> None:
    at = ask(start(), "How many errors in the last hour?")
    at = ask(at, "지난 24시간 로그를 레벨별로 몇 건씩인지 보여줘")
    assert [m.name for m in at.chat_message] == ["user", "assistant"] * 2
    assert len(at.dataframe) == 2 and len(at.code) == 2


def test_not_understood_is_said_in_words(env: str) -> None:
    at = ask(start(), "오늘 날씨 어때?")
    [error] = at.error
    assert "질문을 이해하지 못했습니다" in error.value and "Question not understood" in error.value
    assert "Traceback" not in error.value
    assert not at.dataframe and not charts(at)
    [up] = [b for b in at.button if b.key == "up_0"]
    assert up.disabled, "nothing to accept without SQL"


def test_a_follow_up_changes_the_last_question_until_a_new_conversation(env: str) -> None:
    at = ask(start(), "How many errors in the last hour?")
    at = ask(at, "and in staging?")
    assert not at.error
    assert "environment = 'staging'" in at.code[1].value and "level = 'ERROR'" in at.code[1].value
    assert any("follow-up — environment = staging" in i.value for i in at.info)
    at.button(key="clear_chat").click().run()
    at = ask(at, "and in staging?")
    [error] = at.error
    assert "has no answered one yet" in error.value


def test_a_refusal_offers_close_questions_that_can_be_answered(env: str) -> None:
    at = ask(start(), "payment-api CPU 사용률 알려줘")
    offered = [b for b in at.button if str(b.key).startswith("suggest_0_")]
    assert 1 <= len(offered) <= 3
    offered[0].click().run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["user", "assistant"] * 2
    assert at.chat_message[2].markdown[0].value == offered[0].label
    assert len(at.error) == 1  # the first answer's refusal only: the suggestion was answered


def test_thumbs_down_on_a_refusal_stores_the_reason(env: str) -> None:
    at = ask(start(), "payment-api CPU 사용률 알려줘")
    at.button(key="down_0").click().run()
    at.text_input(key="note_0").set_value("cpu is in metadata")
    at.button(key="send_down_0").click().run()
    assert "your feedback was saved" in captions(at)
    [row] = run_sql(env, "SELECT verdict, sql, note, error FROM nlq_feedback")
    assert dict(row) == {
        "verdict": "down",
        "sql": None,
        "note": "cpu is in metadata",
        "error": 'question not understood: "CPU"',
    }


# --- the SQL editor ----------------------------------------------------------------------------------


def test_edited_sql_reruns_through_the_guard(env: str) -> None:
    at = ask(start(), "How many errors in the last hour?")
    at.text_area(key="sql_edit_0").set_value(
        "SELECT service, count(*) AS n FROM logs WHERE level = 'ERROR' GROUP BY service ORDER BY n DESC"
    )
    at.button(key="run_sql_0").click().run()
    assert not at.exception and not at.error
    [code] = at.code
    assert code.value.startswith("SELECT service") and "deleted = FALSE" in code.value
    assert "LIMIT 1000" in code.value
    [frame] = at.dataframe
    assert list(frame.value.columns) == ["service", "n"] and len(frame.value) > 1
    assert mark(charts(at)[0]) == "bar"
    assert "`sql`" in captions(at)
    assert [m.name for m in at.chat_message] == ["user", "assistant"], "the answer is replaced in place"
    assert any("edited" in e.label for e in at.expander)


@pytest.mark.parametrize("sql", ["DELETE FROM logs", "SELECT 1 FROM logs; DROP TABLE logs"])
def test_refused_sql_is_explained(env: str, sql: str) -> None:
    at = ask(start(), "How many errors in the last hour?")
    at.text_area(key="sql_edit_0").set_value(sql)
    at.button(key="run_sql_0").click().run()
    assert not at.exception
    [error] = at.error
    assert "쿼리가 거부되었습니다" in error.value and "Query refused" in error.value
    assert "Traceback" not in error.value
    assert run_sql(env, "SELECT count(*) AS n FROM logs")[0]["n"] > 0


# --- feedback -------------------------------------------------------------------------------------------


def test_thumbs_up_stores_an_accepted_example(env: str) -> None:
    question = "어떤 에러가 가장 많이 발생했어? top 5 보여줘"
    at = ask(start(), question)
    sql = at.code[0].value
    at.button(key="up_0").click().run()
    assert not at.exception
    assert "saved as an accepted example" in captions(at)
    rows = run_sql(env, "SELECT question, sql, verdict, note, engine, table_id FROM nlq_feedback")
    assert [dict(r) for r in rows] == [
        {
            "question": question,
            "sql": sql,
            "verdict": "up",
            "note": None,
            "engine": "offline",
            "table_id": "logs",
        }
    ]

    async def accepted() -> list[Any]:  # what the few_shot_examples asset (reader role) will merge
        conn = await asyncpg.connect(with_credentials(env, "nlq_reader", READER_PASSWORD))
        try:
            return await load_accepted_feedback(conn)
        finally:
            await conn.close()

    [example] = asyncio.run(accepted())
    assert (example.question, example.table_id, example.source) == (question, "logs", "feedback")


def test_thumbs_down_stores_the_note(env: str) -> None:
    at = ask(start(), "How many errors in the last hour?")
    at.button(key="down_0").click().run()
    at.text_input(key="note_0").set_value("FATAL도 세어야 해요 / should count FATAL too")
    at.button(key="send_down_0").click().run()
    assert not at.exception
    assert "your feedback was saved" in captions(at)
    [row] = run_sql(env, "SELECT verdict, note, engine FROM nlq_feedback")
    assert dict(row) == {
        "verdict": "down",
        "note": "FATAL도 세어야 해요 / should count FATAL too",
        "engine": "offline",
    }


def test_feedback_on_edited_sql_keeps_the_edit(env: str) -> None:
    at = ask(start(), "How many errors in the last hour?")
    at.text_area(key="sql_edit_0").set_value(
        "SELECT count(*) AS errors FROM logs WHERE level IN ('ERROR', 'FATAL')"
    )
    at.button(key="run_sql_0").click().run()
    at.button(key="up_0").click().run()
    [row] = run_sql(env, "SELECT question, sql, verdict, engine FROM nlq_feedback")
    assert row["question"] == "How many errors in the last hour?" and row["verdict"] == "up"
    assert "'FATAL'" in row["sql"] and row["engine"] == "sql"


# --- sidebar ----------------------------------------------------------------------------------------------


def test_sidebar_shows_the_cache_and_the_engine_choice(env: str) -> None:
    at = start()
    assert "fresh" in at.sidebar.success[0].value
    sidebar_captions = "\n".join(c.value for c in at.sidebar.caption)
    assert "logs" in sidebar_captions and "examples: 2" in sidebar_captions
    assert at.sidebar.radio(key="engine").options == ["auto", "offline", "anthropic"]
    assert at.sidebar.radio(key="engine").value == "auto"


def test_sidebar_example_button_asks_it(env: str) -> None:
    at = start()
    buttons = [b for b in at.sidebar.button if b.label == EXAMPLES[1]["question"]]
    assert len(buttons) == 1
    buttons[0].click().run()
    assert not at.exception
    assert at.chat_message[0].markdown[0].value == EXAMPLES[1]["question"]
    assert not at.error and len(at.dataframe) == 1 and mark(charts(at)[0]) == "bar"


def test_engine_choice_is_used(env: str) -> None:
    at = start()
    at.sidebar.radio(key="engine").set_value("anthropic").run()
    at = ask(at, "How many errors in the last hour?")
    [error] = at.error
    assert "The engine is unavailable" in error.value and "ANTHROPIC_API_KEY" in error.value


# --- the database is down ------------------------------------------------------------------------------


def test_database_down_is_said_in_words(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLQ_DATABASE_URL", f"postgresql://nlq:x@127.0.0.1:{free_port()}/nlq")
    at = ask(start(), "How many errors in the last hour?")
    [error] = at.error
    assert "데이터베이스에 연결할 수 없습니다" in error.value and "database is unavailable" in error.value
    assert "Traceback" not in error.value and "Errno" not in error.value


def test_database_down_without_a_cache(env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NLQ_HOME", str(tmp_path))
    monkeypatch.setenv("NLQ_DATABASE_URL", f"postgresql://nlq:x@127.0.0.1:{free_port()}/nlq")
    at = start()
    assert "No cache yet" in at.sidebar.info[0].value
    at = ask(at, "지난 1시간 동안 발생한 에러가 몇 건이야?")
    [error] = at.error
    assert "데이터베이스에 연결할 수 없습니다" in error.value


def test_feedback_while_the_database_is_down(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = ask(start(), "How many errors in the last hour?")
    monkeypatch.setenv("NLQ_DATABASE_URL", f"postgresql://nlq:x@127.0.0.1:{free_port()}/nlq")
    at.button(key="up_0").click().run()
    assert not at.exception
    assert any("Feedback not saved" in w.value and "unreachable" in w.value for w in at.warning)
    monkeypatch.setenv("NLQ_DATABASE_URL", env)
    at.button(key="up_0").click().run()  # the buttons stay until it worked
    assert len(run_sql(env, "SELECT id FROM nlq_feedback")) == 1
