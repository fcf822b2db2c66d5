"""Words of the data and of comparisons: an event named in its own words ("add to cart" clicks),
a reason as the message, a period "before" another, a statistic of a numeric JSONB key per time
bucket beside the count."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.engine import understand
from tests.test_offline_kept import CATALOG


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("add to cart clicks in the last 24 hours — how many?", "message = 'click add_to_cart'"),
        ("how many times was checkout completed yesterday", "message = 'checkout_completed'"),
        ("최근 7일 ValidationError 사유별로 몇 건씩이야?", "GROUP BY message"),
        ("ValidationErrors by reason, last week", "GROUP BY message"),
        (
            "Compare payment-api's p95 latency in the last 24 hours against the 24 hours before.",
            "AS previous_p95_duration_ms",
        ),
        ("errors in the last hour vs the 1 hour before that", "AS previous_error_count"),
        (
            "Day by day over the past week, how many checkouts completed and what was the sum of their cart_total?",
            "DATE_TRUNC('DAY', created_at) AS day, COUNT(*) AS count, SUM(CAST((metadata ->> 'cart_total') AS DECIMAL))",
        ),
        (
            "Hi! Could you pull how many checkouts completed in the last 24 hours and the total of their cart_total?",
            "SELECT COUNT(*) AS count, SUM(CAST((metadata ->> 'cart_total') AS DECIMAL))",
        ),
        (
            "최근 24시간 결제 완료(checkout_completed)가 몇 건이고 cart_total 합계는 얼마야?",
            "SELECT COUNT(*) AS count, SUM(CAST((metadata ->> 'cart_total') AS DECIMAL))",
        ),
        ("average load_ms per hour over the last day", "GROUP BY hour ORDER BY hour ASC"),
        (
            "What percentage of payment-api requests in the last day came from production?",
            "FILTER(WHERE environment = 'production') / NULLIF(COUNT(*), 0)",
        ),
        ("최근 24시간 order-api 요청 중 staging 비율이 몇 %야?", "FILTER(WHERE environment = 'staging')"),
        ("지금까지 쌓인 TimeoutError 전체 중에 사파리 비율이 몇 퍼센트야?", "AS safari_share_pct"),
        ("Across all the data we have, what share of TimeoutErrors came from Safari?", "AS safari_share_pct"),
    ],
)
def test_words_of_the_data_and_of_comparisons(question: str, expected: str) -> None:
    plan, _ = understand(question, CATALOG)
    sql = compile_plan(plan)
    assert expected in sql, sql
