"""A range of levels is the levels from one severity up (or down), in the log_level enum's order."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.engine import understand
from tests.test_offline_coverage import CATALOG


@pytest.mark.parametrize(
    ("question", "levels"),
    [
        ("logs at WARN or higher in the last hour", "level IN ('WARN', 'ERROR', 'FATAL')"),
        ("at least WARN level logs by service in the past day", "level IN ('WARN', 'ERROR', 'FATAL')"),
        ("지난 24시간 warn 이상 레벨 로그 몇 건", "level IN ('WARN', 'ERROR', 'FATAL')"),
        ("ERROR 이상 로그 서비스별로 몇 건이야?", "level IN ('ERROR', 'FATAL')"),
        ("WARN보다 심각한 로그 몇 건?", "level IN ('ERROR', 'FATAL')"),  # above it, not it
        ("how many INFO and below logs today", "level IN ('TRACE', 'DEBUG', 'INFO')"),
    ],
)
def test_a_range_of_levels_is_the_levels_in_it(question: str, levels: str) -> None:
    sql = compile_plan(understand(question, CATALOG)[0])
    assert levels in sql and "GROUP BY service, level" not in sql, sql  # one scope, not a comparison
