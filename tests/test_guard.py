"""The SQL guard: hostile SQL is refused, soft-deleted rows are filtered, results are bounded, and
the seed's queries pass unchanged in meaning. Pure: no database, except one optional EXPLAIN test."""

from __future__ import annotations

import time

import pytest
import sqlglot
from sqlglot import exp

from nlq_platform.metadata.schema import Column, SchemaSnapshot, Table
from nlq_platform.text_to_sql.guard import MAX_LIMIT, GuardedQuery, GuardError, guard

LOG_COLUMNS = (
    ("id", "bigint"),
    ("created_at", "timestamp with time zone"),
    ("level", "log_level"),
    ("log_type", "source_type"),
    ("service", "character varying"),
    ("environment", "env_type"),
    ("service_version", "character varying"),
    ("trace_id", "character varying"),
    ("user_id", "character varying"),
    ("session_id", "character varying"),
    ("error_type", "character varying"),
    ("message", "text"),
    ("stack_trace", "text"),
    ("path", "character varying"),
    ("method", "http_method"),
    ("action_type", "character varying"),
    ("function_name", "character varying"),
    ("file_path", "character varying"),
    ("duration_ms", "numeric"),
    ("deleted", "boolean"),
    ("metadata", "jsonb"),
)
SCHEMA = SchemaSnapshot(tables=(Table("logs", tuple(Column(n, t) for n, t in LOG_COLUMNS)),))

SEED_QUERIES = [
    "SELECT COUNT(*) as error_count FROM logs WHERE level = 'ERROR' AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE;",
    "SELECT error_type, COUNT(*) as count, COUNT(DISTINCT user_id) as affected_users FROM logs WHERE level = 'ERROR' AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE GROUP BY error_type ORDER BY count DESC LIMIT 5;",
    "SELECT service, function_name, COUNT(*) as error_count, MIN(created_at) as first_occurrence, MAX(created_at) as last_occurrence FROM logs WHERE error_type = 'DatabaseConnectionError' AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE GROUP BY service, function_name ORDER BY error_count DESC;",
    "SELECT user_id, COUNT(*) as error_count, MIN(created_at) as first_error, MAX(created_at) as last_error FROM logs WHERE error_type = 'DatabaseConnectionError' AND user_id IS NOT NULL AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE GROUP BY user_id ORDER BY error_count DESC LIMIT 20;",
    "SELECT DATE_TRUNC('minute', created_at) - (EXTRACT(MINUTE FROM created_at)::int % 5) * INTERVAL '1 minute' as time_bucket, COUNT(*) as error_count FROM logs WHERE service = 'payment-api' AND level = 'ERROR' AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE GROUP BY time_bucket ORDER BY time_bucket;",
    "SELECT path, COUNT(*) as request_count, AVG(duration_ms) as avg_duration_ms, MAX(duration_ms) as max_duration_ms, PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms) as p95_duration_ms FROM logs WHERE path IS NOT NULL AND duration_ms IS NOT NULL AND log_type = 'BACKEND' AND created_at > NOW() - INTERVAL '24 hours' AND deleted = FALSE GROUP BY path ORDER BY avg_duration_ms DESC LIMIT 5;",
    "SELECT DATE_TRUNC('hour', created_at) as hour, COUNT(*) as request_count, AVG(duration_ms) as avg_duration_ms FROM logs WHERE path = '/api/v1/payment' AND duration_ms IS NOT NULL AND created_at > NOW() - INTERVAL '24 hours' AND deleted = FALSE GROUP BY hour ORDER BY hour;",
    "SELECT service, path, COUNT(*) as timeout_count, AVG(duration_ms) as avg_duration_before_timeout FROM logs WHERE error_type = 'TimeoutError' AND created_at > NOW() - INTERVAL '24 hours' AND deleted = FALSE GROUP BY service, path ORDER BY timeout_count DESC;",
    "SELECT created_at, log_type, service, path, level, message, error_type FROM logs WHERE user_id = 'user_123' AND (path LIKE '%checkout%' OR path LIKE '%payment%') AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE ORDER BY created_at DESC LIMIT 20;",
]


def parse(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read="postgres")


def conjuncts(condition: exp.Expr | None) -> list[exp.Expr]:
    """The AND-ed terms of a predicate, parentheses removed."""
    if condition is None:
        return []
    if isinstance(condition, exp.Where):
        return conjuncts(condition.this)
    if isinstance(condition, exp.Paren):
        return conjuncts(condition.this)
    if isinstance(condition, exp.And):
        return conjuncts(condition.this) + conjuncts(condition.expression)
    return [condition]


def not_deleted(alias: str | None = None) -> exp.Expr:
    return exp.EQ(this=exp.column("deleted", table=alias), expression=exp.false())


