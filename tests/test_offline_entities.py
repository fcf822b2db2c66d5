"""Entity linking in both languages (offline engine)."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.offline.entities import duration_threshold, link_values, trace_ids, user_ids

CATALOG = {
    "service": ["payment-api", "order-api", "auth-api", "search-api", "inventory-worker", "web-app"],
    "error_type": ["DatabaseConnectionError", "TimeoutError", "ValidationError", "PaymentDeclinedError",
                   "AuthenticationError", "TypeError", "NetworkError"],
    "path": ["/api/v1/payment", "/api/v1/orders", "/api/v1/login", "/checkout", "/cart", "/products"],
    "environment": ["production", "staging", "development"],
    "method": ["GET", "POST", "PUT", "DELETE"],
    "action_type": ["click", "submit", "navigate", "view"],
}  # fmt: skip


def linked(question: str) -> set[tuple[str, str]]:
    return {(m.column, m.value) for m in link_values(question, CATALOG)}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("DatabaseConnectionError가 어느 서비스에서 가장 많이 발생했어?", {("error_type", "DatabaseConnectionError")}),
        ("payment-api의 에러", {("service", "payment-api")}),
        ("errors in payment api", {("service", "payment-api")}),
        ("타임아웃 에러가 난 요청", {("error_type", "TimeoutError")}),
        ("which services had timeouts", {("error_type", "TimeoutError")}),
        ("database connection errors by function", {("error_type", "DatabaseConnectionError")}),
        ("DB 연결 에러 몇 건?", {("error_type", "DatabaseConnectionError")}),
        ("결제 거절 에러", {("error_type", "PaymentDeclinedError")}),
        ("/api/v1/payment 엔드포인트의 시간대별 평균 응답시간", {("path", "/api/v1/payment")}),
        ("/checkout 페이지 클릭 수", {("path", "/checkout"), ("action_type", "click")}),
        ("production 환경의 order-api POST 요청", {("environment", "production"), ("service", "order-api"),
                                                  ("method", "POST")}),
        ("스테이징 에러", {("environment", "staging")}),
    ],
)  # fmt: skip
def test_catalog_values_are_linked(question: str, expected: set[tuple[str, str]]) -> None:
    assert expected <= linked(question)


EVENTS = ["worker restarted by supervisor", "refresh token expired", "refresh token rotated",
          "navigate /cart -> /checkout", "job started"]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how many refresh tokens expired today?", {("message", "refresh token expired")}),
        ("refresh token 만료(expired) 몇 번?", {("message", "refresh token expired")}),
        ("how often were refresh tokens rotated?", {("message", "refresh token rotated")}),
        ("when was the inventory worker last restarted by the supervisor?",  # beside the service
         {("message", "worker restarted by supervisor")}),
        ("average cart_total of checkout submits", set()),  # a path event is named exactly or not at all
        ("how many errors did the supervisor log?", set()),  # one word of a name is not the name
    ],
)  # fmt: skip
def test_event_names_written_in_other_words(question: str, expected: set[tuple[str, str]]) -> None:
    found = {(m.column, m.value) for m in link_values(question, {**CATALOG, "message": EVENTS})}
    assert {f for f in found if f[0] == "message"} == expected


def test_longest_match_wins_and_nothing_overlaps() -> None:
    found = linked("PaymentDeclinedError on payment-api")
    assert ("error_type", "PaymentDeclinedError") in found
    assert ("service", "payment-api") in found


def test_no_false_links_in_plain_words() -> None:
    assert linked("how many errors in the last hour?") == set()
    assert linked("지난 1시간 동안 발생한 에러가 몇 건이야?") == set()


def test_identifiers() -> None:
    assert user_ids("user_123의 마지막 결제 시도") == ["user_123"]
    assert user_ids("what did User-42 do") == ["user_42"]
    assert trace_ids("trace 4BF92F3577B34DA6A3CE929D0E0E4736 please") == ["4bf92f3577b34da6a3ce929d0e0e4736"]


@pytest.mark.parametrize(
    ("question", "op", "ms"),
    [
        ("1초 넘은 요청", ">", 1000.0),
        ("응답시간이 2초 이상인 요청", ">=", 2000.0),
        ("requests over 500 ms", ">", 500.0),
        ("longer than 1.5 seconds", ">", 1500.0),
        ("100ms 미만", "<", 100.0),
        ("최근 30분 동안 1초 넘은 요청", ">", 1000.0),
    ],
)
def test_duration_thresholds(question: str, op: str, ms: float) -> None:
    found = duration_threshold(question)
    assert found is not None and (found.op, found.value_ms) == (op, ms)


def test_no_threshold_without_a_comparison() -> None:
    assert duration_threshold("지난 30분 동안 에러") is None
    assert duration_threshold("errors in the last 5 minutes") is None
