"""The Anthropic engine against a local server speaking the Messages API, through the real SDK.

These tests check the engine's plumbing — prompt, tool call, repair loop, retries, error
mapping — not the model's accuracy: every "model answer" here is scripted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from nlq_platform.metadata.schema import Column, SchemaSnapshot, Table
from nlq_platform.text_to_sql.anthropic_engine import (
    AnthropicEngine,
    AnthropicSettings,
    EngineNotConfigured,
    EngineUnavailable,
    most_similar,
)
from nlq_platform.text_to_sql.context import Context, Example
from nlq_platform.text_to_sql.engine import InvalidSQL, NotUnderstood
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.pg import free_port

LOGS = Table(
    table_id="logs",
    description="통합 로그 테이블 (프론트엔드 + 백엔드)",
    columns=(
        Column("id", "bigint", "REQUIRED", "로그 ID (자동 증가)"),
        Column("created_at", "timestamp with time zone", "REQUIRED", "로그 발생 시각 (TIMESTAMPTZ, UTC)"),
        Column(
            "level",
            "log_level",
            "REQUIRED",
            "로그 레벨",
            ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"),
        ),
        Column("service", "character varying(100)", "REQUIRED", "서비스 이름 (예: payment-api, web-app)"),
        Column("error_type", "character varying(200)", "NULLABLE", "에러 유형 (예외 클래스명)"),
        Column("path", "character varying(500)", "NULLABLE", "경로: 백엔드는 API endpoint"),
        Column("duration_ms", "numeric(10,3)", "NULLABLE", "처리 시간 (밀리초)"),
        Column("deleted", "boolean", "REQUIRED", "Soft delete 플래그 (true = 삭제됨)"),
        Column("metadata", "jsonb", "NULLABLE", "확장 데이터"),
    ),
)

SERVICES = ["payment-api", "order-api", "web-app"] + [f"svc-{i:02d}" for i in range(22)]  # 25 values

EXAMPLES = [
    Example(
        "최근 1시간 동안 payment-api 에러 로그 수",
        "SELECT count(*) FROM logs WHERE service = 'payment-api' AND level = 'ERROR' "
        "AND created_at >= NOW() - INTERVAL '1 hour' AND deleted = FALSE",
    ),
    Example(
        "오늘 가장 많이 발생한 에러 유형 상위 5개",
        "SELECT error_type, count(*) AS n FROM logs WHERE error_type IS NOT NULL "
        "AND created_at >= date_trunc('day', NOW()) AND deleted = FALSE GROUP BY 1 ORDER BY n DESC LIMIT 5",
    ),
    Example(
        "서비스별 평균 응답 시간",
        "SELECT service, avg(duration_ms) FROM logs WHERE deleted = FALSE GROUP BY 1",
    ),
    Example(
        "How many errors did payment-api log in the last hour?",
        "SELECT count(*) FROM logs WHERE service = 'payment-api' AND level = 'ERROR' "
        "AND created_at >= NOW() - INTERVAL '1 hour' AND deleted = FALSE",
    ),
    Example(
        "Top 5 slowest endpoints today",
        "SELECT path, max(duration_ms) AS slowest FROM logs WHERE created_at >= date_trunc('day', NOW()) "
        "AND deleted = FALSE GROUP BY 1 ORDER BY slowest DESC LIMIT 5",
    ),
    Example(
        "Which services logged FATAL errors this week?",
        "SELECT DISTINCT service FROM logs WHERE level = 'FATAL' "
        "AND created_at >= NOW() - INTERVAL '7 days' AND deleted = FALSE",
    ),
    Example(
        "어제 web-app 경로별 요청 수",
        "SELECT path, count(*) FROM logs WHERE service = 'web-app' "
        "AND created_at >= date_trunc('day', NOW()) - INTERVAL '1 day' "
        "AND created_at < date_trunc('day', NOW()) AND deleted = FALSE GROUP BY 1",
    ),
    Example("Count logs per level", "SELECT level, count(*) FROM logs WHERE deleted = FALSE GROUP BY 1"),
]

# The SDK warns that the default model (claude-sonnet-4-5) reaches end-of-life on 2026-11-30.
pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

GOOD_SQL = "SELECT count(*) FROM logs WHERE level = 'ERROR' AND deleted = FALSE"


def make_context() -> Context:
    return Context(
        schema=SchemaSnapshot(tables=(LOGS,)),
        catalog={"service": SERVICES, "error_type": ["TimeoutError", "DatabaseConnectionError"]},
        examples=list(EXAMPLES),
    )


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


@pytest.fixture
def engine_for(fake: FakeAnthropic) -> Iterator:
    engines: list[AnthropicEngine] = []

    def make(**overrides: object) -> AnthropicEngine:
        values: dict = {"api_key": "test-key", "base_url": fake.base_url, "timeout_s": 5.0, "few_shot_k": 3}
        values.update(overrides)
        engine = AnthropicEngine(AnthropicSettings(**values))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


def failing_on(*bad: str):
    """A validator refusing the given SQL strings like PostgreSQL would."""

    def validate(sql: str) -> None:
        if sql in bad:
            raise InvalidSQL('column "foo" does not exist')

    return validate


# --- success and prompt ------------------------------------------------------------------------


def test_success_returns_sql_and_details(fake: FakeAnthropic, engine_for) -> None:
    fake.push_sql(GOOD_SQL + ";", "오늘 에러 로그 수를 셉니다.")
    engine = engine_for()

    gen = engine.generate("에러 로그 몇 개야?", make_context(), validate=failing_on())

    assert gen.engine == "anthropic"
    assert gen.sql == GOOD_SQL  # trailing semicolon stripped
    assert gen.details["model"] == "claude-sonnet-4-5"
    assert gen.details["explanation"] == "오늘 에러 로그 수를 셉니다."
    assert gen.details["attempts"] == [
        {"sql": GOOD_SQL, "explanation": "오늘 에러 로그 수를 셉니다.", "error": None}
    ]
    assert gen.details["usage"]["requests"] == 1
    assert gen.details["usage"]["input_tokens"] > 0

    [request] = fake.received
    body = request.body
    assert request.path == "/v1/messages"
    assert request.headers.get("authorization") == "Bearer test-key" or request.headers.get("x-api-key")
    assert body["model"] == "claude-sonnet-4-5"
    assert [t["name"] for t in body["tools"]] == ["submit_sql"]
    assert set(body["tools"][0]["input_schema"]["properties"]) == {
        "sql",
        "explanation",
        "reading",
        "cannot_answer",
        "not_understood",
    }
    assert gen.reading == "오늘 에러 로그 수를 셉니다."  # no reading given: the explanation stands in
    assert body["tool_choice"]["type"] == "tool" and body["tool_choice"]["name"] == "submit_sql"
    assert body["messages"] == [{"role": "user", "content": "Question: 에러 로그 몇 개야?"}]


def test_prompt_has_schema_rules_hints_and_k_examples(fake: FakeAnthropic, engine_for) -> None:
    fake.push_sql(GOOD_SQL)
    engine_for(few_shot_k=3).generate("How many errors in the last hour?", make_context())

    system = fake.received[0].system_text
    # schema: table, columns, types, comments, enum labels
    assert "CREATE TABLE logs" in system and "통합 로그 테이블" in system
    assert "created_at timestamp with time zone NOT NULL" in system
    assert "'TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'" in system
    assert "Soft delete 플래그" in system and "metadata jsonb" in system
    # PostgreSQL rules
    assert "PostgreSQL" in system
    assert "deleted = FALSE" in system
    assert "NOW() - INTERVAL" in system
    assert "read-only SELECT" in system
    assert "language of the question" in system
    # value hints: the top 20 values only
    assert "- service: 'payment-api', 'order-api', 'web-app'" in system
    assert "'svc-16'" in system and "'svc-17'" not in system and "(5 more)" in system
    assert "'TimeoutError'" in system
    # k examples
    assert system.count("<example>") == 3


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("지난 1시간 payment-api 에러 로그 몇 건?", EXAMPLES[0]),
        ("What were the slowest endpoints today?", EXAMPLES[4]),
    ],
)
def test_most_similar_example_goes_into_the_prompt(
    fake: FakeAnthropic, engine_for, question: str, expected: Example
) -> None:
    assert most_similar(question, EXAMPLES, 1) == [expected]

    fake.push_sql(GOOD_SQL)
    engine_for(few_shot_k=2).generate(question, make_context())

    system = fake.received[0].system_text
    assert system.count("<example>") == 2
    first = system.index("<example>")
    assert system[first:].startswith(f"<example>\n<question>{expected.question}</question>")


def test_most_similar_edges() -> None:
    assert most_similar("anything", EXAMPLES, 0) == []
    assert most_similar("anything", [], 3) == []
    assert len(most_similar("anything", EXAMPLES, 100)) == len(EXAMPLES)
    # Korean particles glued to words still match by character n-grams
    assert most_similar("서비스별로 평균 응답시간은?", EXAMPLES, 1) == [EXAMPLES[2]]


# --- repair --------------------------------------------------------------------------------------


def test_repair_after_wrong_column(fake: FakeAnthropic, engine_for) -> None:
    bad = "SELECT foo FROM logs WHERE deleted = FALSE"
    fake.push_sql(bad).push_sql(GOOD_SQL, "고쳤습니다.")

    gen = engine_for().generate("에러 수", make_context(), validate=failing_on(bad))

    assert gen.sql == GOOD_SQL
    attempts = gen.details["attempts"]
    assert [a["sql"] for a in attempts] == [bad, GOOD_SQL]
    assert attempts[0]["error"] == 'column "foo" does not exist' and attempts[1]["error"] is None
    assert gen.details["usage"]["requests"] == 2

    second = fake.received[1].body
    roles = [m["role"] for m in second["messages"]]
    assert roles == ["user", "assistant", "user"]
    [tool_use] = second["messages"][1]["content"]
    assert tool_use["type"] == "tool_use" and tool_use["input"]["sql"] == bad
    [result] = fake.received[1].tool_results
    assert result["tool_use_id"] == tool_use["id"]
    assert result["is_error"] is True
    assert 'column "foo" does not exist' in result["content"]


def test_gives_up_after_two_repairs(fake: FakeAnthropic, engine_for) -> None:
    bad = "SELECT foo FROM logs"
    for _ in range(3):
        fake.push_sql(bad)

    with pytest.raises(InvalidSQL, match='column "foo" does not exist') as caught:
        engine_for().generate("에러 수", make_context(), validate=failing_on(bad))

    assert len(fake.received) == 3  # first try + 2 repairs, no fourth request
    assert len(fake.received[2].tool_results) == 2
    assert len(caught.value.details["attempts"]) == 3  # type: ignore[attr-defined]


def test_empty_sql_is_repaired_even_without_validator(fake: FakeAnthropic, engine_for) -> None:
    fake.push_sql("").push_sql(GOOD_SQL)
    gen = engine_for().generate("에러 수", make_context())
    assert gen.sql == GOOD_SQL
    assert "without a query" in fake.received[1].tool_results[0]["content"]


def test_cannot_answer_raises_not_understood(fake: FakeAnthropic, engine_for) -> None:
    fake.push_sql("", "이 스키마에는 매출 데이터가 없습니다.", cannot_answer=True)
    with pytest.raises(NotUnderstood, match="매출 데이터가 없습니다"):
        engine_for().generate("지난달 매출은?", make_context())


def test_a_refusal_names_the_words_like_the_offline_engine(fake: FakeAnthropic, engine_for) -> None:
    fake.push_sql("", "There is no CPU metric in the logs.", cannot_answer=True, not_understood=["CPU usage"])
    with pytest.raises(NotUnderstood) as refused:
        engine_for().generate("What was the CPU usage of payment-api?", make_context())
    assert str(refused.value) == 'question not understood: "CPU usage" — There is no CPU metric in the logs.'


def test_the_reading_comes_from_the_tool_call(fake: FakeAnthropic, engine_for) -> None:
    fake.push_sql(GOOD_SQL, "Counts errors.", reading="errors = level ERROR · last 1 hour")
    gen = engine_for().generate("How many errors?", make_context())
    assert gen.reading == "errors = level ERROR · last 1 hour"


# --- SDK retries and unavailability --------------------------------------------------------------


def test_rate_limit_then_success(fake: FakeAnthropic, engine_for) -> None:
    fake.push_status(429, {"retry-after": "0"}).push_sql(GOOD_SQL)
    gen = engine_for().generate("에러 수", make_context())
    assert gen.sql == GOOD_SQL
    assert len(fake.received) == 2


@pytest.mark.parametrize("status", [500, 529])
def test_server_error_then_success(fake: FakeAnthropic, engine_for, status: int) -> None:
    fake.push_status(status, {"retry-after-ms": "10"}).push_sql(GOOD_SQL)
    gen = engine_for().generate("에러 수", make_context())
    assert gen.sql == GOOD_SQL
    assert len(fake.received) == 2


def test_persistent_overload_is_unavailable(fake: FakeAnthropic, engine_for) -> None:
    for _ in range(3):
        fake.push_status(529, {"retry-after-ms": "10"})

    with pytest.raises(EngineUnavailable) as caught:
        engine_for(max_retries=2).generate("에러 수", make_context())

    assert len(fake.received) == 3  # the SDK retried twice
    message = str(caught.value)
    assert "overloaded" in message and "HTTP 529" in message and "Traceback" not in message
    assert caught.value.status_code == 529 and caught.value.retryable


def test_timeout_is_unavailable(fake: FakeAnthropic, engine_for) -> None:
    fake.push_delay(5).push_delay(5)
    started = time.monotonic()

    with pytest.raises(EngineUnavailable, match=r"did not answer within 1 s") as caught:
        engine_for(timeout_s=1.0, max_retries=1).generate("에러 수", make_context())

    assert time.monotonic() - started < 4.5
    assert len(fake.received) == 2  # the timed-out attempt was retried once
    assert caught.value.retryable


def test_connection_refused_is_unavailable(engine_for) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(EngineUnavailable, match="Cannot reach the Anthropic API"):
        engine_for(base_url=url, max_retries=0).generate("에러 수", make_context())


def test_rejected_key_is_unavailable(fake: FakeAnthropic, engine_for) -> None:
    fake.push_status(401, message="invalid x-api-key")
    with pytest.raises(EngineUnavailable, match="rejected the API key") as caught:
        engine_for().generate("에러 수", make_context())
    assert len(fake.received) == 1  # 401 is not retried
    assert not caught.value.retryable


def test_missing_api_key_is_a_clear_error(fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("NLQ_ANTHROPIC_BASE_URL", fake.base_url)
    engine = AnthropicEngine()  # no key: constructing is fine, nothing is sent

    with pytest.raises(EngineNotConfigured, match="set ANTHROPIC_API_KEY"):
        engine.generate("에러 수", make_context())
    assert fake.received == []


# --- settings ------------------------------------------------------------------------------------


def test_settings_from_env() -> None:
    assert AnthropicSettings.from_env({}) == AnthropicSettings(
        api_key=None, model="claude-sonnet-4-5", base_url=None, timeout_s=30.0, max_retries=2, few_shot_k=5
    )
    env = {
        "ANTHROPIC_API_KEY": "k",
        "NLQ_ANTHROPIC_MODEL": "claude-haiku-4-5",
        "NLQ_ANTHROPIC_BASE_URL": "http://gateway:8080",
        "NLQ_ANTHROPIC_TIMEOUT_S": "7.5",
        "NLQ_ANTHROPIC_MAX_RETRIES": "0",
        "NLQ_FEW_SHOT_K": "3",
    }
    assert AnthropicSettings.from_env(env) == AnthropicSettings(
        "k", "claude-haiku-4-5", "http://gateway:8080", 7.5, 0, 3
    )
    with pytest.raises(EngineNotConfigured, match="NLQ_ANTHROPIC_TIMEOUT_S"):
        AnthropicSettings.from_env({"NLQ_ANTHROPIC_TIMEOUT_S": "soon"})
    with pytest.raises(EngineNotConfigured, match="NLQ_ANTHROPIC_MAX_RETRIES"):
        AnthropicSettings.from_env({"NLQ_ANTHROPIC_MAX_RETRIES": "-1"})