def deleted_terms(condition: exp.Expr | None) -> list[exp.Expr]:
    """Terms of ``condition`` that mention a ``deleted`` column of its own SELECT (not of a
    subquery inside it)."""
    if condition is None:
        return []
    owner = condition.find_ancestor(exp.Select)
    return [
        t
        for t in conjuncts(condition)
        if any(c.name == "deleted" and c.find_ancestor(exp.Select) is owner for c in t.find_all(exp.Column))
    ]


def guarded(sql: str, **kwargs: object) -> tuple[GuardedQuery, exp.Select]:
    result = guard(sql, SCHEMA, **kwargs)  # type: ignore[arg-type]
    tree = parse(result.sql)
    return result, tree  # type: ignore[return-value]


# --- hostile corpus ------------------------------------------------------------------------------

HOSTILE = {
    # DML / DDL / other statements
    "delete": "DELETE FROM logs",
    "delete-where": "DELETE FROM logs WHERE level = 'ERROR'",
    "update": "UPDATE logs SET deleted = TRUE",
    "insert": "INSERT INTO logs (message) VALUES ('x')",
    "insert-select": "INSERT INTO logs SELECT * FROM logs",
    "merge": "MERGE INTO logs USING logs AS s ON logs.id = s.id WHEN MATCHED THEN DELETE",
    "drop": "DROP TABLE logs",
    "create-table": "CREATE TABLE x (a int)",
    "create-table-as": "CREATE TABLE x AS SELECT * FROM logs",
    "create-function": "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
    "alter": "ALTER TABLE logs ADD COLUMN x int",
    "truncate": "TRUNCATE logs",
    "truncate-table": "TRUNCATE TABLE logs",
    "copy-to-program": "COPY logs TO PROGRAM 'x'",
    "copy-from": "COPY logs FROM '/etc/passwd'",
    "set-role": "SET ROLE nlq",
    "set-config": "SET statement_timeout = 0",
    "reset": "RESET ALL",
    "grant": "GRANT SELECT ON logs TO public",
    "revoke": "REVOKE SELECT ON logs FROM public",
    "do-block": "DO $$ BEGIN PERFORM pg_sleep(1); END $$",
    "call": "CALL do_something()",
    "explain": "EXPLAIN SELECT * FROM logs",
    "explain-analyze-delete": "EXPLAIN ANALYZE DELETE FROM logs",
    "listen": "LISTEN channel",
    "notify": "NOTIFY channel, 'x'",
    "vacuum": "VACUUM logs",
    "begin": "BEGIN",
    "lock-table": "LOCK TABLE logs",
    "values": "VALUES (1)",
    # several statements, hidden or not
    "two-statements": "SELECT 1; DROP TABLE logs",
    "two-selects": "SELECT 1; SELECT 2",
    "line-comment-hides-delete": "SELECT * FROM logs -- x\n; DELETE FROM logs",
    "block-comment-then-delete": "SELECT * FROM logs /* ; */ ; DELETE FROM logs",
    "comment-inside-then-delete": "SELECT * /* harmless */ FROM logs; /* */ DELETE FROM logs",
    "nested-comment-then-drop": "SELECT 1 /* /* */ */ ; DROP TABLE logs",
    "leading-empty-statement": "; DELETE FROM logs",
    # SELECT variants that write or lock
    "select-into": "SELECT * INTO newtable FROM logs",
    "data-modifying-cte": "WITH x AS (DELETE FROM logs RETURNING *) SELECT * FROM x",
    "update-cte": "WITH x AS (UPDATE logs SET deleted = TRUE RETURNING id) SELECT count(*) FROM x",
    "insert-cte": "WITH x AS (INSERT INTO logs (message) VALUES ('m') RETURNING id) SELECT * FROM x",
    "for-update": "SELECT * FROM logs FOR UPDATE",
    "for-share": "SELECT id FROM logs WHERE level = 'ERROR' FOR SHARE",
    "for-update-in-subquery": "SELECT * FROM (SELECT * FROM logs FOR UPDATE) s",
    # dangerous functions, anywhere, any case
    "pg_sleep": "SELECT pg_sleep(10)",
    "pg_sleep-upper": "SELECT PG_SLEEP(10)",
    "pg_sleep-mixed-case": "SELECT Pg_Sleep(10)",
    "pg_sleep-quoted": 'SELECT "pg_sleep"(10)',
    "pg_sleep_for": "SELECT pg_sleep_for('5 minutes')",
    "pg_sleep-schema": "SELECT pg_catalog.pg_sleep(1)",
    "pg_read_file": "SELECT pg_read_file('/etc/passwd')",
    "pg_read_binary_file": "SELECT pg_read_binary_file('/etc/passwd')",
    "pg_ls_dir": "SELECT pg_ls_dir('.')",
    "pg_stat_file": "SELECT pg_stat_file('postgresql.conf')",
    "lo_import": "SELECT lo_import('/etc/passwd')",
    "lo_export": "SELECT lo_export(1, '/tmp/x')",
    "lo_get": "SELECT lo_get(1)",
    "loread": "SELECT loread(1, 10)",
    "dblink-from": "SELECT * FROM dblink('host=x', 'SELECT 1') AS t(a int)",
    "dblink-select": "SELECT dblink_exec('host=x', 'DROP TABLE logs')",
    "set_config": "SELECT set_config('role', 'nlq', false)",
    "current_setting": "SELECT current_setting('data_directory')",
    "pg_terminate_backend": "SELECT pg_terminate_backend(1)",
    "pg_cancel_backend": "SELECT pg_cancel_backend(1)",
    "pg_reload_conf": "SELECT pg_reload_conf()",
    "pg_rotate_logfile": "SELECT pg_rotate_logfile()",
    "query_to_xml": "SELECT query_to_xml('DELETE FROM logs RETURNING 1', true, true, '')",
    "table_to_xml": "SELECT table_to_xml('pg_authid', true, true, '')",
    "pg_advisory_lock": "SELECT pg_advisory_lock(1)",
    "pg_advisory_xact_lock": "SELECT pg_advisory_xact_lock(1)",
    "pg_notify": "SELECT pg_notify('c', 'x')",
    "nextval": "SELECT nextval('logs_id_seq')",
    "setval": "SELECT setval('logs_id_seq', 1)",
    "ts_stat": "SELECT * FROM logs WHERE message = (SELECT word FROM ts_stat('SELECT 1'))",
    "function-in-where": "SELECT * FROM logs WHERE level = 'ERROR' AND pg_sleep(1) IS NULL",
    "function-in-order-by": "SELECT service FROM logs ORDER BY pg_sleep(1)",
    "function-in-group-by": "SELECT count(*) FROM logs GROUP BY pg_sleep(1)",
    "function-in-having": "SELECT count(*) FROM logs HAVING count(pg_sleep(1)) > 0",
    "function-in-subquery": "SELECT * FROM logs WHERE id IN (SELECT pg_sleep(1)::int)",
    "function-in-from-subquery": "SELECT * FROM (SELECT pg_read_file('/etc/passwd') AS f) s",
    "function-in-cte": "WITH c AS (SELECT pg_sleep(1) AS z) SELECT * FROM logs, c",
    "function-in-union": "SELECT service FROM logs UNION SELECT pg_read_file('/etc/passwd')",
    "function-in-case": "SELECT CASE WHEN level = 'ERROR' THEN pg_sleep(1) END FROM logs",
    "function-in-join-on": "SELECT a.id FROM logs a JOIN logs b ON pg_sleep(1) IS NULL",
    "function-in-lateral": "SELECT * FROM logs l, LATERAL (SELECT pg_sleep(1)) x",
    "function-in-filter": "SELECT count(*) FILTER (WHERE pg_sleep(1) IS NULL) FROM logs",
    "function-in-window": "SELECT row_number() OVER (ORDER BY pg_sleep(1)) FROM logs",
    "schema-qualified-function": "SELECT public.my_function()",
    "operator-call": "SELECT 1 OPERATOR(pg_catalog.+) 2",
    # table functions
    "generate_series": "SELECT * FROM generate_series(1, 10)",
    "generate_series-join": "SELECT * FROM logs, generate_series(1, 10) g",
    "lateral-function": "SELECT * FROM logs l, LATERAL generate_series(1, 2) g",
    "rows-from": "SELECT * FROM ROWS FROM (generate_series(1, 2))",
    "unnest-from": "SELECT * FROM unnest(ARRAY[1, 2]) u",
    "jsonb-table-function": "SELECT * FROM logs, jsonb_array_elements(metadata->'items') e",
    # catalogs, other schemas, other tables
    "pg_catalog": "SELECT * FROM pg_catalog.pg_user",
    "pg_catalog-quoted": 'SELECT * FROM "pg_catalog"."pg_user"',
    "pg_shadow": "SELECT usename, passwd FROM pg_shadow",
    "pg_authid-in-subquery": "SELECT * FROM logs WHERE user_id IN (SELECT rolname FROM pg_authid)",
    "information_schema": "SELECT * FROM information_schema.tables",
    "information_schema-columns": "SELECT column_name FROM information_schema.columns",
    "other-table": "SELECT * FROM ingest_batches",
    "public-other": "SELECT * FROM public.other",
    "other-schema-logs": "SELECT * FROM audit.logs",
    "catalog-schema-logs": "SELECT * FROM nlq.public.logs",
    "unknown-table": "SELECT * FROM users",
    "unknown-table-in-join": "SELECT * FROM logs l JOIN users u ON u.id = l.user_id",
    "unknown-table-in-cte": "WITH c AS (SELECT * FROM secrets) SELECT * FROM c",
    "unknown-table-in-union": "SELECT service FROM logs UNION SELECT name FROM services",
    "unknown-table-in-exists": "SELECT * FROM logs WHERE EXISTS (SELECT 1 FROM pg_roles)",
    # unknown columns
    "unknown-column": "SELECT foo FROM logs",
    "unknown-column-alias": "SELECT l.sevice FROM logs l",
    "unknown-column-where": "SELECT id FROM logs WHERE severity = 'ERROR'",
    "unknown-column-order-by": "SELECT id FROM logs ORDER BY nope",
    "unknown-column-group-by": "SELECT count(*) FROM logs GROUP BY region",
    "unknown-column-subquery": "SELECT * FROM logs WHERE id IN (SELECT log_id FROM logs)",
    "unknown-column-cte": "WITH c AS (SELECT service FROM logs) SELECT path FROM c",
    "unknown-column-derived": "SELECT s.path FROM (SELECT service FROM logs) s",
    "unknown-alias": "SELECT x.service FROM logs l",
    "ambiguous-column": "SELECT service FROM logs a JOIN logs b ON a.id = b.id",
    "quoted-case-column": 'SELECT "Service" FROM logs',
    "column-without-from": "SELECT foo",
    "duplicate-alias": "SELECT * FROM logs a JOIN logs a ON true",
    # odd LIMITs and plain garbage
    "limit-subquery": "SELECT * FROM logs LIMIT (SELECT 5)",
    "empty": "",
    "only-semicolon": ";",
    "only-comment": "-- nothing here",
    "garbage": "SELEC * FORM logs",
    "unterminated-string": "SELECT 'abc FROM logs",
    "deeply-nested": "SELECT " + "(" * 2000 + "1" + ")" * 2000,
}


