"""The deterministic answer sentence: one table-driven case per answer shape in Korean and English,
and for every case the check that each number in the sentence is in the rows or derived from them."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlglot

from nlq_platform.metadata.schema import Column, SchemaSnapshot, Table
from nlq_platform.text_to_sql.guard import guard
from nlq_platform.text_to_sql.offline.plan import Plan
from nlq_platform.text_to_sql.offline.timewindow import Window as PlanWindow
from nlq_platform.text_to_sql.sentence import (
    Derived,
    Sentence,
    Window,
    attach,
    audit,
    build_sentence,
    extract_numbers,
    from_plan,
    from_sql,
    josa,
)
from nlq_platform.text_to_sql.sentence import format as fmt
from nlq_platform.text_to_sql.sentence.trend import direction
from nlq_platform.text_to_sql.sentence.window import from_text

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


# -- gold-style SQL (nlq_platform/evaluation/scenarios.yaml) ----------------------------------

A1 = """SELECT COUNT(*) as error_count FROM logs
WHERE level = 'ERROR' AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE;"""
A2 = """SELECT error_type, COUNT(*) as count, COUNT(DISTINCT user_id) as affected_users FROM logs
WHERE level = 'ERROR' AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE
GROUP BY error_type ORDER BY count DESC LIMIT 5;"""
A2_DISTINCT = """SELECT error_type, COUNT(*) AS cnt, COUNT(DISTINCT user_id) AS distinct_users FROM logs
WHERE level = 'ERROR' AND created_at > NOW() - INTERVAL '1 hour' GROUP BY error_type ORDER BY cnt DESC LIMIT 5"""
I06 = """SELECT function_name, COUNT(*) AS error_count FROM logs
WHERE service = 'payment-api' AND level = 'ERROR' AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE
GROUP BY function_name ORDER BY error_count DESC, function_name LIMIT 3;"""
A5 = """SELECT DATE_TRUNC('minute', created_at) - (EXTRACT(MINUTE FROM created_at)::int % 5) * INTERVAL '1 minute'
  as time_bucket, COUNT(*) as error_count FROM logs
WHERE service = 'payment-api' AND level = 'ERROR' AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE
GROUP BY time_bucket ORDER BY time_bucket;"""
I08 = """SELECT date_bin(INTERVAL '10 minutes', created_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
  COUNT(*) AS timeout_count FROM logs
WHERE error_type = 'TimeoutError' AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE
GROUP BY bucket ORDER BY bucket;"""
C2 = """SELECT DATE_TRUNC('hour', created_at) as hour, COUNT(*) as request_count, AVG(duration_ms) as avg_duration_ms
FROM logs WHERE path = '/api/v1/payment' AND duration_ms IS NOT NULL
  AND created_at > NOW() - INTERVAL '24 hours' AND deleted = FALSE
GROUP BY hour ORDER BY hour;"""
TO_CHAR = """SELECT to_char(created_at, 'YYYY-MM-DD') AS day, COUNT(*) AS log_count FROM logs
WHERE created_at > NOW() - INTERVAL '7 days' GROUP BY 1 ORDER BY 1"""
C1 = """SELECT path, COUNT(*) as request_count, AVG(duration_ms) as avg_duration_ms, MAX(duration_ms) as max_duration_ms,
  PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms) as p95_duration_ms
FROM logs WHERE path IS NOT NULL AND duration_ms IS NOT NULL AND log_type = 'BACKEND'
  AND created_at > NOW() - INTERVAL '24 hours' AND deleted = FALSE
GROUP BY path ORDER BY avg_duration_ms DESC LIMIT 5;"""
I02 = """SELECT service, COUNT(*) AS total_logs, COUNT(*) FILTER (WHERE level IN ('ERROR', 'FATAL')) AS error_logs,
  ROUND(100.0 * COUNT(*) FILTER (WHERE level IN ('ERROR', 'FATAL')) / COUNT(*), 2) AS error_rate_pct
FROM logs WHERE created_at > NOW() - INTERVAL '24 hours' AND deleted = FALSE
GROUP BY service ORDER BY error_rate_pct DESC;"""
I01 = """SELECT level, COUNT(*) AS log_count FROM logs
WHERE created_at > NOW() - INTERVAL '24 hours' AND deleted = FALSE GROUP BY level ORDER BY level;"""
I04 = """SELECT environment, COUNT(*) AS error_count FROM logs
WHERE level = 'ERROR' AND created_at > NOW() - INTERVAL '24 hours' AND deleted = FALSE
GROUP BY environment ORDER BY environment;"""
I05 = """SELECT COUNT(DISTINCT user_id) AS affected_users, COUNT(DISTINCT session_id) AS affected_sessions FROM logs
WHERE level = 'ERROR' AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE;"""
I07 = """SELECT COUNT(*) FILTER (WHERE created_at > NOW() - INTERVAL '1 hour') AS last_hour,
  COUNT(*) FILTER (WHERE created_at <= NOW() - INTERVAL '1 hour') AS previous_hour
