"""NLQ_ANTHROPIC_SEND_ROWS: Claude writes the answer sentence from the first rows — only when
allowed, and only when every number in it is one the rows sent show; otherwise the deterministic
sentence. The real SDK against the local Messages API server of tests/test_anthropic_engine.py,
and (for the service) a real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from nlq_platform.config import Settings
from nlq_platform.db.migrate import migrate
from nlq_platform.text_to_sql.answer import answer_text, checked_written_answer, unsupported_numbers
from nlq_platform.text_to_sql.anthropic_engine import (
    SENTENCE_ROWS,
    SENTENCE_SYSTEM,
    AnthropicEngine,
    AnthropicSettings,
)
from nlq_platform.text_to_sql.service import Answer, TextToSQL
from tests.conftest import run_sql
from tests.support.fake_anthropic import Behaviour, FakeAnthropic
from tests.support.pg import INGEST_PASSWORD, READER_PASSWORD, TestPostgres

pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

USERS = 30  # secret-user-01 logged 1 row … secret-user-30 logged 30
SQL = (
    "SELECT user_id, count(*) AS n FROM logs WHERE deleted = FALSE AND user_id IS NOT NULL "
    "GROUP BY user_id ORDER BY n DESC, user_id LIMIT 50"
)
QUESTION = "Which users logged the most rows?"
HONEST = "secret-user-30 logged the most rows (30), followed by secret-user-29 with 29."
#: 465 = 1 + 2 + … + 30: a total Claude computed, which no row shows
INVENTED = "secret-user-30 logged 30 of the 465 rows, the most of the 30 users."


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


def _text(text: str) -> Behaviour:
    return Behaviour(text=text)


def _sent(fake: FakeAnthropic) -> str:
    return "\n".join(json.dumps(r.body, ensure_ascii=False) for r in fake.received)


# --- the engine's call -------------------------------------------------------------------------------


def test_settings_default_off_and_read_from_env() -> None:
    assert AnthropicSettings.from_env({}).send_rows is False
    assert Settings().anthropic_send_rows is False
    assert AnthropicSettings.from_env({"NLQ_ANTHROPIC_SEND_ROWS": "true"}).send_rows is True
    assert AnthropicSettings.from_env({"NLQ_ANTHROPIC_SEND_ROWS": "0"}).send_rows is False


def test_write_answer_sends_nothing_when_rows_may_not_be_sent(fake: FakeAnthropic) -> None:
    engine = AnthropicEngine(AnthropicSettings(api_key="k", base_url=fake.base_url))
    with pytest.raises(PermissionError, match="NLQ_ANTHROPIC_SEND_ROWS"):
        engine.write_answer(QUESTION, "", SQL, ["user_id", "n"], [("secret-user-30", 30)])
    assert fake.received == []


def test_write_answer_sends_the_first_rows_only(fake: FakeAnthropic) -> None:
    fake.push(_text("  secret-user-30 logged\n the most rows (30).  "))
    engine = AnthropicEngine(AnthropicSettings(api_key="k", base_url=fake.base_url, send_rows=True))
    when = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    rows = [(f"secret-user-{n:02d}", n, Decimal("12.5"), when) for n in range(USERS, 0, -1)]
    try:
        written = engine.write_answer(QUESTION, "users by rows", SQL, ["user_id", "n", "avg_ms", "t"], rows)
    finally:
        engine.close()

    assert written.text == "secret-user-30 logged the most rows (30)."
    assert written.rows_sent == SENTENCE_ROWS == 20
    [request] = fake.received
    body = request.body
    assert "tools" not in body and request.system_text == SENTENCE_SYSTEM
    [message] = body["messages"]
    content = message["content"]
    assert content.startswith(f"Question: {QUESTION}\nReading: users by rows\nSQL: {SQL}\n")
    assert f"Rows ({USERS} in total; the first 20 shown" in content
    assert '["secret-user-30", 30, 12.5, "2026-01-05T14:00:00+00:00"]' in content
    assert "secret-user-11" in content and "secret-user-10" not in content  # rows 21… stay home


# --- the number check --------------------------------------------------------------------------------


def test_a_sentence_may_show_only_numbers_of_the_rows() -> None:
    rows = [("svc-01", 1234, Decimal("56.789"), datetime(2026, 1, 5, 14, 30, tzinfo=UTC))]
    said = ("How slow was svc-01 in the last 24 hours?", "… INTERVAL '24 hours' LIMIT 1000")
    ok = "svc-01 took 1,234 ms on average (56.8 at p95) at 2026-01-05 14:30 in the last 24 hours."
    assert unsupported_numbers(ok, rows, said, (1,)) == []
    assert unsupported_numbers("svc-01 took 1.2 s", rows, said) == [Decimal("1.2")]  # computed
    assert unsupported_numbers("svc-01: 57", rows, said) == []  # rounding is fine
    assert unsupported_numbers("svc-01: 58", rows, said) == [Decimal("58")]
    assert unsupported_numbers("p95 of 5xx errors", rows) == []  # not numbers of their own


def test_the_written_answer_is_checked() -> None:
    rows = [("secret-user-30", 30), ("secret-user-29", 29)]
    assert checked_written_answer(HONEST, QUESTION, SQL, rows, 30) == (HONEST, "")
    text, why = checked_written_answer(INVENTED, QUESTION, SQL, rows, 30)
    assert text is None and why == "numbers not in the rows: 465"
    text, why = checked_written_answer(
        "secret-user-30 logged 30 rows.", "가장 많이 남긴 사용자?", SQL, rows, 2
    )
    assert text is None and why == "not in the question's language"
    assert checked_written_answer("  ", QUESTION, SQL, rows, 2) == (None, "no sentence")


# --- the service ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dsn(pg: TestPostgres) -> str:
    dsn = pg.create_database("nlq_anthropic_sentence")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    run_sql(
        dsn,
        "INSERT INTO logs (log_type, service, message, user_id) "
        "SELECT 'BACKEND', 'payment-api', 'payment_success', format('secret-user-%s', lpad(u::text, 2, '0')) "
        "FROM generate_series(1, $1::int) AS u, generate_series(1, u) AS k",
        USERS,
    )
    return dsn


def ask(dsn: str, home: Path, fake: FakeAnthropic, **overrides: object) -> Answer:
    settings = Settings(
        home=home,
        database_url=dsn,
        reader_db_password=READER_PASSWORD,
        ingest_db_password=INGEST_PASSWORD,
        engine="anthropic",
        anthropic_api_key="test-key",
        anthropic_base_url=fake.base_url,
        anthropic_timeout_s=5.0,
        anthropic_max_retries=0,
        **overrides,
    )

    async def go() -> Answer:
        service = TextToSQL(settings)
        try:
            return await service.ask(QUESTION)
        finally:
            await service.aclose()
            service.engine().close()  # type: ignore[attr-defined]

    return asyncio.run(go())


def deterministic(answer: Answer) -> str:
    assert answer.sql is not None
    return answer_text(answer.question, answer.sql, answer.columns, answer.rows, None)


def test_rows_are_never_sent_by_default(dsn: str, tmp_path: Path, fake: FakeAnthropic) -> None:
    fake.push_sql(SQL)
    answer = ask(dsn, tmp_path, fake)

    assert answer.error is None and answer.engine == "anthropic" and len(answer.rows) == USERS
    assert answer.rows[0] == ("secret-user-30", 30)
    assert len(fake.received) == 1  # the SQL, nothing else
    assert "secret-user" not in _sent(fake)  # no row value left the platform
    assert answer.answer == deterministic(answer) and "sentence" not in answer.details


def test_with_send_rows_claude_writes_the_sentence(dsn: str, tmp_path: Path, fake: FakeAnthropic) -> None:
    fake.push_sql(SQL).push(_text(HONEST))
    answer = ask(dsn, tmp_path, fake, anthropic_send_rows=True)

    assert answer.error is None and answer.answer == HONEST
    assert answer.details["sentence"] == {"by": "anthropic"}
    first, second = fake.received
    assert "secret-user" not in json.dumps(first.body)  # the SQL request carries no rows
    content = second.body["messages"][0]["content"]
    assert f"Rows ({USERS} in total; the first 20 shown" in content
    assert '["secret-user-11", 11]' in content and "secret-user-10" not in content


def test_a_number_no_row_shows_falls_back(dsn: str, tmp_path: Path, fake: FakeAnthropic) -> None:
    fake.push_sql(SQL).push(_text(INVENTED))
    answer = ask(dsn, tmp_path, fake, anthropic_send_rows=True)

    assert len(fake.received) == 2 and answer.error is None
    assert answer.answer == deterministic(answer) != INVENTED
    assert answer.details["sentence"] == {"by": "builder", "why": "numbers not in the rows: 465"}


def test_a_failed_sentence_call_falls_back(dsn: str, tmp_path: Path, fake: FakeAnthropic) -> None:
    fake.push_sql(SQL).push_status(500)
    answer = ask(dsn, tmp_path, fake, anthropic_send_rows=True)

    assert len(fake.received) == 2 and answer.error is None and len(answer.rows) == USERS
    assert answer.answer == deterministic(answer)
    assert answer.details["sentence"]["by"] == "builder"
    assert "HTTP 500" in answer.details["sentence"]["why"]