@pytest.mark.parametrize("sql", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_sql_is_refused(sql: str) -> None:
    with pytest.raises(GuardError) as info:
        guard(sql, SCHEMA)
    assert str(info.value)  # always a reason for the analyst


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DELETE FROM logs", "only SELECT queries are allowed; found DELETE"),
        ("TRUNCATE logs", "found TRUNCATE"),
        ("SET ROLE nlq", "found SET"),
        ("EXPLAIN ANALYZE DELETE FROM logs", "found EXPLAIN"),
        ("WITH x AS (DELETE FROM logs RETURNING *) SELECT * FROM x", "found DELETE"),
        ("SELECT 1; DROP TABLE logs", "only one SQL statement"),
        ("SELECT * INTO t FROM logs", "INTO"),
        ("SELECT * FROM logs FOR UPDATE", "FOR UPDATE"),
        ("SELECT PG_SLEEP(1)", "pg_sleep"),
        ("SELECT * FROM generate_series(1, 2)", "table functions"),
        ("SELECT * FROM pg_catalog.pg_user", "pg_catalog.pg_user"),
        ("SELECT l.sevice FROM logs l", "did you mean service"),
        ("SELECT erorr_type FROM logs", "unknown column 'erorr_type'; did you mean error_type"),
        ("SELECT service FROM logs a JOIN logs b ON a.id = b.id", "ambiguous"),
        ("SELECT x.service FROM logs l", "unknown table or alias 'x'"),
        ("SELECT * FROM logs WHERE (", "could not parse the SQL"),
        ("SELEC * FORM logs", "found SELEC"),
        ("", "empty"),
    ],
)
def test_refusals_say_why(sql: str, message: str) -> None:
    with pytest.raises(GuardError, match=message):
        guard(sql, SCHEMA)


