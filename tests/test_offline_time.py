"""Time expressions in both languages (offline engine)."""

from __future__ import annotations

import pytest
import sqlglot

from nlq_platform.text_to_sql.offline.compiler import moment
from nlq_platform.text_to_sql.offline.timewindow import Bucket, TimePoint, parse_bucket, parse_window


@pytest.mark.parametrize(
    ("question", "start"),
    [
        ("지난 1시간 동안 발생한 에러가 몇 건이야?", "NOW() - INTERVAL '1 hour'"),
        ("최근 30분 에러", "NOW() - INTERVAL '30 minutes'"),
        ("지난 24시간 평균 응답시간", "NOW() - INTERVAL '24 hours'"),
        ("최근 7일간 로그인 실패", "NOW() - INTERVAL '7 days'"),
        ("지난 2주 동안", "NOW() - INTERVAL '14 days'"),
        ("3시간 이내에 발생한 타임아웃", "NOW() - INTERVAL '3 hours'"),
        ("how many errors in the last 2 hours?", "NOW() - INTERVAL '2 hours'"),
        ("errors over the past 7 days", "NOW() - INTERVAL '7 days'"),
        ("within 15 minutes", "NOW() - INTERVAL '15 minutes'"),
        ("in the last hour", "NOW() - INTERVAL '1 hour'"),
        ("past day", "NOW() - INTERVAL '1 day'"),
        ("last week", "NOW() - INTERVAL '7 days'"),
        ("오늘 결제 에러", "DATE_TRUNC('day', NOW())"),
        ("errors today", "DATE_TRUNC('day', NOW())"),
        ("지난 한 시간", "NOW() - INTERVAL '1 hour'"),
        ("last three hours", "NOW() - INTERVAL '3 hours'"),
        ("이번 주 웹 화면 오류", "NOW() - INTERVAL '7 days'"),  # the rolling week
        ("errors this week", "NOW() - INTERVAL '7 days'"),
        ("TimeoutError count across the trailing hour", "NOW() - INTERVAL '1 hour'"),
        ("하루 동안 시간 초과 오류가 어디서", "NOW() - INTERVAL '1 day'"),  # 시간 초과 is an error
    ],
)
def test_windows(question: str, start: str) -> None:
    window = parse_window(question)
    assert window is not None and moment(window.start).sql("postgres") == sqlglot.parse_one(
        start, read="postgres"
    ).sql("postgres")


def test_yesterday_is_bounded() -> None:
    window = parse_window("어제 발생한 에러")
    assert window is not None and window.end == TimePoint(from_midnight=True)
    assert window.start == TimePoint(1, "day", from_midnight=True)


@pytest.mark.parametrize(
    "question", ["어떤 에러가 가장 많이 발생했어?", "top 5 slowest endpoints", "user_123 journey"]
)
def test_no_window(question: str) -> None:
    assert parse_window(question) is None


@pytest.mark.parametrize(
    ("question", "bucket"),
    [
        ("payment-api 에러를 5분 단위로 보여줘", Bucket("minute", 5)),
        ("10분 간격으로", Bucket("minute", 10)),
        ("errors in 5-minute buckets", Bucket("minute", 5)),
        ("every 15 minutes", Bucket("minute", 15)),
        ("시간대별 평균 응답시간", Bucket("hour")),
        ("hourly error count", Bucket("hour")),
        ("일별 에러 추이", Bucket("day")),
        ("errors per day", Bucket("day")),
        ("분당 요청 수", Bucket("minute")),
        ("Per-hour request count", Bucket("hour")),
    ],
)
def test_buckets(question: str, bucket: Bucket) -> None:
    found = parse_bucket(question)
    assert found is not None and (found.unit, found.minutes) == (bucket.unit, bucket.minutes)


def test_a_bucket_is_not_a_window() -> None:
    assert parse_window("5분 단위로 보여줘") is None
    window = parse_window("지난 1시간 에러를 5분 단위로")
    assert window is not None and window.start == TimePoint(1, "hour")


def test_the_period_before_is_as_long_as_it_says() -> None:
    from nlq_platform.text_to_sql.offline.timewindow import relative_windows

    for question in (
        "방금 한 시간 평균이 그 앞 하루 평균보다",
        "the past hour with its average over the day before that",
    ):
        assert [w.minutes for w in relative_windows(question)] == [60, 1440]


@pytest.mark.parametrize(
    ("question", "minutes"),
    [
        ("error count for the last 60 minutes and for the preceding 60-minute window", [60, 60]),
        ("mean latency in the last 60 minutes versus the prior 24-hour window", [60, 1440]),
        ("최근 60분 평균과 그 직전 24시간 구간의 평균", [60, 1440]),
    ],
)
def test_a_span_named_like_a_bucket_is_a_window(question: str, minutes: list[int]) -> None:
    from nlq_platform.text_to_sql.offline.timewindow import relative_windows

    assert [w.minutes for w in relative_windows(question)][:2] == minutes
    assert parse_bucket(question) is None
