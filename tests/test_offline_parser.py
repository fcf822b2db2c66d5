"""The offline parser on phrasings of its own (the eval scenarios are measured separately)."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.engine import NotUnderstood
from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.parser import parse
from nlq_platform.text_to_sql.offline.plan import Filter
from nlq_platform.text_to_sql.offline.timewindow import TimePoint

CATALOG = {
    "service": ["payment-api", "order-api", "web-app"],
    "error_type": ["DatabaseConnectionError", "TimeoutError", "NetworkError"],
    "path": ["/api/v1/payment", "/api/v1/orders", "/checkout"],
    "level": ["INFO", "WARN", "ERROR", "FATAL"],
    "environment": ["production", "staging"],
}


def test_count_with_window_and_level() -> None:
    plan = parse("how many errors were logged in the past 3 hours?", CATALOG)
    assert [m.kind for m in plan.measures] == ["count"]
    assert plan.window is not None and plan.window.start == TimePoint(3, "hour")
    assert ("level", "=", "ERROR") in [(f.column, f.op, f.value) for f in plan.filters]


def test_ranking_of_error_types_includes_affected_users() -> None:
    plan = parse("가장 자주 나는 에러 상위 3개", CATALOG)
    assert plan.dimensions == ["error_type"] and plan.limit == 3
    assert [m.alias for m in plan.measures] == ["error_count", "affected_users"]


def test_a_pinned_dimension_is_a_filter_not_a_group() -> None:
    plan = parse("order-api 서비스의 일별 요청 수", CATALOG)
    assert plan.dimensions == [] and plan.bucket is not None and plan.bucket.unit == "day"


def test_latency_ranking_by_endpoint() -> None:
    plan = parse("which endpoints are the slowest by median latency?", CATALOG)
    assert plan.dimensions == ["path"]
    assert plan.order[0] == ("p50_duration_ms", True)


def test_threshold_and_listing() -> None:
    sql = compile_plan(parse("payment-api에서 2초 이상 걸린 요청 로그 보여줘", CATALOG))
    assert "duration_ms >= 2000.0" in sql and "service = 'payment-api'" in sql and "LIMIT" in sql


def test_trace_journey_is_in_time_order() -> None:
    plan = parse("trace 4bf92f3577b34da6a3ce929d0e0e4736 의 흐름을 보여줘", CATALOG)
    assert plan.is_listing and plan.order == [("created_at", False)]


@pytest.mark.parametrize("question", ["오늘 날씨 어때?", "tell me a joke", "안녕하세요"])
def test_off_topic_questions_are_not_guessed(question: str) -> None:
    with pytest.raises(NotUnderstood):
        parse(question, CATALOG)


# Phrasings the fourth blind set exposed; each test states the rule, not the set's wording.


@pytest.mark.parametrize(
    ("question", "minutes"),
    [("error counts in ten-minute chunks over the last hour", 10), ("errors per 5-minute bin today", 5)],
)
def test_spelled_bucket_sizes_and_bucket_nouns(question: str, minutes: int) -> None:
    plan = parse(question, CATALOG)
    assert plan.bucket is not None and plan.bucket.minutes == minutes


def test_a_range_back_in_time_is_as_long_as_its_difference() -> None:
    plan = parse("errors in the latest hour vs the hour before (1-2h ago)", CATALOG)
    assert plan.window is not None and plan.window.start == TimePoint(2, "hour")
    assert [m.alias for m in plan.measures] == ["recent_error_count", "previous_error_count"]


def test_capitalised_fe_is_the_frontend_but_be_the_verb_is_nothing() -> None:
    plan = parse("24h FE ERROR 세션 수", CATALOG | {"log_type": ["FRONTEND", "BACKEND"]})
    assert ("log_type", "=", "FRONTEND") in [(f.column, f.op, f.value) for f in plan.filters]
    plan = parse(
        "how many errors could there be in the last hour", CATALOG | {"log_type": ["FRONTEND", "BACKEND"]}
    )
    assert not plan.has_filter("log_type")


def test_a_user_count_per_group_is_a_measure_not_a_user_breakdown() -> None:
    plan = parse("top 3 error types this week with the number of distinct affected users per type", CATALOG)
    assert plan.dimensions == ["error_type"] and plan.limit == 3
    assert "affected_users" in [m.alias for m in plan.measures]


def test_a_listed_set_of_output_columns_is_not_a_breakdown() -> None:
    plan = parse("the 5 slowest requests today with time, service, endpoint, method and duration", CATALOG)
    assert plan.dimensions == [] and plan.limit == 5 and plan.order == [("duration_ms", True)]


def test_which_n_things_is_a_top_n_but_which_one_is_not() -> None:
    assert parse("which 4 services logged the most errors today?", CATALOG).limit == 4
    assert parse("which service had errors today, and which one had the most?", CATALOG).limit is None


def test_since_this_time_yesterday_is_the_last_24_hours_not_the_calendar_day() -> None:
    for question in ("errors since this time yesterday", "어제 이맘때부터 지금까지 에러 몇 건"):
        plan = parse(question, CATALOG)
        assert (
            plan.window is not None and plan.window.start == TimePoint(24, "hour") and plan.window.end is None
        )


def test_a_written_column_comparison_is_a_threshold_in_milliseconds() -> None:
    plan = parse("duration_ms > 1500 requests per path today", CATALOG)
    assert ("duration_ms", ">", 1500.0) in [(f.column, f.op, f.value) for f in plan.filters]


def test_a_lower_case_level_named_as_a_level_is_a_filter() -> None:
    plan = parse("which services wrote fatal-severity logs this week?", CATALOG)
    assert ("level", "=", "FATAL") in [(f.column, f.op, f.value) for f in plan.filters]


def _filters(plan) -> list[tuple]:
    return [(f.column, f.op, f.value) for f in plan.filters]


def test_fatal_alone_and_errors_or_fatal() -> None:
    assert ("level", "=", "FATAL") in _filters(
        parse("which systems had fatal crashes this week, how many each?", CATALOG)
    )
    rate = parse("per service, what portion of rows were errors or fatal crashes over the past day?", CATALOG)
    assert next(m for m in rate.measures if m.kind == "error_rate").where == (
        Filter("level", "in", ["ERROR", "FATAL"]),
    )
    assert not any(f.column == "level" for f in rate.filters)  # a rate needs every row


def test_an_ordering_spelled_out_wins() -> None:
    plan = parse(
        "last 24h per path request count, mean, max and p95 of duration_ms; top 5 by mean desc", CATALOG
    )
    assert plan.order == [("avg_duration_ms", True)] and plan.limit == 5
    plan = parse(
        "per method: how many calls and how long on average over the past day, slowest first", CATALOG
    )
    assert plan.order == [("avg_duration_ms", True)]


def test_a_threshold_written_against_the_column_in_words() -> None:
    plan = parse("per path count of backend requests with duration_ms over 1000 in the last 24h", CATALOG)
    assert ("duration_ms", ">", 1000.0) in _filters(plan)


def test_korean_can_is_not_a_count() -> None:
    plan = parse(
        "엔드포인트마다 방금 한 시간 평균 응답시간을 그 앞의 24시간 평균과 나란히 볼 수 있을까요?", CATALOG
    )
    assert [m.alias for m in plan.measures] == ["recent_avg_duration_ms", "previous_avg_duration_ms"]


def test_slowest_rows_with_their_columns_described() -> None:
    plan = parse(
        "지난 한 시간 서버 요청 중 가장 오래 걸린 10건 — 언제, 어느 시스템, 어느 주소, 어떤 방식(GET/POST), 몇 ms",
        CATALOG,
    )
    assert plan.is_listing and plan.limit == 10 and plan.order == [("duration_ms", True)]
    assert not any(f.column == "method" for f in plan.filters)


def test_a_metadata_dimension_keeps_rows_that_have_it() -> None:
    catalog = {**CATALOG, "metadata_keys": ["browser"]}
    plan = parse("which browsers had the most frontend errors in the past 7 days?", catalog)
    assert ("metadata.browser", "not_null", None) in _filters(plan)


def test_chat_shorthand() -> None:
    plan = parse("err count per env, last hr", CATALOG)
    assert plan.dimensions == ["environment"] and ("level", "=", "ERROR") in _filters(plan)
    assert plan.window is not None and plan.window.start == TimePoint(1, "hour")
    assert parse("FATAL count by svc, past wk", CATALOG).dimensions == ["service"]


def test_a_routine_is_not_a_bucket() -> None:
    assert parse("For the daily health check: how many errors in the last 24 hours?", CATALOG).bucket is None


def test_at_least_one_is_existence_not_a_threshold() -> None:
    plan = parse(
        "how many unique sessions had at least one ERROR-level frontend log in the last day?", CATALOG
    )
    assert plan.having is None and plan.dimensions == []


def test_the_side_a_request_started_on() -> None:
    catalog = {**CATALOG, "log_type": ["FRONTEND", "BACKEND", "WORKER"]}
    plan = parse(
        "how many requests in the past hour started in the browser and failed on the backend?", catalog
    )
    assert ("log_type", "=", "BACKEND") in _filters(plan) and "FRONTEND" in str(plan.filters)
    sql = compile_plan(plan, "postgres")
    assert sql.index("'FRONTEND'") < sql.index("'BACKEND'")  # the subquery finds the starting side


def test_values_without_a_measure_are_counted() -> None:
    plan = parse("checkout submits last 24h?", {**CATALOG, "action_type": ["submit", "click"]})
    assert [m.kind for m in plan.measures] == ["count"] and ("path", "=", "/checkout") in _filters(plan)


def test_over_the_previous_day_is_one_window_not_a_comparison() -> None:
    plan = parse("How many log entries were written at each log level over the previous 24 hours?", CATALOG)
    assert [m.kind for m in plan.measures] == ["count"] and plan.window.start == TimePoint(24, "hour")
    plan = parse("errors in the most recent hour and errors in the preceding hour", CATALOG)
    assert [m.alias for m in plan.measures] == ["recent_error_count", "previous_error_count"]


def test_most_to_least_is_descending() -> None:
    plan = parse(
        "which five error types showed up most often? list them from most to least frequent", CATALOG
    )
    assert plan.order == [("error_count", True)]


def test_a_korean_threshold_on_the_column_is_no_count_threshold() -> None:
    plan = parse("지난 24시간 백엔드 요청 중 duration_ms가 1000 초과인 건을 엔드포인트별로 세줘", CATALOG)
    assert ("duration_ms", ">", 1000.0) in _filters(plan) and plan.having is None


def test_our_systems_is_the_scope_not_a_breakdown() -> None:
    assert parse("how many errors have our systems logged over the past hour?", CATALOG).dimensions == []
    assert parse("for each of our systems, how many errors in the past hour?", CATALOG).dimensions == [
        "service"
    ]


def test_a_top_n_breaks_ties_on_its_groups() -> None:
    """Rows tied on the count come back in one order, so the top five are the same five each run."""
    sql = compile_plan(parse("top 3 services by error count", CATALOG))
    assert sql.endswith("ORDER BY error_count DESC, service ASC LIMIT 3")


def _understood(question: str):
    from nlq_platform.text_to_sql.offline.engine import understand

    return understand(question, {**CATALOG, "function_name": ["charge", "reserve"]})[0]


@pytest.mark.parametrize(
    "question",
    [
        "when did the last TimeoutError happen today and on which endpoint?",
        "오늘 TimeoutError가 마지막으로 난 게 언제고 어느 서비스였어?",
    ],
)
def test_one_moment_and_where_it_happened_is_one_row(question: str) -> None:
    plan = _understood(question)
    assert plan.is_listing and plan.limit == 1 and plan.columns[0] == "created_at"
    assert plan.order == [("created_at", True)]


@pytest.mark.parametrize(
    "question",
    [
        "when was the first TimeoutError of each service today?",  # each group's moment
        "서비스별로 오늘 TimeoutError가 처음 난 시각",
        "list the users hit by TimeoutError today with how many they got and when the first one came",
    ],
)
def test_each_groups_moment_is_no_single_row(question: str) -> None:
    """A table of groups, or a refusal naming the moment: never the one earliest row."""
    try:
        plan = _understood(question)
    except NotUnderstood as refusal:
        assert "moment" in str(refusal)
    else:
        assert plan.dimensions and not plan.is_listing


def test_a_top_n_may_name_its_scope_before_the_noun() -> None:
    plan = parse("top 3 order-api error messages this week", CATALOG)
    assert plan.dimensions == ["message"] and plan.limit == 3