def test_guard_error_is_a_value_error() -> None:
    assert issubclass(GuardError, ValueError)


# --- allowed SQL ---------------------------------------------------------------------------------

ALLOWED = {
    "star": "SELECT * FROM logs",
    "public-logs": "SELECT * FROM public.logs",
    "upper-case-table": "SELECT ID FROM LOGS",
    "jsonb": "SELECT metadata->>'browser' AS browser, COUNT(*) FROM logs GROUP BY browser",
    "jsonb-path": "SELECT metadata #>> '{device,os}' FROM logs WHERE metadata ? 'device'",
    "count-filter": "SELECT COUNT(*) FILTER (WHERE level = 'ERROR') AS errors FROM logs",
    "window": "SELECT service, ROW_NUMBER() OVER (PARTITION BY service ORDER BY created_at DESC) AS rn "
    "FROM logs",
    "window-agg": "SELECT created_at, AVG(duration_ms) OVER (ORDER BY created_at ROWS BETWEEN 5 PRECEDING "
    "AND CURRENT ROW) FROM logs",
    "percentile": "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY duration_ms) FROM logs",
    "extract": "SELECT EXTRACT(MINUTE FROM created_at) AS m, COUNT(*) FROM logs GROUP BY m",
    "date-part": "SELECT date_part('hour', created_at) FROM logs",
    "to-char": "SELECT to_char(created_at, 'YYYY-MM-DD') AS day FROM logs GROUP BY day ORDER BY day",
    "string-functions": "SELECT lower(service), upper(path), length(message), substring(message, 1, 10), "
    "split_part(path, '/', 2), coalesce(error_type, 'none'), round(duration_ms, 1) FROM logs",
    "regex": "SELECT * FROM logs WHERE message ~* 'timeout' AND path ILIKE '/api/%'",
    "interval-arith": "SELECT * FROM logs WHERE created_at BETWEEN NOW() - INTERVAL '2 days' AND NOW()",
    "case": "SELECT CASE WHEN duration_ms > 1000 THEN 'slow' ELSE 'ok' END AS speed, COUNT(*) FROM logs "
    "GROUP BY speed",
    "group-by-position": "SELECT service, COUNT(*) FROM logs GROUP BY 1 ORDER BY 2 DESC",
    "having": "SELECT service, COUNT(*) AS n FROM logs GROUP BY service HAVING COUNT(*) > 10 ORDER BY n",
    "distinct-on": "SELECT DISTINCT ON (service) service, created_at FROM logs ORDER BY service, created_at "
    "DESC",
    "cte-chain": "WITH e AS (SELECT * FROM logs WHERE level = 'ERROR'), s AS (SELECT service, COUNT(*) AS n "
    "FROM e GROUP BY service) SELECT service, n FROM s ORDER BY n DESC",
    "cte-column-list": "WITH c(svc, n) AS (SELECT service, COUNT(*) FROM logs GROUP BY service) "
    "SELECT svc, n FROM c",
    "derived-table": "SELECT s.service, s.n FROM (SELECT service, COUNT(*) AS n FROM logs GROUP BY service) s",
    "correlated-exists": "SELECT * FROM logs l WHERE EXISTS (SELECT 1 FROM logs f WHERE f.trace_id = "
    "l.trace_id AND f.log_type = 'FRONTEND')",
    "scalar-subquery": "SELECT (SELECT COUNT(*) FROM logs) AS total",
    "union-order-by": "SELECT service AS name FROM logs UNION SELECT path FROM logs ORDER BY name",
    "intersect": "SELECT trace_id FROM logs WHERE log_type = 'FRONTEND' INTERSECT SELECT trace_id FROM logs "
    "WHERE log_type = 'BACKEND'",
    "except": "SELECT user_id FROM logs EXCEPT SELECT user_id FROM logs WHERE level = 'ERROR'",
    "values": "SELECT v.x FROM (VALUES (1), (2)) AS v(x)",
    "lateral-subquery": "SELECT l.id, x.n FROM logs l, LATERAL (SELECT COUNT(*) AS n FROM logs m WHERE "
    "m.trace_id = l.trace_id) x",
    "version": "SELECT version()",
    "txid": "SELECT txid_current()",
    "select-no-from": "SELECT 1 AS one",
    "parenthesized": "(SELECT id FROM logs)",
    "trailing-semicolons": "SELECT id FROM logs;;",
    "comments": "-- top errors\nSELECT /* the id */ id FROM logs",
    "order-by-alias-over-join": "SELECT a.service AS svc FROM logs a JOIN logs b ON a.id = b.id ORDER BY svc",
    "cast": "SELECT CAST(duration_ms AS int), duration_ms::text FROM logs",
    "enum-in-list": "SELECT * FROM logs WHERE level IN ('ERROR', 'FATAL') AND method = 'POST'",
    "offset": "SELECT id FROM logs ORDER BY id LIMIT 10 OFFSET 20",
}


