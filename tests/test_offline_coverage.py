"""Every word accounted for: which words the grammar claims, which make the engine refuse, and
what the refusal says. Table-driven: the phrases live here, not in the code."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.engine import NotUnderstood
from nlq_platform.text_to_sql.offline.coverage import leftovers, suggest
from nlq_platform.text_to_sql.offline.engine import understand
from nlq_platform.text_to_sql.offline.entities import english_view
from nlq_platform.text_to_sql.offline.reading import reading
from nlq_platform.text_to_sql.offline.tokens import respace_korean, tokenize

CATALOG: dict[str, list[str]] = {
    "service": ["payment-api", "order-api", "web-app", "inventory-worker"],
    "error_type": ["DatabaseConnectionError", "TimeoutError", "ValidationError"],
    "path": ["/api/v1/payment", "/checkout", "/cart"],
    "level": ["INFO", "ERROR", "WARN", "FATAL", "DEBUG", "TRACE"],
    "log_type": ["BACKEND", "FRONTEND", "WORKER"],
    "environment": ["production", "staging", "development"],
    "method": ["GET", "POST"],
    "action_type": ["click", "submit", "view", "navigate"],
    "metadata_keys": ["browser", "os", "device", "status_code", "load_ms", "job"],
    "metadata.browser": ["Chrome", "Safari", "Samsung Internet"],
    "metadata.device": ["mobile", "desktop"],
    "metadata_numeric_keys": ["status_code", "load_ms"],
    "message": ["checkout_completed", "click add_to_cart"],
}


def unclaimed(question: str) -> list[str]:
    return [left.words.lower() for left in leftovers(english_view(question), question, CATALOG)]


@pytest.mark.parametrize(
    "question",
    [
        "지난 1시간 동안 발생한 에러가 몇 건이야?",
        "How many ERROR-level logs came in during the past hour?",
        "payment-api 에러를 5분 단위로 보여줘",
        "top 5 slowest endpoints over the last 24 hours",
        "Which users hit five or more errors in the last hour?",
        "지난24시간동안로그인API에러가몇건이야",
        "최근 1시간 DatabaseConnectionError 맞은 유저들 많이 당한 순으로 20명까지",
        "How many logs are there in total?",
    ],
)
def test_questions_of_the_grammar_are_claimed_entirely(question: str) -> None:
    assert unclaimed(question) == []


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("What is the CPU usage per service over the last hour?", "cpu usage"),
        ("Show revenue by country for the past week", "revenue"),
        ("지난 1시간 동안 메모리 사용량이 제일 높은 서비스", "메모리"),
        ("How many errors did the billing_db table log?", "billing_db"),
        ("payment-api 에러 중 status 404 말고 나머지", "말"),
        ("errors per service without the staging ones", "without"),
        ("Why did payment-api fail in the last hour?", "why"),
    ],
)
def test_words_outside_the_grammar_are_left_over(question: str, word: str) -> None:
    assert any(word in left for left in unclaimed(question)), unclaimed(question)


def test_a_refusal_names_the_words_and_close_catalog_values() -> None:
    with pytest.raises(NotUnderstood) as refused:
        understand("average load time for samsung internet users by weather", CATALOG)
    message = str(refused.value)
    assert message.startswith("question not understood:")
    assert '"weather"' in message
    assert suggest("samsung", CATALOG)[0] == "browser = 'Samsung Internet' (metadata)"


@pytest.mark.parametrize(
    ("text", "forms"),
    [
        ("trace_id랑 같이", ["trace_id", "랑", "같이"]),
        ("payment-api의 p95", ["payment-api", "의", "p", "95"]),
        ("/api/v1/orders 요청", ["/api/v1/orders", "요청"]),
    ],
)
def test_tokens_keep_identifiers_and_particles_apart(text: str, forms: list[str]) -> None:
    assert [t.text for t in tokenize(text)] == forms


def test_korean_without_spaces_is_spaced() -> None:
    assert (
        respace_korean("지난24시간동안로그인API에러가몇건이야")
        == "지난 24시간 동안 로그인 API 에러가 몇 건이야"
    )
    assert respace_korean("duration_ms가 1000 초과") == "duration_ms가 1000 초과"


@pytest.mark.parametrize(
    ("question", "window", "default"),
    [
        ("지난 1시간 동안 발생한 에러가 몇 건이야?", True, None),
        ("payment-api 에러 몇 건?", True, "장애 질문의 기본값"),
        ("How many logs are there in total?", False, None),
        ("When was the last ValidationError?", False, None),
        ("average latency per endpoint", True, "default for performance questions"),
    ],
)
def test_a_default_window_is_taken_only_by_convention_and_named(
    question: str, window: bool, default: str | None
) -> None:
    plan, taken = understand(question, CATALOG)
    assert (plan.window is not None) is window
    assert taken == default
    if default:
        assert default in reading(plan, question, taken)


def test_the_reading_names_every_condition_in_the_question_language() -> None:
    plan, default = understand("payment-api 에러를 5분 단위로", CATALOG)
    text = reading(plan, "payment-api 에러를 5분 단위로", default)
    for part in ("service = payment-api", "level = ERROR", "최근 1시간", "5분 단위"):
        assert part in text
    plan, default = understand("errors by browser in the last 7 days", CATALOG)
    text = reading(plan, "errors by browser in the last 7 days", default)
    assert "by browser (metadata)" in text and "last 7 days" in text