FROM logs WHERE level = 'ERROR' AND created_at > NOW() - INTERVAL '2 hours' AND deleted = FALSE;"""
CASE_PIVOT = """SELECT SUM(CASE WHEN environment = 'production' THEN 1 ELSE 0 END) AS production,
  SUM(CASE WHEN environment = 'staging' THEN 1 ELSE 0 END) AS staging
FROM logs WHERE level = 'ERROR' AND created_at > NOW() - INTERVAL '24 hours'"""
P07 = """SELECT path, AVG(duration_ms) FILTER (WHERE created_at > NOW() - INTERVAL '1 hour') AS last_hour_avg_ms,
  AVG(duration_ms) FILTER (WHERE created_at <= NOW() - INTERVAL '1 hour') AS previous_24h_avg_ms
FROM logs WHERE log_type = 'BACKEND' AND duration_ms IS NOT NULL
  AND created_at > NOW() - INTERVAL '25 hours' AND deleted = FALSE
GROUP BY path ORDER BY path;"""
P05 = """SELECT service_version, COUNT(*) AS requests, AVG(duration_ms) AS avg_duration_ms FROM logs
WHERE service = 'payment-api' AND environment = 'production' AND duration_ms IS NOT NULL
  AND created_at > NOW() - INTERVAL '24 hours' AND deleted = FALSE
GROUP BY service_version ORDER BY service_version;"""
C4 = """SELECT created_at, log_type, service, path, level, message, error_type FROM logs
WHERE user_id = 'user_123' AND (path LIKE '%checkout%' OR path LIKE '%payment%')
  AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE
ORDER BY created_at DESC LIMIT 20;"""
P03 = """SELECT created_at, trace_id, service, path, method, duration_ms, level FROM logs
WHERE log_type = 'BACKEND' AND duration_ms IS NOT NULL AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE
ORDER BY duration_ms DESC, trace_id LIMIT 10;"""
F06 = """SELECT COUNT(DISTINCT session_id) AS checkout_sessions,
  COUNT(DISTINCT session_id) FILTER (WHERE action_type = 'submit') AS submitting_sessions,
  ROUND(100.0 * COUNT(DISTINCT session_id) FILTER (WHERE action_type = 'submit') / COUNT(DISTINCT session_id), 2)
    AS submit_rate_pct