@pytest.mark.parametrize("sql", list(ALLOWED.values()), ids=list(ALLOWED))
def test_ordinary_queries_pass(sql: str) -> None:
    _, tree = guarded(sql)
    assert isinstance(tree, exp.Query)
    assert tree.args.get("limit") is not None  # every result is bounded


# --- the seed's queries --------------------------------------------------------------------------


@pytest.mark.parametrize("sql", SEED_QUERIES, ids=[f"seed-{i}" for i in range(1, 10)])
def test_seed_queries_pass_unchanged_in_meaning(sql: str) -> None:
    result, tree = guarded(sql)
    expected = parse(sql)
    had_limit = expected.args.get("limit") is not None
    if not had_limit:
        expected.set("limit", exp.Limit(expression=exp.Literal.number(1000)))
    assert tree == expected  # same AST: only the LIMIT may be new
    assert result.tables == ("logs",)
    assert result.deleted_filter_added is False  # they already filter deleted = FALSE
    assert result.limit_added is not had_limit
    assert len(deleted_terms(tree.args.get("where"))) == 1


def test_seed_postgres_constructs_survive() -> None:
    p95 = parse(guard(SEED_QUERIES[5], SCHEMA).sql)
    within = p95.find(exp.WithinGroup)
    assert within is not None and isinstance(within.this, exp.PercentileCont)
    assert within.find(exp.Column).name == "duration_ms"

    bucket = guard(SEED_QUERIES[4], SCHEMA).sql
    tree = parse(bucket)
    assert tree.find(exp.Extract) is not None and tree.find(exp.Mod) is not None
    assert tree.find(exp.Cast).to.this == exp.DataType.Type.INT
    assert "DATE_TRUNC('MINUTE', CREATED_AT)" in bucket.upper()
    assert [g.name for g in tree.args["group"].expressions] == ["time_bucket"]
    assert "INTERVAL '1 HOUR'" in guard(SEED_QUERIES[0], SCHEMA).sql.upper()


