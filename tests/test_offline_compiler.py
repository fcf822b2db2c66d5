"""The compiler builds a sqlglot tree from a plan that holds no SQL text: values are literals by
construction, LIKE patterns are escaped, a subquery is a plan inside the plan, and a plan survives
the JSON a conversation file keeps."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.plan import Filter, Measure, Plan, plan_from_dict, plan_to_dict
from nlq_platform.text_to_sql.offline.timewindow import TimePoint, Window
from tests.conftest import run_sql

HOSTILE = "o'brien'; DROP TABLE logs; --"


def test_a_value_is_a_literal_whatever_it_holds() -> None:
    plan = Plan(measures=[Measure("count", "n")], filters=[Filter("user_id", "=", HOSTILE)])
    tree = sqlglot.parse(compile_plan(plan), read="postgres")
    assert len(tree) == 1, "one statement"
    literal = tree[0].find(exp.EQ).expression
    assert isinstance(literal, exp.Literal) and literal.this == HOSTILE


def test_a_subquery_is_a_plan_inside_the_plan_and_round_trips() -> None:
    inner = Plan(
        columns=["trace_id"], window=Window(TimePoint(1, "hour")), filters=[Filter("trace_id", "not_null")]
    )
    plan = Plan(
        measures=[
            Measure("count_distinct", "traces", "trace_id"),
            Measure("count", "recent", where=(Filter("created_at", ">", TimePoint(30, "minute")),)),
        ],
        filters=[Filter("trace_id", "in subquery", inner), Filter("level", "in", ["ERROR", "FATAL"])],
        window=Window(TimePoint(1, "day", from_midnight=True), TimePoint(from_midnight=True)),
    )
    sql = compile_plan(plan)
    assert "trace_id IN (SELECT trace_id FROM logs WHERE trace_id IS NOT NULL AND created_at > " in sql
    assert "FILTER(WHERE created_at > CURRENT_TIMESTAMP - INTERVAL '30 MINUTES')" in sql
    assert "created_at < DATE_TRUNC('DAY', CURRENT_TIMESTAMP)" in sql
    again = plan_from_dict(plan_to_dict(plan))
    assert again == plan and compile_plan(again) == sql


@pytest.mark.parametrize("dialect", ["postgres", "bigquery", "duckdb"])
def test_every_dialect_gets_a_query_it_parses(dialect: str) -> None:
    plan = Plan(
        measures=[
            Measure("percentile", "p95", "duration_ms", fraction=0.95),
            Measure("avg", "load", "metadata.load_ms"),
        ],
        filters=[Filter("path", "like_any", ["add_to_cart"]), Filter("metadata.status_code", ">=", 500)],
        window=Window(TimePoint(7, "day")),
    )
    sql = compile_plan(plan, dialect)
    sqlglot.parse_one(sql, read=dialect)
    assert ("ESCAPE" in sql) == (dialect != "bigquery"), "BigQuery's LIKE escapes with backslash already"


def _like_plan(text: str) -> Plan:
    return Plan(columns=["path"], filters=[Filter("path", "like_any", [text])], order=[("path", False)])


def test_like_matches_the_words_themselves_in_duckdb() -> None:
    db = duckdb.connect()
    db.execute("CREATE TABLE logs (path TEXT, deleted BOOLEAN)")
    db.execute("INSERT INTO logs VALUES ('/add_to_cart', FALSE), ('/addXtoXcart', FALSE), ('/50%off', FALSE)")
    sql = sqlglot.transpile(compile_plan(_like_plan("add_to")), read="postgres", write="duckdb")[0]
    assert db.execute(sql).fetchall() == [("/add_to_cart",)]
    sql = sqlglot.transpile(compile_plan(_like_plan("50%")), read="postgres", write="duckdb")[0]
    assert db.execute(sql).fetchall() == [("/50%off",)]


def test_like_matches_the_words_themselves_in_postgres(clean_logs: str) -> None:
    for path in ("/add_to_cart", "/addXtoXcart"):
        run_sql(
            clean_logs,
            "INSERT INTO logs (log_type, service, message, path) VALUES ('BACKEND', 's', 'm', $1)",
            path,
        )
    rows = run_sql(clean_logs, compile_plan(_like_plan("add_to")))
    assert [r["path"] for r in rows] == ["/add_to_cart"]