FROM logs WHERE log_type = 'FRONTEND' AND path = '/checkout'
  AND created_at > NOW() - INTERVAL '24 hours' AND deleted = FALSE;"""
P_AVG = """SELECT AVG(duration_ms) AS avg_duration_ms, PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_ms
FROM logs WHERE service = 'payment-api' AND created_at > NOW() - INTERVAL '1 hour'"""
J05 = """SELECT user_id, COUNT(*) AS error_count FROM logs
WHERE level = 'ERROR' AND user_id IS NOT NULL AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE
GROUP BY user_id HAVING COUNT(*) >= 5 ORDER BY error_count DESC, user_id;"""

A2_ROWS = [("DatabaseConnectionError", 96, 30), ("TimeoutError", 47, 12)]
A5_ROWS = [(at(5 * i), n) for i, n in enumerate([2, 3, 3, 4, 6, 8, 9, 12, 15, 18, 20, 23])]
FALLING = [(at(5 * i), n) for i, n in enumerate([30, 25, 26, 18, 12, 9, 7, 4])]
I08_ROWS = [(at(10 * i), n) for i, n in enumerate([5, 5, 6, 5, 4, 5])]
C2_ROWS = [(at(60 * i), 100, Decimal(v)) for i, v in enumerate(["900", "850", "700", "500", "450", "400"])]
C1_ROWS = [
    ("/api/v1/payment", 340, Decimal("1234.5"), 5000, 2100.0),
    ("/api/v1/orders", 200, Decimal("850.2"), 3000, 1500.0),
]
I02_ROWS = [("payment-api", 1000, 123, Decimal("12.30")), ("auth-api", 500, 20, Decimal("4.00"))]
P07_ROWS = [
    ("/api/v1/orders", Decimal("300"), Decimal("310")),
    ("/api/v1/payment", Decimal("1200"), Decimal("850")),
    ("/api/v1/users", None, Decimal("100")),
]
C4_ROWS = [
    (
        at(58),
        "BACKEND",
        "payment-api",
        "/api/v1/payment",
        "ERROR",
        "charge failed",
        "DatabaseConnectionError",
    ),
    (at(31.5), "FRONTEND", "web-app", "/checkout", "INFO", "view", None),
    (at(2.25), "FRONTEND", "web-app", "/checkout", "INFO", "click", None),
]
P03_ROWS = [
    (at(3), "4bf92f3577b34da6a3ce929d0e0e4736", "payment-api", "/api/v1/payment", "POST", 2345, "ERROR"),
    (at(30), "00f067aa0ba902b7", "order-api", "/api/v1/orders", "GET", 850, "INFO"),
]

C_A2 = ["error_type", "count", "affected_users"]

# id, sql, columns, rows, language, window, shape, expected text
VALUES = (
    "SELECT metadata ->> 'browser' AS browser FROM logs WHERE metadata ->> 'browser' IS NOT NULL"
    " AND created_at > NOW() - INTERVAL '7 days' AND deleted = FALSE GROUP BY browser ORDER BY browser"
)
VALUES_ROWS = [("Chrome",), ("Edge",), ("Firefox",), ("Safari",), ("Samsung Internet",)]
DISTINCT_PAIRS = (
    "SELECT DISTINCT service, service_version FROM logs WHERE environment = 'staging' AND deleted = FALSE"
)
DISTINCT_PAIR_ROWS = [("auth-api", "v3.2.0"), ("order-api", "v1.9.0")]

CASES: list[tuple[str, str, list[str], list[Any], str, Any, str, str]] = [
    # headline
    ("A1-ko", A1, ["error_count"], [(128,)], "ko", None, "headline", "지난 1시간 동안 에러는 128건입니다."),
    ("A1-en", A1, ["error_count"], [(128,)], "en", None, "headline", "128 errors in the last 1 hour."),
    ("A1-one", A1, ["error_count"], [(1,)], "en", None, "headline", "1 error in the last 1 hour."),
    ("A1-big-ko", A1, ["error_count"], [(1234567,)], "ko", None, "headline", "지난 1시간 동안 에러는 1,234,567건입니다."),
    ("I05-ko", I05, ["affected_users", "affected_sessions"], [(37, 52)], "ko", None, "headline",
     "지난 1시간 동안 영향받은 사용자는 37명, 영향받은 세션은 52개입니다."),
    ("I05-en", I05, ["affected_users", "affected_sessions"], [(37, 52)], "en", None, "headline",
     "In the last 1 hour: 37 affected users and 52 affected sessions."),
    ("F06-ko", F06, ["checkout_sessions", "submitting_sessions", "submit_rate_pct"], [(120, 30, Decimal("25.00"))],
     "ko", None, "headline", "지난 24시간 동안 체크아웃 세션은 120개, 제출한 세션은 30개, 제출 비율은 25.0%입니다."),
    ("ms-ko", P_AVG, ["avg_duration_ms", "p95_ms"], [(Decimal("850.4"), 1234.0)], "ko", None, "headline",
     "지난 1시간 동안 평균 응답시간은 850 ms, p95 응답시간은 1.2 s입니다."),
    ("ms-en", P_AVG, ["avg_duration_ms", "p95_ms"], [(Decimal("850.4"), 1234.0)], "en", None, "headline",
     "In the last 1 hour: average response time 850 ms and p95 response time 1.2 s."),
    ("s-en", A1.replace("COUNT(*) as error_count", "AVG(duration_ms) AS avg_duration_ms"), ["avg_duration_ms"],
     [(Decimal("12345.6"),)], "en", None, "headline", "Average response time was 12.3 s in the last 1 hour."),
    # ranking, with a second measure
    ("A2-ko", A2, C_A2, A2_ROWS, "ko", None, "ranking",
     "지난 1시간 동안 에러는 DatabaseConnectionError가 96건(영향받은 사용자 30명, 표시된 143건 중 67.1%)으로 가장 많고,"
     " TimeoutError 47건이 뒤를 잇습니다."),
    ("A2-en", A2, C_A2, A2_ROWS, "en", None, "ranking",
     "In the last 1 hour, DatabaseConnectionError has the most errors, 96 (30 affected users; 67.1% of the 143 shown),"
     " followed by TimeoutError with 47."),
    ("A2-distinct-ko", A2_DISTINCT, ["error_type", "cnt", "distinct_users"], A2_ROWS, "ko", None, "ranking",
     "지난 1시간 동안 에러는 DatabaseConnectionError가 96건(사용자 30명, 표시된 143건 중 67.1%)으로 가장 많고,"
     " TimeoutError 47건이 뒤를 잇습니다."),
    # ranking without a second measure
    ("I06-ko", I06, ["function_name", "error_count"], [("charge", 1200), ("refund", 34), ("capture", 3)], "ko", None,
     "ranking", "지난 1시간 동안 에러는 charge가 1,200건(표시된 1,237건 중 97.0%)으로 가장 많고, refund 34건이 뒤를 잇습니다."),
    ("I06-en", I06, ["function_name", "error_count"], [("charge", 1200), ("refund", 34), ("capture", 3)], "en", None,
     "ranking", "In the last 1 hour, charge has the most errors, 1,200 (97.0% of the 1,237 shown), followed by refund with 34."),
    ("J05-ko", J05, ["user_id", "error_count"], [("user_123", 9), ("user_42", 5)], "ko", None, "ranking",
     "지난 1시간 동안 에러는 user_123이 9건(표시된 14건 중 64.3%)으로 가장 많고, user_42 5건이 뒤를 잇습니다."),
    ("C1-ko", C1, ["path", "request_count", "avg_duration_ms", "max_duration_ms", "p95_duration_ms"], C1_ROWS, "ko",
     None, "ranking",
     "지난 24시간 동안 평균 응답시간은 /api/v1/payment가 1.2 s(요청 340건)로 가장 길고, /api/v1/orders 850 ms가 뒤를 잇습니다."),
    ("C1-en", C1, ["path", "request_count", "avg_duration_ms", "max_duration_ms", "p95_duration_ms"], C1_ROWS, "en",
     None, "ranking",
     "In the last 24 hours, /api/v1/payment has the highest average response time, 1.2 s (340 requests),"
     " followed by /api/v1/orders with 850 ms."),
    ("I02-ko", I02, ["service", "total_logs", "error_logs", "error_rate_pct"], I02_ROWS, "ko", None, "ranking",
     "지난 24시간 동안 에러율은 payment-api가 12.3%(전체 로그 1,000건)로 가장 높고, auth-api 4.0%가 뒤를 잇습니다."),
    # a breakdown ordered by its key is ranked by its count
    ("I01-en", I01, ["level", "log_count"], [("DEBUG", 100), ("ERROR", 30), ("INFO", 1200), ("WARN", 60)], "en", None,
     "ranking", "In the last 24 hours, INFO has the most logs, 1,200 (86.3% of the 1,390 shown), followed by DEBUG with 100."),
    ("tie-ko", I06, ["function_name", "error_count"], [("charge", 10), ("refund", 10)], "ko", None, "ranking",
     "지난 1시간 동안 에러는 charge와 refund가 각각 10건으로 가장 많습니다."),
    ("single-en", I06, ["function_name", "error_count"], [("charge", 10)], "en", None, "ranking",
     "Only charge in the last 1 hour: 10 errors."),
    # time series
    ("A5-ko", A5, ["time_bucket", "error_count"], A5_ROWS, "ko", None, "series",
     "지난 1시간 동안 에러는 총 123건이며, 10:55 구간이 23건으로 가장 많았고, 전체적으로 증가 추세입니다."),
    ("A5-en", A5, ["time_bucket", "error_count"], A5_ROWS, "en", None, "series",
     "123 errors in the last 1 hour, peaking at 10:55 with 23; the trend is rising."),
    ("falling-ko", A5, ["time_bucket", "error_count"], FALLING, "ko", None, "series",
     "지난 1시간 동안 에러는 총 131건이며, 10:00 구간이 30건으로 가장 많았고, 전체적으로 감소 추세입니다."),
    ("falling-en", A5, ["time_bucket", "error_count"], FALLING, "en", None, "series",
     "131 errors in the last 1 hour, peaking at 10:00 with 30; the trend is falling."),
    ("I08-ko", I08, ["bucket", "timeout_count"], I08_ROWS, "ko", None, "series",
     "지난 1시간 동안 타임아웃은 총 30건이며, 10:20 구간이 6건으로 가장 많았고, 전체적으로 큰 변화 없이 고른 편입니다."),
    ("I08-en", I08, ["bucket", "timeout_count"], I08_ROWS, "en", None, "series",
     "30 timeouts in the last 1 hour, peaking at 10:20 with 6; the trend is flat."),
    ("C2-ko", C2, ["hour", "request_count", "avg_duration_ms"], C2_ROWS, "ko", None, "series",
     "지난 24시간 동안 평균 응답시간은 10:00 구간이 900 ms로 가장 길었고, 전체적으로 감소 추세입니다(요청 총 600건)."),
    ("C2-en", C2, ["hour", "request_count", "avg_duration_ms"], C2_ROWS, "en", None, "series",
     "Average response time in the last 24 hours peaked at 10:00 at 900 ms; the trend is falling (600 requests in total)."),
    ("to_char-en", TO_CHAR, ["day", "log_count"], [("2024-05-01", 40), ("2024-05-02", 55), ("2024-05-03", 80)], "en",
     None, "series", "175 logs in the last 7 days, peaking at 2024-05-03 with 80; the trend is rising."),
    # comparison
    ("I07-ko", I07, ["last_hour", "previous_hour"], [(150, 120)], "ko", None, "comparison",
     "지난 1시간 에러는 150건으로 그 전 1시간(120건)보다 30건(25.0%) 늘었습니다."),
    ("I07-en", I07, ["last_hour", "previous_hour"], [(150, 120)], "en", None, "comparison",
     "150 errors in the last 1 hour, up 30 (25.0%) from 120 in the 1 hour before."),
    ("I07-down-en", I07, ["last_hour", "previous_hour"], [(90, 120)], "en", None, "comparison",
     "90 errors in the last 1 hour, down 30 (25.0%) from 120 in the 1 hour before."),
    ("I04-ko", I04, ["environment", "error_count"], [("production", 1500), ("staging", 300)], "ko", None, "comparison",
     "지난 24시간 동안 에러는 production 1,500건, staging 300건으로 production이 staging보다 1,200건(400.0%) 더 많습니다."),
    ("I04-en", I04, ["environment", "error_count"], [("production", 1500), ("staging", 300)], "en", None, "comparison",
     "Errors in the last 24 hours: production 1,500, staging 300; production has 1,200 (400.0%) more."),
    ("case-ko", CASE_PIVOT, ["production", "staging"], [(40, 50)], "ko", None, "comparison",
     "지난 24시간 동안 에러는 production 40건, staging 50건으로 staging이 production보다 10건(25.0%) 더 많습니다."),
    ("P05-en", P05, ["service_version", "requests", "avg_duration_ms"],
     [("1.4.0", 1000, Decimal("300.5")), ("1.5.0", 900, Decimal("450.1"))], "en", None, "comparison",
     "Requests in the last 24 hours: 1.4.0 1,000, 1.5.0 900; 1.4.0 has 100 (11.1%) more."),
    ("P07-ko", P07, ["path", "last_hour_avg_ms", "previous_24h_avg_ms"], P07_ROWS, "ko", None, "comparison",
     "엔드포인트 3개 중 변화가 가장 큰 것은 /api/v1/payment로, 지난 1시간 평균 응답시간은 1.2 s로"
     " 그 전 24시간(850 ms)보다 350 ms(41.2%) 늘었습니다."),
    ("P07-en", P07, ["path", "last_hour_avg_ms", "previous_24h_avg_ms"], P07_ROWS, "en", None, "comparison",
     "Of 3 endpoints, /api/v1/payment changed the most: average response time was 1.2 s in the last 1 hour,"
     " up 350 ms (41.2%) from 850 ms in the 24 hours before."),
    # listing with its time span
    ("C4-ko", C4, ["created_at", "log_type", "service", "path", "level", "message", "error_type"], C4_ROWS, "ko", None,
     "listing", "지난 1시간 동안 로그 3건이 조회되었고, 시각은 2024-05-01 10:02:15부터 10:58:00까지입니다."),
    ("C4-en", C4, ["created_at", "log_type", "service", "path", "level", "message", "error_type"], C4_ROWS, "en", None,
     "listing", "3 logs in the last 1 hour, from 2024-05-01 10:02:15 to 10:58:00."),
    ("P03-ko", P03, ["created_at", "trace_id", "service", "path", "method", "duration_ms", "level"], P03_ROWS, "ko",
     None, "listing",
     "지난 1시간 동안 로그 2건이 조회되었고, 시각은 2024-05-01 10:03:00부터 10:30:00까지입니다. 가장 긴 응답시간은 2.3 s입니다."),
    ("P03-en", P03, ["created_at", "trace_id", "service", "path", "method", "duration_ms", "level"], P03_ROWS, "en",
     None, "listing", "2 logs in the last 1 hour, from 2024-05-01 10:03:00 to 10:30:00. The longest response time is 2.3 s."),
    ("limit-en", C4.replace("LIMIT 20", "LIMIT 3"), ["created_at", "log_type", "service", "path", "level", "message",
     "error_type"], C4_ROWS, "en", None, "listing",
     "3 logs in the last 1 hour, from 2024-05-01 10:02:15 to 10:58:00. The row limit was reached; there may be more."),
    # different values, one row each
    ("values-ko", VALUES, ["browser"], VALUES_ROWS, "ko", None, "values",
     "지난 7일 동안 브라우저는 5개입니다: Chrome, Edge, Firefox 등."),
    ("values-en", VALUES, ["browser"], VALUES_ROWS, "en", None, "values",
     "5 browsers in the last 7 days: Chrome, Edge, Firefox, …"),
    ("distinct-pairs-ko", DISTINCT_PAIRS, ["service", "service_version"], DISTINCT_PAIR_ROWS, "ko", None, "values",
     "서비스 · 버전 조합은 2개입니다: auth-api · v3.2.0, order-api · v1.9.0."),
    ("distinct-pairs-en", DISTINCT_PAIRS, ["service", "service_version"], DISTINCT_PAIR_ROWS, "en", None, "values",
     "2 service · version combinations: auth-api · v3.2.0, order-api · v1.9.0."),
    # empty
    ("empty-ko", C4, ["created_at", "log_type", "service", "path", "level", "message", "error_type"], [], "ko", None,
     "empty", "지난 1시간 동안 조건에 맞는 로그가 없습니다."),
    ("empty-en", C4, ["created_at", "log_type", "service", "path", "level", "message", "error_type"], [], "en", None,
     "empty", "No matching logs in the last 1 hour."),
    ("empty-errors-en", A2, C_A2, [], "en", None, "empty", "No matching errors in the last 1 hour."),
    # the window from the caller (the plan, words) rather than the SQL
    ("plan-window", A1.replace("AND created_at > NOW() - INTERVAL '1 hour' ", ""), ["error_count"], [(7,)], "en",
     from_plan(asdict(Plan(window=PlanWindow.last(30, "minute")))), "headline", "7 errors in the last 30 minutes."),
    ("words-window", A1, ["error_count"], [(7,)], "ko", "최근 2시간", "headline", "지난 2시간 동안 에러는 7건입니다."),
    ("no-window", "SELECT COUNT(*) FROM logs WHERE level = 'FATAL'", ["count"], [(3,)], "ko", None, "headline",
     "FATAL 로그는 3건입니다."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("sql", "columns", "rows", "lang", "window", "shape", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_sentence_per_shape(
    sql: str, columns: list[str], rows: list[Any], lang: str, window: Any, shape: str, expected: str
) -> None:
    sentence = build_sentence(sql, columns, rows, lang, window)  # type: ignore[arg-type]
    assert sentence is not None
    assert sentence.shape == shape
    assert sentence.text == expected


# -- nothing in the sentence that the rows do not say -----------------------------------------


def _row_numbers(rows: list[Any]) -> list[float]:
    out: list[float] = [float(len(rows))]
    for row in rows:
        for v in row:
            if isinstance(v, int | float | Decimal) and not isinstance(v, bool):
                out.append(float(v))
    return out


def _recomputed(d: Derived, known: list[float]) -> bool:
    """The derived number recomputed independently from inputs that are themselves known."""
    if not all(any(math.isclose(i, k, rel_tol=1e-9) for k in known) for i in d.inputs):
        return False
    a = d.inputs
    expected = {
        "sum": lambda: sum(a),
        "share": lambda: a[0] / a[1] * 100,
        "difference": lambda: abs(a[0] - a[1]),
        "change": lambda: abs(a[0] - a[1]) / abs(a[1]) * 100,
        "seconds": lambda: a[0] / 1000,
    }[d.kind]()
    return math.isclose(expected, d.value, rel_tol=1e-9)


def _explained(sentence: Sentence, rows: list[Any], sql: str) -> list[str]:
    """Each number in the text: a row value (as rounded for display) or a derived number whose
    derivation holds; window numbers must appear in the SQL's interval or the window given."""
    known = _row_numbers(rows)
    derived: list[float] = []
    for d in sentence.numbers:
        if d.kind == "row":
            assert any(math.isclose(d.value, k, rel_tol=1e-9) for k in known), d
        elif d.kind == "rows":
            assert d.value == len(rows), d
        elif d.kind == "window":
            continue
        else:
            assert _recomputed(d, known + derived), d
        derived.append(d.value)
    window_numbers = [d.value for d in sentence.numbers if d.kind == "window"]
    unexplained = []
    ignore = [t for t, _ in sentence.times] + list(sentence.labels)
    for n in extract_numbers(sentence.text, ignore=ignore):
        exponent = n.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        tolerance = 0.5 * 10**-decimals + 1e-9
        if any(abs(abs(c) - float(n)) <= tolerance for c in known + derived + window_numbers):
            continue
        unexplained.append(str(n))
    return unexplained


