"""The evaluation dataset and scenarios against a real PostgreSQL: the data has every property the
scenarios rely on, and every gold query answers on it, read-only, as the reader role."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from ingest_service.records import COLUMNS
from ingest_service.stacktrace import innermost_app_frame
from nlq_platform.db.dsn import READER_ROLE, with_credentials
from nlq_platform.db.migrate import migrate
from nlq_platform.evaluation.dataset import USER_123_FAILED_TRACE_ID, generate, load
from nlq_platform.evaluation.scenarios import CATEGORIES, ScenarioError, load_scenarios
from tests.conftest import run_sql
from tests.support.pg import INGEST_PASSWORD, READER_PASSWORD, TestPostgres

BACKEND_PATHS = {"/api/v1/payment", "/api/v1/orders", "/api/v1/login", "/api/v1/search", "/api/v1/inventory"}
PAGES = {"/checkout", "/cart", "/login", "/products", "/orders"}
ERROR_TYPES = {
    "BACKEND": {
        "DatabaseConnectionError", "TimeoutError", "ValidationError", "PaymentDeclinedError",
        "AuthenticationError",
    },
    "FRONTEND": {"TypeError", "NetworkError"},
    "WORKER": {"DatabaseConnectionError", "TimeoutError"},
}  # fmt: skip
SEED_A1_QUESTION = "지난 1시간 동안 발생한 에러가 몇 건이야?"
SEED_A1_SQL = """SELECT COUNT(*) as error_count
FROM logs
WHERE level = 'ERROR'
  AND created_at > NOW() - INTERVAL '1 hour'
  AND deleted = FALSE;"""
SEED_C4_QUESTION = "user_123의 마지막 결제 시도에서 무슨 일이 있었어?"
#: the column that orders each ordered or limited scenario's rows (ties there would make the
#: answer depend on the plan)
SORT_KEYS = {
    "A2": "count", "A4": "error_count", "A5": "time_bucket", "C1": "avg_duration_ms", "C2": "hour",
    "C4": "created_at", "I06": "error_count", "I08": "bucket", "P03": "duration_ms", "P04": "day",
    "J01": "created_at", "J02": "first_seen", "J04": "session_start", "J07": "created_at",
}  # fmt: skip
_LIMIT = re.compile(r"\s+LIMIT\s+(\d+)\s*;?\s*\Z", re.IGNORECASE)


@dataclass(frozen=True)
class EvalDb:
    dsn: str
    reader_dsn: str
    anchor: datetime
    rows: int

    def sql(self, query: str, *args: object) -> list[asyncpg.Record]:
        return run_sql(self.dsn, query, *args)

    def value(self, query: str, *args: object) -> Any:
        return self.sql(query, *args)[0][0]


@pytest.fixture(scope="module")
def eval_db(pg: TestPostgres) -> Iterator[EvalDb]:
    dsn = pg.create_database("nlq_eval_test")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    anchor = datetime.now(UTC)
    rows = asyncio.run(load(dsn, anchor))
    yield EvalDb(dsn, with_credentials(dsn, READER_ROLE, READER_PASSWORD), anchor, rows)


@pytest.fixture(scope="module")
def scenarios() -> list[Any]:
    return load_scenarios()


def read_only(dsn: str, query: str) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(dsn)
        try:
            async with conn.transaction(readonly=True):
                return await conn.fetch(query)
        finally:
            await conn.close()

    return asyncio.run(go())


# --------------------------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------------------------


def test_generator_is_deterministic_and_anchored() -> None:
    anchor = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
    first = generate(anchor)
    assert first == generate(anchor)
    # another anchor shifts every timestamp and changes nothing else
    later = generate(anchor + timedelta(hours=5, minutes=7))
    assert len(later) == len(first)
    assert all(
        a[0] + timedelta(hours=5, minutes=7) == b[0] and a[1:] == b[1:]
        for a, b in zip(first, later, strict=True)
    )
    assert max(r[0] for r in first) < anchor
    assert len(first[0]) == len(COLUMNS)
    assert generate(anchor, seed=8) != first


def test_load_replaces_the_table(eval_db: EvalDb) -> None:
    assert 60_000 <= eval_db.rows <= 100_000
    assert eval_db.value("SELECT COUNT(*) FROM logs") == eval_db.rows
    assert eval_db.value("SELECT MIN(id) FROM logs") == 1  # TRUNCATE … RESTART IDENTITY


# --------------------------------------------------------------------------------------------
# the data's properties
# --------------------------------------------------------------------------------------------


def test_services_and_sources(eval_db: EvalDb) -> None:
    pairs = {
        (r["service"], r["log_type"]) for r in eval_db.sql("SELECT DISTINCT service, log_type FROM logs")
    }
    assert pairs == {
        ("payment-api", "BACKEND"),
        ("order-api", "BACKEND"),
        ("auth-api", "BACKEND"),
        ("search-api", "BACKEND"),
        ("inventory-worker", "WORKER"),
        ("web-app", "FRONTEND"),
    }


def test_levels_environments_and_versions(eval_db: EvalDb) -> None:
    levels = {r[0] for r in eval_db.sql("SELECT DISTINCT level::text FROM logs WHERE deleted = FALSE")}
    assert levels == {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
    envs = dict(eval_db.sql("SELECT environment::text, COUNT(*) FROM logs GROUP BY 1"))
    assert set(envs) == {"production", "staging", "development"}
    assert envs["production"] > 0.8 * sum(envs.values())
    versions = eval_db.value(
        "SELECT COUNT(DISTINCT service_version) FROM logs WHERE service = 'payment-api' "
        "AND environment = 'production' AND created_at > NOW() - INTERVAL '24 hours'"
    )
    assert versions >= 2


def test_error_fields(eval_db: EvalDb) -> None:
    assert (
        eval_db.value(
            "SELECT COUNT(*) FROM logs WHERE error_type IS NOT NULL AND level NOT IN ('ERROR', 'FATAL')"
        )
        == 0
    )
    errors = eval_db.sql(
        "SELECT log_type::text, error_type, stack_trace, function_name, file_path FROM logs "
        "WHERE level IN ('ERROR', 'FATAL')"
    )
    assert len(errors) > 500
    for r in errors:
        assert r["error_type"] in ERROR_TYPES[r["log_type"]], r
        stack = r["stack_trace"]
        if r["log_type"] == "FRONTEND":
            assert stack.startswith(f"{r['error_type']}: ") and "\n    at " in stack
        else:
            assert stack.startswith("Traceback (most recent call last):") and r["file_path"].endswith(".py")
        frame = innermost_app_frame(stack)  # what the ingest service would have extracted
        assert frame is not None
        assert (frame.function_name, frame.file_path) == (r["function_name"], r["file_path"])
    assert {(r["log_type"], r["error_type"]) for r in errors} == {
        (source, kind) for source, kinds in ERROR_TYPES.items() for kind in kinds
    }


def test_location_fields_by_source(eval_db: EvalDb) -> None:
    def distinct(column: str, log_type: str) -> set[Any]:
        return {
            r[0] for r in eval_db.sql(f"SELECT DISTINCT {column} FROM logs WHERE log_type = '{log_type}'")
        }

    assert distinct("path", "BACKEND") == BACKEND_PATHS
    assert distinct("method::text", "BACKEND") == {"GET", "POST", "PUT", "DELETE"}
    assert distinct("action_type", "BACKEND") == {None}
    assert distinct("path", "FRONTEND") == PAGES
    assert distinct("method", "FRONTEND") == {None}
    assert distinct("duration_ms IS NULL", "FRONTEND") == {True}
    assert distinct("action_type", "FRONTEND") == {"click", "submit", "navigate", "view", None}
    assert distinct("path", "WORKER") == {None}
    assert distinct("method", "WORKER") == {None}
    assert distinct("duration_ms IS NULL", "WORKER") == {True}
    assert distinct("action_type", "WORKER") == {None}
    assert distinct("metadata ? 'job'", "WORKER") == {True}
    assert distinct("metadata ? 'browser'", "FRONTEND") == {True}
    # backend: every row with a duration is a request and has an HTTP status; some are slow, some 5xx
    assert distinct("(duration_ms IS NULL) = COALESCE(metadata ? 'status_code', FALSE)", "BACKEND") == {False}
    assert eval_db.value("SELECT COUNT(*) FROM logs WHERE duration_ms > 1000") > 100
    assert eval_db.value("SELECT COUNT(*) FROM logs WHERE (metadata->>'status_code')::int >= 500") > 100


def test_users_sessions_and_traces(eval_db: EvalDb) -> None:
    users = [r[0] for r in eval_db.sql("SELECT DISTINCT user_id FROM logs WHERE user_id IS NOT NULL")]
    assert all(re.fullmatch(r"user_[1-9][0-9]*", u) and 1 <= int(u[5:]) <= 500 for u in users)
    assert len(users) > 400 and {"user_42", "user_123"} <= set(users)
    assert eval_db.value("SELECT COUNT(*) FROM logs WHERE log_type = 'FRONTEND' AND session_id IS NULL") == 0
    assert eval_db.value("SELECT COUNT(*) FROM logs WHERE log_type = 'WORKER' AND user_id IS NOT NULL") == 0
    assert eval_db.value("SELECT COUNT(*) FROM logs WHERE trace_id !~ '^[0-9a-f]{32}$'") == 0
    # every backend request belongs to a trace that started with a frontend action
    orphan = eval_db.value(
        "SELECT COUNT(*) FROM (SELECT trace_id FROM logs WHERE log_type IN ('BACKEND', 'FRONTEND') "
        "GROUP BY trace_id HAVING bool_or(log_type = 'BACKEND') AND NOT bool_or(log_type = 'FRONTEND')) t"
    )
    assert orphan == 0
    shared = eval_db.value(
        "SELECT COUNT(*) FROM (SELECT trace_id FROM logs GROUP BY trace_id "
        "HAVING COUNT(DISTINCT log_type) = 2 AND MIN(user_id) = MAX(user_id)) t"
    )
    assert shared > 1000


def test_every_hour_of_the_week_has_data(eval_db: EvalDb) -> None:
    hours = eval_db.value(
        "SELECT COUNT(DISTINCT floor(extract(epoch FROM $1 - created_at) / 3600)) FROM logs "
        "WHERE created_at > $1 - INTERVAL '7 days' AND deleted = FALSE",
        eval_db.anchor,
    )
    assert hours == 7 * 24


def test_last_hour_incident(eval_db: EvalDb) -> None:
    last_hour = "created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE"
    by_type = dict(
        eval_db.sql(f"SELECT error_type, COUNT(*) FROM logs WHERE level = 'ERROR' AND {last_hour} GROUP BY 1")
    )
    assert by_type == {
        "DatabaseConnectionError": 90, "TimeoutError": 34, "NetworkError": 16, "PaymentDeclinedError": 11,
        "ValidationError": 7, "AuthenticationError": 5, "TypeError": 3,
    }  # fmt: skip
    db_sites = eval_db.sql(
        "SELECT service, function_name, COUNT(*) AS n FROM logs "
        f"WHERE error_type = 'DatabaseConnectionError' AND {last_hour} GROUP BY 1, 2"
    )
    assert {(r[0], r[1]): r[2] for r in db_sites} == {
        ("payment-api", "process_payment"): 38,
        ("payment-api", "charge_card"): 24,
        ("payment-api", "get_connection"): 17,
        ("order-api", "insert_order"): 9,
        ("inventory-worker", "sync_stock"): 5,
    }
    timeouts = eval_db.sql(
        f"SELECT path, COUNT(*) FROM logs WHERE error_type = 'TimeoutError' AND {last_hour} GROUP BY 1"
    )
    assert dict(timeouts) == {"/api/v1/payment": 21, "/api/v1/orders": 13}
    # all of it between 48 and 1 minutes before the anchor: a late query sees the same incident
    ages = eval_db.sql(
        "SELECT MIN($1 - created_at), MAX($1 - created_at) FROM logs "
        "WHERE level IN ('ERROR', 'FATAL') AND created_at > $1 - INTERVAL '65 minutes'",
        eval_db.anchor,
    )[0]
    assert ages[0] >= timedelta(minutes=1) and ages[1] <= timedelta(minutes=48)


def test_user_123_checkout_ends_in_an_error(eval_db: EvalDb) -> None:
    trace = eval_db.sql(
        "SELECT log_type::text, service, path, level::text, error_type, created_at FROM logs "
        "WHERE trace_id = $1 AND deleted = FALSE ORDER BY created_at",
        USER_123_FAILED_TRACE_ID,
    )
    assert {(r["log_type"], r["path"]) for r in trace} == {
        ("FRONTEND", "/checkout"),
        ("BACKEND", "/api/v1/payment"),
    }
    assert trace[0]["log_type"] == "FRONTEND"
    assert (trace[-1]["level"], trace[-1]["error_type"]) == ("ERROR", "DatabaseConnectionError")
    assert trace[0]["created_at"] > eval_db.anchor - timedelta(hours=1)
    # it is the last failed payment of user_123, and an earlier attempt timed out
    last = eval_db.value(
        "SELECT trace_id FROM logs WHERE user_id = 'user_123' AND path = '/api/v1/payment' "
        "AND level = 'ERROR' AND deleted = FALSE ORDER BY created_at DESC LIMIT 1"
    )
    assert last == USER_123_FAILED_TRACE_ID
    recent = eval_db.sql(
        "SELECT error_type FROM logs WHERE user_id = 'user_123' AND error_type IS NOT NULL "
        "AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE ORDER BY created_at"
    )
    assert [r[0] for r in recent] == ["TimeoutError", "NetworkError", "DatabaseConnectionError"]


def test_soft_deleted_rows(eval_db: EvalDb) -> None:
    deleted = eval_db.value("SELECT COUNT(*) FROM logs WHERE deleted")
    assert 0.015 <= deleted / eval_db.rows <= 0.025
    assert eval_db.value("SELECT COUNT(*) FROM logs WHERE deleted AND level IN ('ERROR', 'FATAL')") > 20
    with_deleted = eval_db.value(
        "SELECT COUNT(*) FROM logs WHERE level = 'ERROR' AND created_at > NOW() - INTERVAL '1 hour'"
    )
    assert with_deleted > 166  # A1's answer when deleted = FALSE is forgotten


def test_latency_profile(eval_db: EvalDb) -> None:
    paths = eval_db.sql(
        "SELECT path FROM logs WHERE log_type = 'BACKEND' AND duration_ms IS NOT NULL AND deleted = FALSE "
        "GROUP BY path ORDER BY AVG(duration_ms) DESC"
    )
    assert [r[0] for r in paths] == [
        "/api/v1/payment", "/api/v1/orders", "/api/v1/search", "/api/v1/inventory", "/api/v1/login",
    ]  # fmt: skip


# --------------------------------------------------------------------------------------------
# the scenarios
# --------------------------------------------------------------------------------------------


def test_scenarios_file(scenarios: list[Any]) -> None:
    assert len(scenarios) == 38
    ids = [s.id for s in scenarios]
    assert len(set(ids)) == 38
    assert ids[:9] == ["A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4"]
    assert {s.category for s in scenarios} == set(CATEGORIES)
    assert all(s.question.strip() and s.question_en.strip() and s.sql.strip() for s in scenarios)
    by_id = {s.id: s for s in scenarios}
    assert by_id["A1"].question == SEED_A1_QUESTION
    assert by_id["A1"].sql == SEED_A1_SQL
    assert by_id["C4"].question == SEED_C4_QUESTION
    assert all(by_id[i].category == "incident" for i in ("A1", "A2", "A3", "A4", "A5"))
    assert all(by_id[i].category == "performance" for i in ("C1", "C2", "C3", "C4"))
    for s in scenarios:
        assert re.search(r"deleted\s*=\s*FALSE", s.sql), s.id
        assert re.search(r"[\uac00-\ud7a3]", s.question), s.id  # Korean
        if s.order or _LIMIT.search(s.sql):
            assert s.id in SORT_KEYS, s.id


def test_scenario_loader_rejects_malformed_files(tmp_path: Path) -> None:
    def write(text: str) -> Path:
        path = tmp_path / "s.yaml"
        path.write_text(text)
        return path

    good = "  - {id: X1, category: incident, question: q, question_en: e, sql: 'SELECT 1'}\n"
    cases: dict[str, Callable[[], Path]] = {
        "top-level 'scenarios'": lambda: write("- a\n"),
        "duplicate scenario id": lambda: write("scenarios:\n" + good + good),
        "'sql' must be": lambda: write(
            "scenarios:\n  - {id: X1, category: incident, question: q, question_en: e}\n"
        ),
        "category must be": lambda: write(
            "scenarios:\n  - {id: X1, category: misc, question: q, question_en: e, sql: x}\n"
        ),
        "'order' must be": lambda: write(
            "scenarios:\n  - {id: X1, category: incident, question: q, question_en: e, sql: x, order: 1}\n"
        ),
        "unknown field": lambda: write(
            "scenarios:\n  - {id: X1, category: incident, question: q, question_en: e, sql: x, gold: y}\n"
        ),
        "not valid YAML": lambda: write("scenarios: [\n"),
    }
    for message, make in cases.items():
        with pytest.raises(ScenarioError, match=re.escape(message)):
            load_scenarios(make())
    assert load_scenarios(write("scenarios:\n" + good))[0].order is False


def test_every_gold_query_answers_read_only(eval_db: EvalDb, scenarios: list[Any]) -> None:
    for s in scenarios:
        rows = read_only(eval_db.reader_dsn, s.sql)
        assert rows, f"{s.id} returned no rows"
        if len(rows) == 1:  # a count-type answer: no zero
            numbers = [v for v in rows[0].values() if isinstance(v, int | float) and not isinstance(v, bool)]
            assert all(numbers), f"{s.id} answered {dict(rows[0])}"


def test_ordered_answers_have_no_ties(eval_db: EvalDb, scenarios: list[Any]) -> None:
    """Row order (and what a LIMIT keeps) must not depend on how PostgreSQL breaks ties."""
    for s in scenarios:
        key = SORT_KEYS.get(s.id)
        if key is None:
            continue
        limit = _LIMIT.search(s.sql)
        unlimited = _LIMIT.sub(";", s.sql) if limit else s.sql
        rows = read_only(eval_db.reader_dsn, unlimited)
        values = [r[key] for r in rows]
        n = int(limit.group(1)) if limit else len(values)
        if len(values) > n:
            assert values[n - 1] != values[n], f"{s.id}: LIMIT {n} cuts through a tie on {key}"
        if s.order:
            kept = values[:n]
            assert len(set(kept)) == len(kept), f"{s.id}: ties on {key}"
