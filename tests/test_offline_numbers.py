"""Numbers the question names must be numbers the plan uses (offline/numbers.py): a threshold, a
limit, a status code or a duration that the plan lost makes the engine refuse, naming it; lengths
of time are the window's and the bucket's. Buckets of several hours; words before a key in
parentheses describe the key."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.engine import NotUnderstood
from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.engine import understand
from nlq_platform.text_to_sql.offline.numbers import named_numbers
from nlq_platform.text_to_sql.offline.reading import reading
from tests.test_offline_coverage import CATALOG as BASE

CATALOG = {
    **BASE,
    "metadata_keys": [*BASE["metadata_keys"], "elapsed_ms"],
    "metadata_numeric_keys": [*BASE["metadata_numeric_keys"], "elapsed_ms"],
}


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("top 5 slowest endpoints in the last 24 hours", [5.0]),  # 24 hours: the window's
        ("errors per 5 minutes over the past 2 days", []),
        ("requests slower than 1.5 s", [1.5]),
        ("/api/v1/login 4xx p95 v2.3.1 2026-12-01 14:30", []),  # inside values, dates and clock times
        ("sessions with at least one error", []),  # existence, not a number
        ("한 번 이상 에러가 난 사용자", []),
        ("rounded to 2 decimals", []),
        ("users on more than one kind of device", [1.0]),
        ("두 종류 이상 기기", [2.0]),
        ("세 번 넘게 실패", [3.0]),
        ("2위 서비스", []),  # an ordinal: a reference to a row
    ],
)
def test_the_numbers_a_question_names(text: str, values: list[float]) -> None:
    assert [n.value for n in named_numbers(text)] == values


@pytest.mark.parametrize(
    ("question", "words"),
    [
        (
            "How many users ran into errors on at least three different days in the past 7 days?",
            "at least three",
        ),
        ("최근 7일간 두 종류 이상 기기(device)로 접속한 사용자 수는 몇 명일까요?", "두 종류 이상"),
        ("How many users showed up on more than one kind of device in the past 7 days?", "more than one"),
    ],
)
def test_a_number_the_plan_lost_is_refused_by_name(question: str, words: str) -> None:
    with pytest.raises(NotUnderstood, match=words):
        understand(question, CATALOG)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("top 5 slowest endpoints in the last 24 hours", "LIMIT 5"),
        ("requests slower than 1.5 s in the last hour", "duration_ms > 1500"),
        ("HTTP 404 count on /api/v1/payment today", "404"),
        (
            "How many browser sessions saw at least one frontend error in the last 24 hours?",
            "COUNT(DISTINCT session_id)",
        ),
        ("users with 3 or more errors in the last 24 hours", ">= 3"),
    ],
)
def test_numbers_the_plan_uses_are_answered(question: str, expected: str) -> None:
    plan, _ = understand(question, CATALOG)
    assert expected in compile_plan(plan), compile_plan(plan)


@pytest.mark.parametrize(
    ("question", "size"),
    [
        ("errors every 6 hours over the last 7 days", "6 hours"),
        ("error count in 3-hour buckets, past 2 days", "3 hours"),
        ("payment-api 최근 24시간 평균 응답시간 6시간 단위로", "6시간"),
    ],
)
def test_buckets_of_several_hours(question: str, size: str) -> None:
    plan, default = understand(question, CATALOG)
    sql = compile_plan(plan)
    assert f"% {size.split()[0].removesuffix('시간')}" in sql and "DATE_TRUNC('HOUR'" in sql, sql
    assert size in reading(plan, question, default)


def test_words_before_a_key_in_parentheses_describe_it() -> None:
    plan, _ = understand(
        "inventory-worker job 실행 시간(elapsed_ms) 평균이 최근 24시간 동안 얼마였어?", CATALOG
    )
    assert "AVG(CAST((metadata ->> 'elapsed_ms') AS DECIMAL))" in compile_plan(plan)


@pytest.mark.parametrize(
    ("question", "words"),
    [
        (
            "Which browser and device combinations has user_42 used so far, and in how many sessions each?",
            "how many sessions",
        ),
        ("user_42는 지금까지 어떤 브라우저랑 기기로 들어왔어? 조합별 세션 수도", "세션 수"),
        (
            "What share of web-app sessions came from mobile versus desktop over the past week? Counts and percentages.",
            "share",
        ),
        ("how long does a session last on average, per device type? last 24 hours", "session last"),
        ("Give me the 7-day funnel in sessions: sessions that saw /products, /cart, /checkout", "funnel"),
    ],
)
def test_what_was_counted_or_measured_is_kept(question: str, words: str) -> None:
    with pytest.raises(NotUnderstood, match=words):
        understand(question, CATALOG)


@pytest.mark.parametrize(
    "question",
    [
        "On the /products page, how many user actions of each type were there in the last 24 hours?",
        "How many times users submitted on the /checkout page in the last 24 hours?",
        "how many sessions had errors in the last hour",
        "모바일이랑 데스크톱 비중, 기기별 건수로 최근 7일",  # the share shown by its counts
    ],
)
def test_counts_of_rows_and_of_things_are_told_apart(question: str) -> None:
    understand(question, CATALOG)


def test_a_listing_shows_the_jsonb_keys_it_names() -> None:
    catalog = {**CATALOG, "metadata_keys": [*CATALOG["metadata_keys"], "amount"]}
    catalog["metadata_numeric_keys"] = [*CATALOG["metadata_numeric_keys"], "amount"]
    catalog["error_type"] = [*CATALOG["error_type"], "PaymentDeclinedError"]
    plan, _ = understand(
        "Show me the ten latest PaymentDeclinedErrors: time, user, amount and message.", catalog
    )
    assert compile_plan(plan).startswith(
        "SELECT created_at, user_id, CAST((metadata ->> 'amount') AS DECIMAL) AS amount, message FROM logs"
    )
