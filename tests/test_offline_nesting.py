"""A plan inside a plan: the groups a per-group threshold keeps, counted ("how many sessions logged
more than 40 lines"); asking *which* groups keeps the grouped answer."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.engine import understand
from nlq_platform.text_to_sql.offline.reading import reading
from tests.test_offline_coverage import CATALOG


@pytest.mark.parametrize(
    ("question", "outer", "inner"),
    [
        ("How many sessions produced more than 40 log lines in the last 24 hours?", "COUNT(*) AS sessions",
         "GROUP BY session_id HAVING COUNT(*) > 40"),
        ("지난 24시간 로그가 40건 넘게 찍힌 세션이 몇 개나 돼?", "COUNT(*) AS sessions",
         "GROUP BY session_id HAVING COUNT(*) > 40"),
        ("how many users hit at least 3 errors in the last hour?", "COUNT(*) AS users",
         "level = 'ERROR' AND user_id IS NOT NULL"),
        ("에러를 3번 이상 겪은 사용자가 몇 명이야?", "COUNT(*) AS users", "GROUP BY user_id HAVING COUNT(*) >= 3"),
    ],
)  # fmt: skip
def test_the_groups_a_threshold_keeps_are_counted(question: str, outer: str, inner: str) -> None:
    plan, default = understand(question, CATALOG)
    sql = compile_plan(plan)
    assert (
        sql.startswith(f"SELECT {outer} FROM (SELECT ")
        and inner in sql
        and sql.endswith(") AS per_" + sql.split("AS per_")[-1])
    )
    said = reading(plan, question, default)
    assert ("수 —" in said) if any("가" <= c <= "힣" for c in question) else said.startswith("number of")


@pytest.mark.parametrize(
    ("question", "grouped"),
    [
        ("which users hit at least 3 errors in the last hour?", "GROUP BY user_id HAVING COUNT(*) >= 3 ORDER BY error_count DESC"),
        ("최근 24시간 에러가 30건 넘게 난 서비스만 골라서 건수랑 같이 보여줘", "GROUP BY service HAVING COUNT(*) > 30"),
        ("지난 24시간 에러가 30건 넘게 난 서비스", "GROUP BY service HAVING COUNT(*) > 30"),
    ],
)  # fmt: skip
def test_which_groups_keeps_the_grouped_answer(question: str, grouped: str) -> None:
    sql = compile_plan(understand(question, CATALOG)[0])
    assert "FROM (" not in sql and grouped in sql


@pytest.mark.parametrize(
    ("question", "outer", "inner"),
    [
        ("What is the average number of events per session today?",
         "COUNT(*) AS sessions, AVG(log_count) AS avg_log_count_per_session", "GROUP BY session_id"),
        ("최근 24시간 사용자 한 명당 평균 에러 수", "COUNT(*) AS users, AVG(error_count)", "level = 'ERROR'"),
        ("최근 7일 production 사용자 한 명당 평균 세션 수가 몇 개예요?", "AVG(sessions) AS avg_sessions_per_user",
         "COUNT(DISTINCT session_id) AS sessions"),
        ("what is the most log lines of any one trace in the last hour?", "MAX(log_count) AS max_log_count_per_trace",
         "GROUP BY trace_id"),
        ("median number of logs per trace in the last 24 hours", "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY log_count)",
         "trace_id IS NOT NULL"),
    ],
)  # fmt: skip
def test_a_statistic_of_counts_per_group_is_taken_over_the_groups(
    question: str, outer: str, inner: str
) -> None:
    sql = compile_plan(understand(question, CATALOG)[0])
    head, _, rest = sql.partition(" FROM (")
    assert outer in head and inner in rest, sql