@pytest.mark.parametrize(
    ("sql", "columns", "rows", "lang", "window"), [pytest.param(*c[1:6], id=c[0]) for c in CASES]
)
def test_every_number_is_in_the_rows_or_derived(
    sql: str, columns: list[str], rows: list[Any], lang: str, window: Any
) -> None:
    sentence = build_sentence(sql, columns, rows, lang, window)  # type: ignore[arg-type]
    assert sentence is not None
    assert _explained(sentence, rows, sql) == []
    assert audit(sentence, rows) == []
    for shown, value in sentence.times:  # every time shown is a time of the rows
        assert any(value == cell for row in rows for cell in row), shown
    for label in sentence.labels:
        assert any(label == str(cell) for row in rows for cell in row), label
    assert "_" not in sentence.text.replace("user_", "")  # no raw alias such as error_count


def test_window_numbers_come_from_the_sql() -> None:
    sentence = build_sentence(I07, ["last_hour", "previous_hour"], [(150, 120)], "en")
    assert sentence is not None
    assert {d.value for d in sentence.numbers if d.kind == "window"} == {1.0}


def test_audit_catches_a_number_the_rows_do_not_say() -> None:
    sentence = build_sentence(A1, ["error_count"], [(128,)], "en")
    assert sentence is not None
    tampered = Sentence(sentence.text.replace("128", "129"), sentence.numbers, sentence.times, sentence.shape)
    assert audit(tampered, [(128,)])
    forged = Sentence("129 errors.", (Derived(129.0, "row"),), shape="headline")
    assert audit(forged, [(128,)])
    bad_sum = Sentence("총 10건", (Derived(10.0, "sum", (3.0, 4.0)),))
    assert audit(bad_sum, [(3,), (4,)])


