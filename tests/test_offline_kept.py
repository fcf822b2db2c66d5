"""What the question names, the plan keeps: a catalog value linked and then dropped, or a flow
word that reaches no rows, makes the engine refuse — naming the words — instead of answering a
wider question. An API path is named by its last word and an endpoint noun."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.engine import NotUnderstood
from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.engine import understand
from tests.test_offline_coverage import CATALOG as BASE

CATALOG = {
    **BASE,
    "service": [*BASE["service"], "auth-api"],
    "error_type": [*BASE["error_type"], "NetworkError"],
    "path": [*BASE["path"], "/api/v1/login", "/api/v1/orders", "/login"],
    "metadata_keys": [*BASE["metadata_keys"], "cart_total"],
    "metadata_numeric_keys": [*BASE["metadata_numeric_keys"], "cart_total"],
}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how many login requests in the last hour", "path = '/api/v1/login'"),
        ("로그인 API 에러 몇 건", "path = '/api/v1/login'"),
        ("login endpoint, last 24h — request count per HTTP status code?", "path = '/api/v1/login'"),
        ("orders endpoint p95 last day", "path = '/api/v1/orders'"),
        ("주문 요청 평균 응답시간 최근 24시간", "path = '/api/v1/orders'"),
        ("average latency of the payment endpoint", "path = '/api/v1/payment'"),
        ("payment api p95 over the last day", "service = 'payment-api'"),  # the service keeps its name
    ],
)
def test_an_endpoint_is_named_by_its_last_word(question: str, expected: str) -> None:
    plan, _ = understand(question, CATALOG)
    sql = compile_plan(plan)
    assert expected in sql, sql


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("Any sessions in the last week where login failed two or more times?", "login"),
        ("일주일 안에 로그인 두번 이상 실패한 세션 있음?", "login"),
    ],
)
def test_a_flow_that_reaches_no_rows_is_refused(question: str, words: str) -> None:
    with pytest.raises(NotUnderstood, match=words):
        understand(question, CATALOG)


@pytest.mark.parametrize(
    "question",
    [
        "List user_123's frontend logs from the last hour in chronological order",
        "errors per 10-minute bucket over the past hour, in time order",
        "average cart_total of checkout_completed events in the last 24 hours",
        "결제 완료(checkout_completed) 최근 24시간 건수",
    ],
)
def test_order_and_identifiers_are_not_flows(question: str) -> None:
    understand(question, CATALOG)


def test_flows_written_together_are_each_a_flow() -> None:
    plan, _ = understand("user_123 1h checkout/payment-path 로그 최신순 20개", CATALOG)
    assert "LIKE '%payment%'" in compile_plan(plan) and "LIKE '%checkout%'" in compile_plan(plan)


@pytest.mark.parametrize(
    "question",
    [
        "errors per environment over the last 24h - prod vs staging vs development",
        "지난 7일 브라우저별 에러 건수 보여줘. 사파리 쪽이 의심돼서요",
        "Replay what user_123 did in the web app during the past hour: pages, clicks, submits",
    ],
)
def test_values_shown_as_groups_or_columns_are_kept(question: str) -> None:
    understand(question, CATALOG)


@pytest.mark.parametrize(
    ("question", "having"),
    [
        (
            "How many web sessions in the last 24 hours reached /cart but never made it to /checkout?",
            "HAVING BOOL_OR(path = '/cart') AND NOT BOOL_OR(path = '/checkout')",
        ),
        (
            "지난 24시간 장바구니(/cart)까지는 왔는데 /checkout은 한 번도 안 간 세션 몇 개?",
            "HAVING BOOL_OR(path = '/cart') AND NOT BOOL_OR(path = '/checkout')",
        ),
        (
            "In the last hour, how many traces contain both a frontend NetworkError and a backend TimeoutError?",
            "HAVING BOOL_OR(log_type = 'FRONTEND' AND error_type = 'NetworkError')"
            " AND BOOL_OR(log_type = 'BACKEND' AND error_type = 'TimeoutError')",
        ),
        (
            "지난 1시간 동안 프론트 NetworkError랑 백엔드 TimeoutError가 같은 trace에 같이 찍힌 게 몇 건?",
            "AND BOOL_OR(log_type = 'BACKEND' AND error_type = 'TimeoutError')",
        ),
        (
            "which users hit a TimeoutError but never a ValidationError in the last day",
            "HAVING BOOL_OR(error_type = 'TimeoutError') AND NOT BOOL_OR(error_type = 'ValidationError')",
        ),
        (
            "sessions that never reached /checkout in the last day, how many?",
            "HAVING NOT BOOL_OR(path = '/checkout')",
        ),
        ("how many sessions had no ERROR logs in the last day?", "HAVING NOT BOOL_OR(level = 'ERROR')"),
        (
            "지난 24시간 동안 브라우저 쪽에서 ERROR가 한 번도 안 난 세션 몇 개?",
            "HAVING NOT BOOL_OR(log_type = 'FRONTEND' AND level = 'ERROR')",
        ),
    ],
)
def test_set_conditions_across_the_rows_of_a_group(question: str, having: str) -> None:
    plan, _ = understand(question, CATALOG)
    sql = compile_plan(plan)
    assert having in sql, sql
    assert ("COUNT(*)" in sql) is ("how many" in question.lower() or "몇" in question), sql


def test_a_set_condition_compiles_for_bigquery() -> None:
    plan, _ = understand(
        "which users hit a TimeoutError but never a ValidationError in the last day", CATALOG
    )
    assert "NOT LOGICAL_OR(error_type = 'ValidationError')" in compile_plan(plan, "bigquery")


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("지난 24시간 에러가 없는 세션 몇 개", "없"),
        ("users with errors but no sessions", "no"),
    ],
)
def test_a_negation_nothing_excludes_is_refused(question: str, words: str) -> None:
    with pytest.raises(NotUnderstood, match=f'"{words}'):
        understand(question, CATALOG)


def test_without_duplicates_is_not_a_negation() -> None:
    plan, _ = understand(
        "지난 24시간 브라우저 쪽에서 ERROR가 적어도 한 번 난 세션이 중복 없이 몇 개?", CATALOG
    )
    assert not plan.requires and "COUNT(DISTINCT session_id)" in compile_plan(plan)


def test_a_negation_is_not_a_typo() -> None:
    with pytest.raises(NotUnderstood, match='"never'):
        understand("how many errors were never retried", CATALOG)


TEMPLATES = {**CATALOG, "message_template": ["job finished", "slow page render", "slow request"]}


@pytest.mark.parametrize(
    ("question", "present", "absent"),
    [
        (
            "Which pages raised 'slow page render' warnings this week, and how many each?",
            ["message LIKE '%slow page render%'", "GROUP BY path"],
            ["duration_ms"],  # its "slow" is the event's name, not a latency question
        ),
        (
            "최근7일 페이지별 slow page render 경고 건수",
            ["message LIKE '%slow page render%'"],
            ["duration_ms"],
        ),
        ("how many job finished logs per job in the last day", ["message LIKE '%job finished%'"], []),
        (
            "Per job name, how many inventory-worker jobs finished in the last 24 hours?",
            ["message LIKE '%job finished%'", "GROUP BY job"],
            [],
        ),
        # a template of grammar words only is the grammar: slow requests are a latency question
        ("how many slow requests over 1 s in the last hour", ["duration_ms > 1000"], ["message LIKE"]),
    ],
)
def test_a_message_template_names_its_rows(question: str, present: list[str], absent: list[str]) -> None:
    plan, _ = understand(question, TEMPLATES)
    sql = compile_plan(plan)
    assert all(p in sql for p in present) and not any(a in sql for a in absent), sql


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        ("how many slow requests in the last hour", False),
        ("느린 요청 몇 건이야 최근 1시간", False),
        ("slow requests over 2 seconds in the last hour", True),
        ("가장 느린 엔드포인트 5개", True),
        ("requests slower than 1s today", True),
    ],
)
def test_slowness_needs_a_measure_of_it(question: str, answered: bool) -> None:
    if answered:
        understand(question, CATALOG)
    else:
        with pytest.raises(NotUnderstood, match="how slow"):
            understand(question, CATALOG)
