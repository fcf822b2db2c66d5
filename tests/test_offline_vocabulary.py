"""Vocabulary and conventions from the metadata: distributions, active users, a value's column
by the noun beside it, the incident window only for incident questions (question → plan)."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.offline.engine import understand
from tests.test_offline_coverage import CATALOG


@pytest.mark.parametrize(
    ("question", "dimensions"),
    [
        ("지난 7일 브라우저 분포", ["metadata.browser"]),
        ("device breakdown of frontend logs this week", ["metadata.device"]),
        (
            "What's the HTTP status code distribution for /checkout over the past day?",
            ["metadata.status_code"],
        ),
    ],
)
def test_a_distribution_is_a_breakdown(question: str, dimensions: list[str]) -> None:
    plan, _ = understand(question, CATALOG)
    assert plan.dimensions == dimensions


@pytest.mark.parametrize(
    "question", ["지난 7일 일별 활성 사용자 수", "daily active users over the past 2 weeks"]
)
def test_active_users_are_distinct_users(question: str) -> None:
    plan, _ = understand(question, CATALOG)
    assert [(m.kind, m.column) for m in plan.measures] == [("count_distinct", "user_id")]
    assert plan.bucket is not None and plan.bucket.unit == "day"


def test_a_value_in_two_columns_is_the_one_whose_noun_stands_beside_it() -> None:
    catalog = {**CATALOG, "function_name": ["sync_stock"], "metadata.job": ["sync_stock"]}
    job, _ = understand("How many sync_stock job runs ended in ERROR over the past week?", catalog)
    function, _ = understand("sync_stock 함수 에러 몇 건? 지난 1시간", catalog)
    assert ("metadata.job", "sync_stock") in [(f.column, f.value) for f in job.filters]
    assert ("function_name", "sync_stock") in [(f.column, f.value) for f in function.filters]


@pytest.mark.parametrize(
    ("question", "window"),
    [
        ("staging에 서비스별로 어떤 버전이 올라가 있는지, 로그 몇 건씩인지 보여줘", False),  # no incident
        ("payment-api 에러 몇 건?", True),  # an incident question: the last hour, named
    ],
)
def test_the_incident_window_is_for_incident_questions(question: str, window: bool) -> None:
    plan, _ = understand(question, CATALOG)
    assert (plan.window is not None) is window


def test_a_percentile_of_a_numeric_key_is_over_the_rows_that_have_it() -> None:
    plan, _ = understand("페이지별 load_ms p95 보여줘, 최근 24시간", CATALOG)
    assert [(m.kind, m.column, m.fraction) for m in plan.measures] == [
        ("percentile", "metadata.load_ms", 0.95)
    ]
    assert plan.dimensions == ["path"]
    assert not plan.has_filter("log_type")  # the key's rows, not the latency convention's backend rows


@pytest.mark.parametrize(
    ("question", "measures", "dimensions"),
    [
        (
            "Top five error types in the last hour, with affected users?",
            ["count", "count_distinct"],
            ["error_type"],
        ),
        ("최근 7일 동안 세션이 가장 많았던 사용자 10명 보여줘", ["count_distinct"], ["user_id"]),
        ("Which ten users had the most sessions in the last 7 days?", ["count_distinct"], ["user_id"]),
    ],
)
def test_counted_things_are_measures_not_breakdowns(
    question: str, measures: list[str], dimensions: list[str]
) -> None:
    plan, _ = understand(question, CATALOG)
    assert [m.kind for m in plan.measures] == measures
    assert plan.dimensions == dimensions


def test_the_kinds_of_a_noun_are_a_breakdown_by_it() -> None:
    plan, _ = understand("지난 1시간 payment-api 에러 메시지를 종류별로 세줘", CATALOG)
    assert plan.dimensions == ["message"]


def test_one_users_errors_by_type_are_error_counts_not_an_activity_summary() -> None:
    plan, _ = understand("user_94 hit which errors in the last hour, by error type?", CATALOG)
    assert plan.dimensions == ["error_type"]
    assert [m.kind for m in plan.measures] == ["count"]  # no "affected users" of one user
    assert ("level", "=", "ERROR") in [(f.column, f.op, f.value) for f in plan.filters]