def test_no_raw_alias_in_any_sentence() -> None:
    rows = [("a", 5, 2), ("b", 3, 1)]
    sql = "SELECT service, COUNT(*) AS weird_thing_count, COUNT(DISTINCT user_id) AS n_affected_customers FROM logs GROUP BY 1 ORDER BY 2 DESC"
    for lang in ("ko", "en"):
        sentence = build_sentence(sql, ["service", "weird_thing_count", "n_affected_customers"], rows, lang)
        assert sentence is not None
        assert "weird_thing_count" not in sentence.text and "n_affected_customers" not in sentence.text
        assert "_" not in sentence.text
    en = build_sentence(sql, ["service", "weird_thing_count", "n_affected_customers"], rows, "en")
    assert en is not None and "weird things" in en.text and "affected customers" in en.text


# -- rows in the shapes the service and others pass -------------------------------------------


def test_rows_as_dicts_and_lists() -> None:
    as_dicts = [{"error_type": e, "count": c, "affected_users": u} for e, c, u in A2_ROWS]
    as_lists = [list(r) for r in A2_ROWS]
    expected = build_sentence(A2, C_A2, A2_ROWS, "en")
    assert expected is not None
    for rows in (as_dicts, as_lists):
        sentence = build_sentence(A2, C_A2, rows, "en")
        assert sentence is not None and sentence.text == expected.text


