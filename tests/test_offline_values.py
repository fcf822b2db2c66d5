"""A list of a column's values is the values, one row each — not a count of rows per value nobody
asked for; and the rows a share of requests is of are requests."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.distinctvalues import lists_values
from nlq_platform.text_to_sql.offline.engine import understand
from nlq_platform.text_to_sql.offline.reading import reading
from tests.test_offline_coverage import CATALOG as BASE

CATALOG = {
    **BASE,
    "service": [*BASE["service"], "auth-api"],
    "path": [*BASE["path"], "/api/v1/login"],
}


@pytest.mark.parametrize(
    ("question", "columns", "present", "absent"),
    [
        ("staging 환경 로그에 찍힌 서비스별 버전 목록 좀 알려주세요", ["service", "service_version"],
         ["environment = 'staging'", "GROUP BY service, service_version"], ["COUNT", "INTERVAL"]),
        ("Which service versions show up in the staging environment's logs? One row per service and version.",
         ["service", "service_version"], ["environment = 'staging'"], ["COUNT", "INTERVAL"]),
        ("Which versions of each service were running in production over the last 24 hours?",
         ["service_version", "service"], ["INTERVAL '24 HOURS'"], ["COUNT"]),
        ("auth-api에서 지금까지 나온 에러 타입(error_type) 종류가 뭐뭐 있어?", ["error_type"],
         ["service = 'auth-api'", "error_type IS NOT NULL"], ["COUNT", "level"]),
        ("What distinct error types has auth-api ever logged?", ["error_type"], ["GROUP BY error_type"], ["COUNT"]),
        ("which browsers were used in the last 7 days", ["metadata.browser"], ["GROUP BY browser"], ["COUNT"]),
        ("어떤 환경들이 있어?", ["environment"], ["GROUP BY environment"], ["COUNT", "INTERVAL"]),
        ("list the environments", ["environment"], ["GROUP BY environment"], ["COUNT", "INTERVAL"]),
    ],
)  # fmt: skip
def test_a_list_of_values_is_the_values(
    question: str, columns: list[str], present: list[str], absent: list[str]
) -> None:
    plan, default = understand(question, CATALOG)
    assert lists_values(plan) and plan.columns == columns and default is None
    sql = compile_plan(plan)
    for fragment in present:
        assert fragment in sql, sql
    for fragment in absent:
        assert fragment not in sql, sql
    assert "distinct values" in reading(plan, question) or "서로 다른 값" in reading(plan, question)


@pytest.mark.parametrize(
    "question",
    [
        "서비스별 에러 목록",  # a list of errors (rows), grouped
        "which services logged errors in the last hour",  # counts per service
        "how many distinct error types has auth-api logged?",  # a number
        "서비스별 버전마다 로그 몇 건이야?",  # counts asked
        "에러 난 사용자 목록",  # users keep their counts and first and last seen
        "list the last 10 errors",  # rows
    ],
)
def test_a_list_of_rows_or_counts_is_not_a_list_of_values(question: str) -> None:
    plan, _ = understand(question, CATALOG)
    assert not lists_values(plan)


def test_values_of_a_jsonb_key_compile_for_bigquery() -> None:
    plan, _ = understand("which browsers were used in the last 7 days", CATALOG)
    sql = compile_plan(plan, "bigquery")
    assert "GROUP BY browser" in sql and "COUNT" not in sql


@pytest.mark.parametrize(
    "question",
    [
        "로그인 요청 에러율 최근 7일 환경별로 비교해줘",
        "For each backend endpoint, how many requests were there in the last 24 hours and what percentage of them ended in an ERROR?",
        "최근 24시간 API 엔드포인트별 요청 수하고, 그 중 ERROR로 끝난 요청 비율(%) 알려줘",
    ],
)
def test_a_share_of_requests_is_of_request_rows(question: str) -> None:
    plan, _ = understand(question, CATALOG)
    assert "duration_ms IS NOT NULL" in compile_plan(plan)


def test_a_share_of_logs_is_of_all_rows() -> None:
    plan, _ = understand("서비스별 에러율 좀 뽑아줘. 최근 24시간 전체 로그 중 ERROR/FATAL 비율로", CATALOG)
    assert "duration_ms" not in compile_plan(plan)


@pytest.mark.parametrize(
    ("question", "columns"),
    [
        # the columns named, the time among them: those
        ("가장 최근 FATAL 로그 10개 보여줘 (시각, 서비스, 메시지)", ["created_at", "service", "message"]),
        ("Show me the 10 most recent FATAL logs, newest first, with time, service and message.",
         ["created_at", "service", "message"]),
        ("최근 결제 거절(PaymentDeclinedError) 10건 보여줘. 시각, 사용자, 결제 금액, 메시지만",
         ["created_at", "user_id", "metadata.amount", "message"]),
        ("Find the single slowest /api/v1/payment request of the last 24 hours and give me its trace id, user and duration.",
         ["trace_id", "user_id", "duration_ms"]),
        # named "with" the rows: each row's time too, and what the rows are ranked by
        ("Give me the top 10 API requests by duration from the last hour, with their trace ids, user and level.",
         ["created_at", "trace_id", "user_id", "level", "duration_ms"]),
        # what the house columns hold, without the time, or a list read in part: the house rows
        ("user_123 최근 1시간 프론트 행동 순서대로 (페이지, 액션)",
         ["created_at", "path", "action_type", "level", "message"]),
        ("Play back user_123's browsing in the web app over the past hour, in the order things happened: "
         "timestamp, page, what they did, severity and message.",
         ["created_at", "path", "action_type", "level", "message"]),
        # an item's last noun is its column ("사용자 행동" is the action)
        ("최근 FATAL 로그 10개 보여줘. 시각, 프론트/백엔드 구분, 서비스, 사용자 행동, 메시지 포함해서",
         ["created_at", "log_type", "service", "action_type", "message"]),
        ("가장 최근 FATAL 로그 10개 보여줘 (시각, 로그 타입, 서비스, 사용자 행동)",
         ["created_at", "log_type", "service", "action_type"]),
    ],
)  # fmt: skip
def test_a_listing_shows_the_columns_named(question: str, columns: list[str]) -> None:
    catalog = {
        **CATALOG,
        "metadata_keys": [*CATALOG["metadata_keys"], "amount"],
        "error_type": [*CATALOG["error_type"], "PaymentDeclinedError"],
    }
    plan, _ = understand(question, catalog)
    assert plan.columns == columns
