"""The plan must keep what the question asks (offline/accounting.py), and shapes the parser
misses are rebuilt (offline/refine.py): question → outcome, table-driven."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.engine import NotUnderstood
from nlq_platform.text_to_sql.offline.engine import understand
from tests.test_offline_coverage import CATALOG


@pytest.mark.parametrize(
    ("question", "kinds", "window"),
    [
        ("When was the last FATAL log?", ["last_seen"], False),
        ("FATAL 로그 마지막으로 찍힌 게 언제야?", ["last_seen"], False),
        ("지난 3시간 중에 DatabaseConnectionError가 처음 난 시각이 언제야?", ["first_seen"], True),
        ("How many distinct error types in the past 7 days?", ["count_distinct"], True),
        ("지난 7일 서로 다른 에러 타입이 몇 종류야?", ["count_distinct"], True),
        ("fastest, average and slowest response times of payment-api today", ["min", "avg", "max"], True),
    ],
)
def test_shapes_the_parser_missed_are_rebuilt(question: str, kinds: list[str], window: bool) -> None:
    plan, _ = understand(question, CATALOG)
    assert [m.kind for m in plan.measures] == kinds
    assert (plan.window is not None) is window


def test_a_listing_shows_the_columns_named() -> None:
    plan, _ = understand(
        "The five slowest requests to /api/v1/orders this week, with time, user id, trace id and duration",
        CATALOG,
    )
    assert plan.columns == ["created_at", "user_id", "trace_id", "duration_ms"]


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("Show payment-api's history from the deployments table", "deployments table"),
        ("내일 에러 몇 건 날까?", "내일"),
        ("frontend errors by screen_resolution", "screen_resolution"),
        ("리전별 에러 건수", "리전"),
        # plan shapes: a ranking with nothing to rank, a share given as a count, a rate's part
        # read as a filter, an average of per-group counts
        ("지난 1시간 가장 많이 눌린 submit 3개 뭐야?", "가장 많"),
        (
            "Error rate per environment over the last week for ValidationError on /api/v1/orders",
            "ValidationError",
        ),
        ("지난 7일 세션 하나당 평균 몇 번 클릭했어?", "평균"),
        ("지난 24시간 production 결제 합계 알려줘", "합계"),
        (
            "traces with a frontend error in the last hour: count them by backend service and method",
            "by backend service",
        ),
        ("지난 24시간 payment-api 요청이 몇 건이고 그중 POST는 몇 건이야?", "몇 건"),
        # a second window, a share of the whole read as a rate within each group
        (
            "users with a TimeoutError in the last hour who also logged in during the past 3 days",
            "past 3 days",
        ),
        ("최근 30분 동안 에러 난 사용자 중 지난 24시간 안에 결제한 사람", "지난 24시간"),
        ("What share of all errors today came from each environment?", "of all errors"),
        ("오늘 전체 에러 중 환경별 비중", "전체 에러 중"),
    ],
)
def test_what_the_plan_would_lose_is_refused_by_name(question: str, words: str) -> None:
    with pytest.raises(NotUnderstood) as refused:
        understand(question, CATALOG)
    assert words in str(refused.value)


def test_a_statistic_of_a_numeric_jsonb_key_and_a_threshold_on_an_average() -> None:
    keys = ["cart_total", "elapsed_ms", "status_code"]
    catalog = {
        **CATALOG,
        "metadata_keys": [*CATALOG.get("metadata_keys", []), *keys],
        "metadata_numeric_keys": keys,
    }
    plan, _ = understand("What was the average cart_total on checkout submits in the last 24 hours?", catalog)
    assert [(m.kind, m.column) for m in plan.measures] == [("avg", "metadata.cart_total")]
    plan, _ = understand("지난 24시간 평균 응답시간이 300ms 넘는 엔드포인트", catalog)
    assert plan.dimensions == ["path"] and plan.having is not None and plan.having[1:] == (">", 300.0)
    plan, _ = understand("backend rows in the last hour with metadata status_code >= 500, per path", catalog)
    assert plan.measures[0].kind == "count"  # a filter on the key, not a statistic of it


@pytest.mark.parametrize(
    "question",
    [
        "payment-api errors over the last hour, bucketed by 5 minutes",  # a bucket's size
        "엔드포인트별 최근 1시간 평균 응답시간을 그 전 24시간 평균이랑 비교",  # two windows compared
        "서비스별 에러율, 최근 24시간 전체 로그 중 ERROR 비율로",  # a rate's whole: the group's rows
        "최근 한 시간 동안 프론트에서 에러 난 trace 몇 개인지 세 주세요",  # "세 주세요" is no window
    ],
)
def test_one_window_a_bucket_a_comparison_and_a_rate_pass(question: str) -> None:
    understand(question, CATALOG)