def test_unknown_shapes_and_unreadable_sql_give_none() -> None:
    per_service_hour = "SELECT date_trunc('hour', created_at) AS h, service, COUNT(*) FROM logs GROUP BY 1, 2"
    assert build_sentence(per_service_hour, ["h", "service", "count"], [(T0, "a", 1)], "en") is None
    assert build_sentence("SELECT FROM WHERE (", ["x"], [(1,)], "ko") is None
    union = "SELECT 1 AS a UNION SELECT 2"
    assert build_sentence(union, ["a"], [(1,), (2,)], "en") is None
    with pytest.raises(ValueError):
        build_sentence(A1, ["error_count"], [(1,)], "fr")  # type: ignore[arg-type]


def test_bigquery_window() -> None:
    sql = (
        "SELECT COUNT(*) AS error_count FROM logs WHERE level = 'ERROR'"
        " AND created_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 3 HOUR)"
    )
    sentence = build_sentence(sql, ["error_count"], [(4,)], "en", dialect="bigquery")
    assert sentence is not None and sentence.text == "4 errors in the last 3 hours."


# -- number formatting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (999, "999"),
        (1234, "1,234"),
        (1234567, "1,234,567"),
        (12.34, "12.3"),
        (12.0, "12"),
        (1234.6, "1,235"),
    ],
)
def test_thousands_separators(value: float, expected: str) -> None:
    assert fmt.grouped(value) == expected


