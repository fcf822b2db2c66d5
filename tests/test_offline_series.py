"""A trend is a series: a question asking how something moved is answered per time bucket, sized
by the window when nobody sized it, and the reading says the size was a default. A bare "type"
is the type of what it qualifies (an action's, an error's), or the question is refused."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.engine import NotUnderstood
from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.engine import understand
from nlq_platform.text_to_sql.offline.reading import reading
from tests.test_offline_coverage import CATALOG


@pytest.mark.parametrize(
    ("question", "bucket", "default"),
    [
        ("지난 7일 에러 추이", "DATE_TRUNC('DAY', created_at)", True),
        ("error trend over the last 12 hours", "DATE_TRUNC('HOUR', created_at)", True),
        ("최근 1시간 payment-api 에러 추이", "% 5", True),  # 5-minute buckets
        ("payment-api 응답시간 추이", "DATE_TRUNC('HOUR', created_at)", True),  # the default day
        ("search-api 최근 12시간 시간당 요청 수 추이", "DATE_TRUNC('HOUR', created_at)", False),
        ("last 30 days of errors, the trend", "DATE_TRUNC('DAY', created_at)", True),
    ],
)
def test_a_trend_is_a_series_sized_by_its_window(question: str, bucket: str, default: bool) -> None:
    plan, window_default = understand(question, CATALOG)
    sql = compile_plan(plan)
    assert bucket in sql and "GROUP BY" in sql, sql
    said = reading(plan, question, window_default)
    assert (("추이의 기본 간격" in said) or ("default for a trend" in said)) is default, said


def test_a_trend_compared_with_a_period_is_not_bucketed() -> None:
    plan, _ = understand("최근 1시간 에러 추이를 그 직전 1시간과 비교해줘", CATALOG)
    assert plan.bucket is None


@pytest.mark.parametrize(
    ("question", "dimension"),
    [
        (
            "On the /products page, how many user actions of each type were there in the last 24 hours?",
            "action_type",
        ),
        ("/products 페이지 최근 24시간 액션 유형별 건수", "action_type"),
        ("each type of action on /cart in the last day, counted", "action_type"),
        ("지난 1시간 에러 유형별 건수", "error_type"),
        ("TimeoutError + ValidationError by page & type, 7d", "error_type"),
        ("최근 24시간 서비스랑 HTTP 메서드 조합별 평균 응답시간", "method"),
    ],
)
def test_a_type_is_the_type_of_what_it_qualifies(question: str, dimension: str) -> None:
    plan, _ = understand(question, CATALOG)
    assert dimension in plan.dimensions, plan.dimensions


def test_a_type_of_nothing_named_is_refused() -> None:
    with pytest.raises(NotUnderstood, match="each type"):
        understand("how long did each type take", CATALOG)


@pytest.mark.parametrize(
    ("question", "having"),
    [
        ("Which error types appeared in at least three different services over the past 7 days?",
         "GROUP BY error_type HAVING COUNT(DISTINCT service) >= 3"),
        ("최근 7일 세 개 이상 서비스에서 발생한 error_type이 뭐야?", "GROUP BY error_type HAVING COUNT(DISTINCT service) >= 3"),
        ("users who visited at least 4 different pages in the last day", "GROUP BY user_id HAVING COUNT(DISTINCT path) >= 4"),
        ("How many traces from the last 24 hours touched three or more distinct services?",
         "GROUP BY trace_id HAVING COUNT(DISTINCT service) >= 3) AS per_trace"),
        ("지난 24시간 서비스 3개 이상 거친 trace 몇 개나 돼?", "GROUP BY trace_id HAVING COUNT(DISTINCT service) >= 3)"),
        ("Which users ran into TimeoutError at least twice in the past 7 days?", "HAVING COUNT(*) >= 2"),
    ],
)  # fmt: skip
def test_a_threshold_on_how_many_is_a_having(question: str, having: str) -> None:
    sql = compile_plan(understand(question, CATALOG)[0])
    assert having in sql and "LIMIT 3" not in sql, sql  # "세 개 이상" is a threshold, never a top 3


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "서비스별로 지난 24시간 가장 오래 걸린 요청 duration_ms 최댓값 알려줘",
            "MAX(duration_ms) AS max_duration_ms",
        ),
        ("What was the single longest request duration per service in the past day?", "MAX(duration_ms)"),
        (
            "When did user_42 last hit a TimeoutError?",
            "SELECT MAX(created_at) AS last_seen",
        ),  # not user 42's rows
    ],
)
def test_a_statistic_named_outright_is_the_measure(question: str, expected: str) -> None:
    sql = compile_plan(understand(question, CATALOG)[0])
    assert expected in sql and "AVG(" not in sql, sql


def test_an_event_named_as_one_identifier_is_found_in_other_words() -> None:
    from nlq_platform.text_to_sql.offline.entities import link_values

    catalog = {**CATALOG, "message": ["checkout_completed", "submit place_order"]}
    for question in (
        "How many distinct users completed at least one checkout during the last 7 days?",
        "When did user_42 last complete a checkout?",
        "how many completed checkouts per day",
    ):
        assert [m.value for m in link_values(question, catalog) if m.column == "message"] == [
            "checkout_completed"
        ]
    assert not [m for m in link_values("checkout page errors", catalog) if m.column == "message"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # a numeric JSONB key groups numbers, so 200 and 404 sort and compare as numbers
        ("Break down /api/v1/login responses over the last 24 hours by HTTP status code.",
         "CAST((metadata ->> 'status_code') AS DECIMAL) AS status_code"),
        ("/api/v1/login 최근 24시간 응답 status_code별로 몇 건씩이야?", "GROUP BY status_code"),
        # the columns named, and only those
        ("Show the ten most recent WARN logs from web-app: time, page and message only.",
         "SELECT created_at, path, message FROM"),
        ("지난 1시간 FATAL 로그 전부 시간순으로. 시각, 서비스, 함수명, 메시지", "SELECT created_at, service, function_name, message FROM"),
        ("List every FATAL log from the past hour in chronological order, with time, service, function and message.",
         "SELECT created_at, service, function_name, message FROM"),
        # the share of those who hit an error, of every user
        ("최근 24시간 로그 남긴 사용자 중에 ERROR 한 번이라도 겪은 사람 비율?",
         "COUNT(DISTINCT user_id) FILTER(WHERE level = 'ERROR') / NULLIF(COUNT(DISTINCT user_id), 0)"),
        # the different things named are what is counted
        ("Who are the five users with the most distinct sessions over the last 7 days?",
         "SELECT user_id, COUNT(DISTINCT session_id) AS session_count"),
        ("How many distinct jobs (by job_id) did the production inventory worker run in the last 24 hours?",
         "SELECT COUNT(DISTINCT metadata ->> 'job_id')"),
    ],
)  # fmt: skip
def test_what_is_named_is_what_is_answered(question: str, expected: str) -> None:
    catalog = {**CATALOG, "metadata_keys": [*CATALOG.get("metadata_keys", []), "status_code", "job_id"],
               "metadata_numeric_keys": ["status_code", "load_ms"]}  # fmt: skip
    sql = compile_plan(understand(question, catalog)[0])
    assert expected in sql, sql
    assert "FROM logs WHERE level = 'ERROR'" not in sql, (
        sql
    )  # a share of those who hit an error needs every row


@pytest.mark.parametrize(
    "question",
    [
        "엔드포인트별로 1초 넘은 요청이 전체 요청 중 몇 %인지, 최근 24시간",
        "For each backend endpoint, what percentage of its requests in the last 24 hours took longer than 1 second?",
        "What percentage of requests took over 1 second yesterday?",
    ],
)
def test_a_share_over_a_threshold_counts_every_row(question: str) -> None:
    sql = compile_plan(understand(question, CATALOG)[0])
    part = "COUNT(*) FILTER(WHERE duration_ms > 1000.0)"
    assert f"100.0 * {part} / NULLIF(COUNT(*), 0)" in sql, sql
    assert "AND duration_ms > 1000" not in sql and "WHERE duration_ms > 1000.0 AND" not in sql, sql


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("페이지별 load_ms p90 좀 봐줄래? 최근 24시간 기준", "PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY CAST((metadata ->> 'load_ms')"),
        ("p90 latency per endpoint in the last day", "PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY duration_ms) AS p90_duration_ms"),
        ("75th percentile response time over the last hour", "PERCENTILE_CONT(0.75) WITHIN GROUP (ORDER BY duration_ms)"),
    ],
)  # fmt: skip
def test_any_percentile_by_its_number(question: str, expected: str) -> None:
    sql = compile_plan(understand(question, CATALOG)[0])
    assert expected in sql, sql


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which users hit both a TimeoutError and a ValidationError during the last hour?",
         "SELECT user_id FROM logs WHERE error_type IN ('TimeoutError', 'ValidationError') AND user_id IS NOT NULL"),
        ("지난 1시간에 TimeoutError랑 ValidationError 둘 다 겪은 사용자 누구야?", "GROUP BY user_id HAVING COUNT(DISTINCT error_type) = 2"),
        ("functions failing in both staging and production in the last day",
         "GROUP BY function_name HAVING COUNT(DISTINCT environment) = 2"),
        ("How many users came in from both a mobile and a desktop device in the past 7 days?",
         "SELECT COUNT(*) AS users FROM (SELECT user_id, COUNT(DISTINCT metadata ->> 'device')"),
        ("최근 7일 동안 mobile이랑 desktop 둘 다에서 접속한 사용자 수", "HAVING COUNT(DISTINCT metadata ->> 'device') = 2) AS per_user"),
    ],
)  # fmt: skip
def test_groups_with_both_values(question: str, expected: str) -> None:
    catalog = {**CATALOG, "metadata.device": ["mobile", "desktop"]}
    sql = compile_plan(understand(question, catalog)[0])
    assert expected in sql, sql


@pytest.mark.parametrize(
    "question",
    [
        "Which users ran into errors in both staging and production during the last 7 days? Show each one's error count per environment.",
        "both TimeoutError and ValidationError in the last hour",  # both of what groups?
    ],
)
def test_both_without_groups_it_can_build_is_refused(question: str) -> None:
    with pytest.raises(NotUnderstood, match="both"):
        understand(question, CATALOG)


def test_every_percentile_named_is_measured() -> None:
    sql = compile_plan(
        understand("What is the 99th percentile and the 90th percentile latency per service?", CATALOG)[0]
    )
    assert "PERCENTILE_CONT(0.99)" in sql and "PERCENTILE_CONT(0.9)" in sql, sql
    with pytest.raises(NotUnderstood, match="p90"):  # a count of the slow requests is another question
        understand("p90 duration of requests slower than 1 second", CATALOG)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many payment-api requests in the last 24 hours had an amount of 100,000 or more?",
         "CAST((metadata ->> 'amount') AS DECIMAL) >= 100000"),
        ("최근 24시간 payment-api에서 amount 10만원 이상 결제 요청 건수", "CAST((metadata ->> 'amount') AS DECIMAL) >= 100000"),
        ("logs with cart_total over 50000 in the last day", "CAST((metadata ->> 'cart_total') AS DECIMAL) > 50000"),
    ],
)  # fmt: skip
def test_a_numeric_key_compared_with_a_number_is_a_filter(question: str, expected: str) -> None:
    catalog = {**CATALOG, "metadata_numeric_keys": ["status_code", "load_ms", "amount", "cart_total"],
               "metadata_keys": [*CATALOG["metadata_keys"], "amount", "cart_total"]}  # fmt: skip
    sql = compile_plan(understand(question, catalog)[0])
    assert expected in sql, sql