def test_guard_is_fast() -> None:
    for sql in SEED_QUERIES:  # warm up
        guard(sql, SCHEMA)
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        for sql in SEED_QUERIES:
            guard(sql, SCHEMA)
    per_query_ms = (time.perf_counter() - start) / (rounds * len(SEED_QUERIES)) * 1000
    # typically 1-4 ms (sqlglot parse + generate dominate); generous for loaded CI machines
    assert per_query_ms < 15, f"{per_query_ms:.1f} ms per query"


# --- soft delete ---------------------------------------------------------------------------------


def test_plain_query_gets_deleted_false() -> None:
    result, tree = guarded("SELECT id FROM logs WHERE level = 'ERROR'")
    assert result.deleted_filter_added
    terms = conjuncts(tree.args["where"])
    assert not_deleted() in terms
    assert parse("SELECT 1 WHERE level = 'ERROR'").args["where"].this in terms


def test_query_without_where_gets_one() -> None:
    _, tree = guarded("SELECT COUNT(*) FROM logs")
    assert deleted_terms(tree.args["where"]) == [not_deleted()]


def test_or_predicate_keeps_its_meaning() -> None:
    _, tree = guarded("SELECT id FROM logs WHERE level = 'ERROR' OR level = 'FATAL'")
    terms = conjuncts(tree.args["where"])
    assert not_deleted() in terms
    assert any(isinstance(t, exp.Or) for t in terms)  # (a OR b) AND deleted = FALSE


def test_alias_single_table() -> None:
    _, tree = guarded("SELECT l.id FROM logs l WHERE l.level = 'ERROR'")
    assert len(deleted_terms(tree.args["where"])) == 1


def test_cte_gets_filter_inside() -> None:
    result, tree = guarded(
        "WITH errors AS (SELECT * FROM logs WHERE level = 'ERROR') "
        "SELECT service, COUNT(*) FROM errors GROUP BY service"
    )
    assert result.deleted_filter_added
    cte = tree.find(exp.CTE)
    assert deleted_terms(cte.this.args["where"]) == [not_deleted()]
    assert tree.args.get("where") is None  # the outer query reads the CTE, not logs


def test_subquery_in_from_gets_filter() -> None:
    _, tree = guarded("SELECT s.service FROM (SELECT service FROM logs WHERE level = 'ERROR') s")
    inner = tree.find(exp.Subquery).this
    assert deleted_terms(inner.args["where"]) == [not_deleted()]


def test_subquery_in_where_gets_filter_and_so_does_outer() -> None:
    _, tree = guarded(
        "SELECT * FROM logs WHERE trace_id IN (SELECT trace_id FROM logs WHERE level = 'ERROR')"
    )
    assert deleted_terms(tree.args["where"]) == [not_deleted()]
    inner = tree.find(exp.In).args["query"].this
    assert deleted_terms(inner.args["where"]) == [not_deleted()]


def test_union_branches_each_get_filter() -> None:
    _, tree = guarded("SELECT service FROM logs WHERE level = 'ERROR' UNION ALL SELECT service FROM logs")
    assert isinstance(tree, exp.Union)
    for branch in (tree.left, tree.right):
        assert deleted_terms(branch.args["where"]) == [not_deleted()]
    assert tree.args["limit"] is not None


def test_self_join_filters_both_aliases() -> None:
    _, tree = guarded(
        "SELECT f.message, b.message FROM logs f JOIN logs b ON f.trace_id = b.trace_id "
        "WHERE f.log_type = 'FRONTEND' AND b.log_type = 'BACKEND'"
    )
    terms = deleted_terms(tree.args["where"])
    assert not_deleted("f") in terms and not_deleted("b") in terms and len(terms) == 2