@pytest.mark.parametrize(
    ("ms", "expected"),
    [(850, "850 ms"), (850.4, "850 ms"), (3.46, "3.5 ms"), (999.4, "999 ms"), (999.6, "1.0 s"), (1000, "1.0 s"),
     (1234, "1.2 s"), (12345, "12.3 s"), (123456, "123.5 s")],
)  # fmt: skip
def test_durations_in_ms_and_s(ms: float, expected: str) -> None:
    assert fmt.duration_ms(ms) == expected


def test_percentages_have_one_decimal() -> None:
    assert fmt.percent(67.1328) == "67.1%"
    assert fmt.percent(25) == "25.0%"


# -- Korean particles --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("에러", "은/는", "는"), ("건", "은/는", "은"), ("사용자", "이/가", "가"), ("세션", "이/가", "이"),
        ("로그", "을/를", "를"), ("요청", "을/를", "을"), ("서비스", "과/와", "와"), ("환경", "과/와", "과"),
        ("96건", "으로/로", "으로"), ("서울", "으로/로", "로"), ("사과", "으로/로", "로"),
        ("1", "이/가", "이"), ("2", "이/가", "가"), ("3", "이/가", "이"), ("10", "이/가", "이"),
        ("user_42", "이/가", "가"), ("user_123", "이/가", "이"), ("1.4.0", "이/가", "이"), ("7", "으로/로", "로"),
        ("DatabaseConnectionError", "이/가", "가"), ("TimeoutError", "은/는", "는"), ("payment-api", "이/가", "가"),
        ("production", "이/가", "이"), ("checkout", "을/를", "을"), ("web", "이/가", "이"), ("click", "이/가", "이"),
        ("SQL", "이/가", "이"), ("API", "이/가", "가"), ("/api/v1/payment", "이/가", "가"), ("850 ms", "으로/로", "로"),
        ("12.3%", "으로/로", "로"), ("(사용자)", "이/가", "가"),
    ],
)  # fmt: skip
def test_josa(word: str, pair: str, expected: str) -> None:
    assert josa(word, pair) == expected


def test_attach_and_unknown_pair() -> None:
    assert attach("에러", "은/는") == "에러는"
    with pytest.raises(ValueError):
        josa("에러", "의/에")


