"""`nlq ask` and `nlq sql` end to end: a real seeded database, the console script, JSON lines."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlq_platform.db.dsn import with_credentials
from nlq_platform.db.migrate import migrate
from nlq_platform.evaluation.dataset import load
from nlq_platform.text_to_sql.executor import ExecutionError, run_readonly
from tests.support.pg import INGEST_PASSWORD, READER_PASSWORD, TestPostgres

NLQ = str(Path(sys.executable).parent / "nlq")
KEYS = {
    "question",
    "engine",
    "sql",
    "reading",
    "columns",
    "rows",
    "answer",
    "error",
    "suggestions",
    "elapsed_ms",
}


@pytest.fixture(scope="module")
def env(pg: TestPostgres, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    dsn = pg.create_database("nlq_ask_cli")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    asyncio.run(load(dsn))
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NLQ_", "ANTHROPIC_"))}
    return {
        **clean,
        "NLQ_HOME": str(tmp_path_factory.mktemp("nlq-ask")),
        "NLQ_DATABASE_URL": dsn,
        "NLQ_INGEST_DB_PASSWORD": INGEST_PASSWORD,
        "NLQ_READER_DB_PASSWORD": READER_PASSWORD,
    }


def nlq(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NLQ, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)


def test_ask_json_answers_with_the_executed_sql(env: dict[str, str]) -> None:
    result = nlq(env, "ask", "--json", "지난 1시간 동안 발생한 에러가 몇 건이야?")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == KEYS
    assert answer["engine"] == "offline" and answer["error"] is None
    assert "deleted = FALSE" in answer["sql"] and "LIMIT 1000" in answer["sql"]  # after the guard
    assert answer["columns"] == ["error_count"] and answer["rows"][0][0] > 0
    assert "입니다" in answer["answer"]
    assert result.stderr == ""  # at the default level (INFO) stdout is JSON and stderr stays quiet


def test_ask_reads_one_question_a_line_from_stdin(env: dict[str, str]) -> None:
    questions = "How many errors in the last hour?\n\n평균 응답시간이 가장 긴 API 엔드포인트 5개 보여줘\n오늘 날씨 어때?\n"
    result = nlq(env, "ask", "--json", "-", stdin=questions)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert lines[0]["error"] is None and lines[1]["error"] is None and len(lines[1]["rows"]) == 5
    assert lines[2]["error"].startswith("question not understood")
    assert "Traceback" not in result.stderr


def test_sql_goes_through_the_same_guard(env: dict[str, str]) -> None:
    ok = json.loads(nlq(env, "sql", "--json", "SELECT count(*) AS n FROM logs").stdout)
    assert ok["error"] is None and "deleted = FALSE" in ok["sql"]
    refused = nlq(env, "sql", "DELETE FROM logs")
    assert refused.returncode == 1
    assert "query refused: only SELECT" in refused.stderr and "Traceback" not in refused.stderr
    hidden = json.loads(nlq(env, "sql", "--json", "SELECT 1; DROP TABLE logs").stdout)
    assert hidden["error"].startswith("query refused")


def test_human_output_shows_sql_rows_and_answer(env: dict[str, str]) -> None:
    result = nlq(env, "ask", "어떤 에러가 가장 많이 발생했어? top 5 보여줘")
    assert result.returncode == 0
    assert "SELECT error_type" in result.stdout and "DatabaseConnectionError" in result.stdout
    assert "[offline," in result.stdout


def test_the_reader_role_cannot_write_even_without_the_guard(env: dict[str, str]) -> None:
    reader = with_credentials(env["NLQ_DATABASE_URL"], "nlq_reader", READER_PASSWORD)
    for statement in ("DELETE FROM logs", "UPDATE logs SET deleted = TRUE", "CREATE TABLE x (a int)"):
        with pytest.raises(ExecutionError, match=r"may not|refused"):
            asyncio.run(run_readonly(reader, statement, 5000))


def test_statement_timeout_is_reported_in_words(env: dict[str, str]) -> None:
    reader = with_credentials(env["NLQ_DATABASE_URL"], "nlq_reader", READER_PASSWORD)
    with pytest.raises(ExecutionError, match=r"longer than 0\.1 s"):
        asyncio.run(run_readonly(reader, "SELECT count(*) FROM logs a, logs b", 100))


def test_unknown_engine_and_missing_key_are_clear(env: dict[str, str]) -> None:
    result = json.loads(nlq(env, "ask", "--json", "--engine", "anthropic", "errors in the last hour?").stdout)
    assert "ANTHROPIC_API_KEY" in result["error"]


def test_ask_with_a_conversation_file_follows_up(env: dict[str, str], tmp_path: Path) -> None:
    state = tmp_path / "conversation.json"
    first = nlq(env, "ask", "--json", "--conversation", str(state), "How many errors in the last 24 hours?")
    follow = nlq(env, "ask", "--json", "--conversation", str(state), "per service instead")
    assert first.returncode == 0 and follow.returncode == 0, follow.stderr
    answer = json.loads(follow.stdout)
    assert "GROUP BY service" in answer["sql"] and "level = 'ERROR'" in answer["sql"]
    assert answer["reading"].startswith("follow-up — by service")
    kept = json.loads(state.read_text())
    assert [t["question"] for t in kept["turns"]] == [
        "How many errors in the last 24 hours?",
        "per service instead",
    ]
    state.write_text("{broken")
    broken = nlq(env, "ask", "--conversation", str(state), "and in staging?")
    assert broken.returncode == 1 and "cannot read the conversation" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_chat_reads_a_conversation_from_stdin(env: dict[str, str]) -> None:
    script = "지난 24시간 동안 발생한 에러가 몇 건이야?\n그럼 staging은?\n\\sql\n\\history\n\\reset\n그럼 production은?\n\\q\n"
    result = nlq(env, "chat", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "이어서 — 바뀐 것: environment = staging" in out
    assert out.count("environment = 'staging'") >= 2  # the answer's SQL, and again for \sql
    assert "2. 그럼 staging은?" in out and "new conversation" in out
    assert "has no answered one yet" in result.stderr  # after \reset a follow-up has nothing to follow


def test_a_refusal_names_the_words_and_offers_questions_it_can_answer(env: dict[str, str]) -> None:
    result = nlq(env, "ask", "--json", "payment-api CPU 사용률 알려줘")
    answer = json.loads(result.stdout)
    assert answer["error"] == 'question not understood: "CPU"'
    assert 1 <= len(answer["suggestions"]) <= 3
    for suggestion in answer["suggestions"]:  # each one is answered in turn
        followed = json.loads(nlq(env, "ask", "--json", suggestion).stdout)
        assert followed["error"] is None, (suggestion, followed["error"])
    plain = nlq(env, "ask", "payment-api CPU 사용률 알려줘")
    assert "questions I can answer, close to yours:" in plain.stderr and "Traceback" not in plain.stderr