def test_self_join_already_filtered_on_one_side() -> None:
    _, tree = guarded("SELECT f.id FROM logs f JOIN logs b ON f.trace_id = b.trace_id AND b.deleted = FALSE")
    assert deleted_terms(tree.args["where"]) == [not_deleted("f")]
    assert deleted_terms(tree.find(exp.Join).args["on"]) == [not_deleted("b")]


def test_left_join_filter_goes_into_on() -> None:
    _, tree = guarded("SELECT f.id, b.id FROM logs f LEFT JOIN logs b ON f.trace_id = b.trace_id")
    assert deleted_terms(tree.args["where"]) == [not_deleted("f")]
    assert deleted_terms(tree.find(exp.Join).args["on"]) == [not_deleted("b")]


def test_left_join_using_wraps_in_filtered_subquery() -> None:
    _, tree = guarded("SELECT f.id FROM logs f LEFT JOIN logs b USING (trace_id)")
    joined = tree.find(exp.Join).this
    assert isinstance(joined, exp.Subquery) and joined.alias == "b"
    assert deleted_terms(joined.this.args["where"]) == [not_deleted()]


def test_full_join_wraps_both_sides() -> None:
    _, tree = guarded("SELECT f.id FROM logs f FULL JOIN logs b ON f.trace_id = b.trace_id")
    subqueries = list(tree.find_all(exp.Subquery))
    assert sorted(s.alias for s in subqueries) == ["b", "f"]
    for s in subqueries:
        assert deleted_terms(s.this.args["where"]) == [not_deleted()]


def test_join_with_cte_qualifies_the_filter() -> None:
    _, tree = guarded(
        "WITH t AS (SELECT DISTINCT trace_id FROM logs WHERE level = 'ERROR') "
        "SELECT l.message FROM logs l JOIN t ON t.trace_id = l.trace_id"
    )
    assert deleted_terms(tree.args["where"]) == [not_deleted("l")]


@pytest.mark.parametrize(
    "predicate",
    ["deleted = FALSE", "NOT deleted", "deleted IS FALSE", "deleted = false", "l.deleted = FALSE"],
)
def test_existing_filter_is_not_added_twice(predicate: str) -> None:
    result, tree = guarded(f"SELECT l.id FROM logs l WHERE level = 'ERROR' AND {predicate}")
    assert not result.deleted_filter_added
    assert len(deleted_terms(tree.args["where"])) == 1


@pytest.mark.parametrize("predicate", ["deleted = TRUE", "deleted", "deleted IS TRUE"])
def test_analyst_asking_for_deleted_rows_is_respected(predicate: str) -> None:
    result, tree = guarded(f"SELECT id, message FROM logs WHERE {predicate}")
    assert not result.deleted_filter_added
    assert tree.args["where"] == parse(f"SELECT 1 WHERE {predicate}").args["where"]


def test_deleted_in_an_inner_scope_does_not_cover_the_outer_one() -> None:
    result, tree = guarded("SELECT * FROM logs WHERE id IN (SELECT id FROM logs WHERE deleted = TRUE)")
    assert result.deleted_filter_added
    assert not_deleted() in conjuncts(tree.args["where"])
    inner = tree.find(exp.In).args["query"].this
    assert deleted_terms(inner.args["where"]) == [parse("SELECT 1 WHERE deleted = TRUE").args["where"].this]


def test_recursive_cte_filters_its_base_case() -> None:
    _, tree = guarded(
        "WITH RECURSIVE r AS (SELECT id, 1 AS depth FROM logs UNION ALL "
        "SELECT r.id, r.depth + 1 FROM r WHERE r.depth < 3) SELECT * FROM r"
    )
    union = tree.find(exp.CTE).this
    assert deleted_terms(union.left.args["where"]) == [not_deleted()]
    assert deleted_terms(union.right.args["where"]) == []  # reads r, not logs


def test_comma_join_filters_both_tables() -> None:
    _, tree = guarded("SELECT a.id FROM logs a, logs b WHERE a.trace_id = b.trace_id")
    assert sorted(t.sql() for t in deleted_terms(tree.args["where"])) == [
        "a.deleted = FALSE",
        "b.deleted = FALSE",
    ]


def test_table_without_deleted_column_is_left_alone() -> None:
    schema = SchemaSnapshot(
        tables=(
            *SCHEMA.tables,
            Table("services", (Column("name", "text"), Column("team", "text"))),
        )
    )
    result = guard(
        "SELECT s.team, COUNT(*) FROM logs l JOIN services s ON s.name = l.service GROUP BY s.team",
        schema,
    )
    tree = parse(result.sql)
    assert deleted_terms(tree.args["where"]) == [not_deleted("l")]
    assert result.tables == ("logs", "services")