# -- trend, window, extraction -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1, 2, 3, 4, 5, 6], "rising"), ([6, 5, 4, 3, 2, 1], "falling"), ([5, 5, 6, 5, 4, 5], "flat"),
     ([10, 11], "flat"), ([10, 20], "rising"), ([0, 0, 0], "flat"), ([7], None)],
)  # fmt: skip
def test_trend_direction(values: list[float], expected: str | None) -> None:
    assert direction(values) == expected


@pytest.mark.parametrize(
    ("where", "ko", "en"),
    [
        ("created_at > NOW() - INTERVAL '1 hour'", "지난 1시간 동안", "in the last 1 hour"),
        ("created_at >= now() - interval '24 hours'", "지난 24시간 동안", "in the last 24 hours"),
        ("created_at > NOW() - INTERVAL '7 days'", "지난 7일 동안", "in the last 7 days"),
        ("created_at > NOW() - '90 minutes'::interval", "지난 90분 동안", "in the last 90 minutes"),
        ("NOW() - INTERVAL '2 hours' < created_at", "지난 2시간 동안", "in the last 2 hours"),
        ("created_at >= date_trunc('day', now())", "오늘", "today"),
        (
            "created_at >= date_trunc('day', now()) - interval '1 day' AND created_at < date_trunc('day', now())",
            "어제",
            "yesterday",
        ),
        (
            "created_at > now() - interval '2 hours' AND created_at <= now() - interval '1 hour'",
            "2시간 전부터 1시간 전까지",
            "between 2 hours and 1 hour ago",
        ),
    ],
)
def test_window_from_sql(where: str, ko: str, en: str) -> None:
    window = from_sql(
        sqlglot.parse_one(f"SELECT COUNT(*) FROM logs WHERE {where} AND deleted = FALSE", read="postgres")
    )
    assert window is not None
    assert (window.phrase("ko"), window.phrase("en")) == (ko, en)


def test_window_from_sql_none_and_subquery() -> None:
    assert (
        from_sql(sqlglot.parse_one("SELECT COUNT(*) FROM logs WHERE level = 'ERROR'", read="postgres"))
        is None
    )
    nested = (
        "SELECT COUNT(*) AS failed_traces FROM (SELECT trace_id FROM logs WHERE created_at > NOW() - INTERVAL '1 hour'"
        " GROUP BY trace_id) AS traces"
    )
    assert from_sql(sqlglot.parse_one(nested, read="postgres")) == Window("last", 60)


def test_window_from_words_and_plan() -> None:
    assert from_text("1 hour") == Window("last", 60)
    assert from_text("지난 30분") == Window("last", 30)
    assert from_text("last 7 days") == Window("last", 7 * 1440)
    assert from_text("오늘") == Window("today")
    assert from_text("이번 주").phrase("ko") == "이번 주"
    plan = Plan(window=PlanWindow.last(2, "hour"))
    assert from_plan(plan) == Window("last", 120)
    assert from_plan(asdict(plan)) == Window("last", 120)
    assert from_plan(Plan()) is None
    assert from_plan(None) is None


def test_extract_numbers() -> None:
    text = "DatabaseConnectionError가 96건(사용자 30명, 표시된 1,143건 중 67.1%)으로 가장 많고, p95 1.2 s, 5xx 응답, user_123, v1."
    assert extract_numbers(text) == [
        Decimal("96"),
        Decimal("30"),
        Decimal("1143"),
        Decimal("67.1"),
        Decimal("1.2"),
    ]
    assert extract_numbers("시각은 10:05, 2.3.1 버전", ignore=["10:05", "2.3.1"]) == []
    assert extract_numbers("128 errors in the last 1 hour.") == [Decimal("128"), Decimal("1")]


# -- the SQL as the service has it: after the guard --------------------------------------------

_LOG_COLUMNS = (
    ("created_at", "timestamp with time zone"), ("level", "log_level"), ("log_type", "source_type"),
    ("service", "character varying"), ("environment", "env_type"), ("service_version", "character varying"),
    ("trace_id", "character varying"), ("user_id", "character varying"), ("session_id", "character varying"),
    ("error_type", "character varying"), ("message", "text"), ("path", "character varying"),
    ("method", "http_method"), ("action_type", "character varying"), ("function_name", "character varying"),
    ("duration_ms", "numeric"), ("deleted", "boolean"), ("metadata", "jsonb"),
)  # fmt: skip


@pytest.mark.parametrize(
    ("sql", "columns", "rows", "lang", "window", "shape", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_guarded_sql_reads_the_same(
    sql: str, columns: list[str], rows: list[Any], lang: str, window: Any, shape: str, expected: str
) -> None:
    """The service passes the guard's rewrite (CURRENT_TIMESTAMP, deleted = FALSE, a LIMIT)."""
    schema = SchemaSnapshot(tables=(Table("logs", tuple(Column(n, t) for n, t in _LOG_COLUMNS)),))
    guarded = guard(sql, schema, default_limit=1000).sql
    sentence = build_sentence(guarded, columns, rows, lang, window)  # type: ignore[arg-type]
    assert sentence is not None
    assert (sentence.shape, sentence.text) == (shape, expected)