# --- LIMIT ---------------------------------------------------------------------------------------


def test_limit_added_when_absent() -> None:
    result, tree = guarded("SELECT id FROM logs")
    assert result.limit_added
    assert tree.args["limit"].expression == exp.Literal.number(1000)


def test_default_limit_is_configurable() -> None:
    _, tree = guarded("SELECT id FROM logs", default_limit=50)
    assert tree.args["limit"].expression == exp.Literal.number(50)


@pytest.mark.parametrize("n", [1, 20, 1000, 5000, MAX_LIMIT])
def test_limit_kept_when_present(n: int) -> None:
    result, tree = guarded(f"SELECT id FROM logs LIMIT {n}")
    assert not result.limit_added
    assert tree.args["limit"].expression == exp.Literal.number(n)


@pytest.mark.parametrize(
    "sql",
    ["SELECT id FROM logs LIMIT 10000000", "SELECT id FROM logs FETCH FIRST 200000 ROWS ONLY"],
)
def test_absurd_limits_are_capped(sql: str) -> None:
    result, tree = guarded(sql)
    assert not result.limit_added
    limit = tree.args["limit"]
    count = limit.expression if isinstance(limit, exp.Limit) else limit.args["count"]
    assert count == exp.Literal.number(MAX_LIMIT)


@pytest.mark.parametrize("sql", ["SELECT id FROM logs LIMIT ALL", "SELECT id FROM logs LIMIT NULL"])
def test_unbounded_limit_gets_default(sql: str) -> None:
    result, tree = guarded(sql)
    assert result.limit_added
    assert tree.args["limit"].expression == exp.Literal.number(1000)


def test_limit_on_union_applies_to_the_whole() -> None:
    result, tree = guarded("SELECT service FROM logs UNION SELECT path FROM logs")
    assert result.limit_added
    assert isinstance(tree, exp.Union) and tree.args["limit"] is not None
    assert tree.left.args.get("limit") is None and tree.right.args.get("limit") is None


def test_inner_limits_do_not_count_as_outer() -> None:
    result, tree = guarded("SELECT * FROM (SELECT id FROM logs LIMIT 5) s")
    assert result.limit_added
    assert tree.args["limit"].expression == exp.Literal.number(1000)


def test_offset_without_limit_gets_limit() -> None:
    _, tree = guarded("SELECT id FROM logs ORDER BY id OFFSET 10")
    assert tree.args["limit"].expression == exp.Literal.number(1000)
    assert tree.args["offset"] is not None


# --- output --------------------------------------------------------------------------------------


def test_comments_are_dropped_from_output() -> None:
    result = guard("SELECT id /* x */ FROM logs -- */ DELETE FROM logs", SCHEMA)
    assert "--" not in result.sql and "/*" not in result.sql
    assert "DELETE FROM" not in result.sql.upper()


def test_output_is_idempotent() -> None:
    once = guard("SELECT l.id FROM logs l LEFT JOIN logs m ON l.id = m.id WHERE l.level = 'ERROR'", SCHEMA)
    twice = guard(once.sql, SCHEMA)
    assert not twice.deleted_filter_added and not twice.limit_added
    assert parse(twice.sql) == parse(once.sql)


def test_dialect_defaults_to_the_snapshot() -> None:
    assert (
        guard("SELECT id FROM logs", SCHEMA).sql
        == guard("SELECT id FROM logs", SCHEMA, dialect="postgres").sql
    )


# --- against the real database (optional) --------------------------------------------------------

EXPLAINED = [
    *SEED_QUERIES,
    "SELECT f.message FROM logs f LEFT JOIN logs b USING (trace_id) WHERE f.level = 'ERROR'",
    "SELECT a.id FROM logs a FULL JOIN logs b ON a.trace_id = b.trace_id",
    "WITH e AS (SELECT * FROM logs WHERE level = 'ERROR') SELECT service, COUNT(*) FROM e GROUP BY service",
    "SELECT metadata->>'browser' AS browser, COUNT(*) FILTER (WHERE level = 'ERROR') FROM logs GROUP BY 1",
    "SELECT service FROM logs UNION SELECT path FROM logs ORDER BY 1",
]


def test_guarded_queries_explain_on_postgres(request: pytest.FixtureRequest) -> None:
    try:
        dsn = request.getfixturevalue("owner_dsn")
    except Exception as exc:  # no PostgreSQL binaries / cluster here
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    from tests.conftest import run_sql

    for sql in EXPLAINED:
        guarded_sql = guard(sql, SCHEMA).sql
        plan = run_sql(dsn, f"EXPLAIN {guarded_sql}")
        assert plan, guarded_sql
