"""The logs archive: Parquet export of finished days, file and GCS (gcp-storage-emulator) stores,
BigQuery load jobs (the real client against tests/support/fake_bigquery.py), DuckDB over the
archive giving the same answers as PostgreSQL to all 38 gold queries, retention that archives
before it drops, questions past retention answered from the archive, and `nlq sql --archive`."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import dagster as dg
import pyarrow.parquet as pq
import pytest
from dagster_gcp import BigQueryResource, GCSResource
from gcp_storage_emulator.server import create_server
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

from nlq_platform.archive import duck
from nlq_platform.archive.bigquery import load_day
from nlq_platform.archive.days import archive_day
from nlq_platform.archive.route import (
    Window,
    copy_unarchived,
    covering,
    missing_ranges,
    query_windows,
    reaches_past_retention,
    run_on_archive,
)
from nlq_platform.archive.schema import ARCHIVE_SCHEMA, ENUMS, LOG_COLUMNS
from nlq_platform.archive.store import FileArchive, GCSArchive, archive_from_uri
from nlq_platform.config import Settings
from nlq_platform.db import partitions
from nlq_platform.db.migrate import migrate
from nlq_platform.defs.archive.assets import logs_archive
from nlq_platform.defs.archive.resources import LogsArchive
from nlq_platform.defs.partitions.assets import log_partitions
from nlq_platform.defs.partitions.checks import tomorrow_partition_exists
from nlq_platform.defs.resources import NlqDatabase
from nlq_platform.evaluation import dataset
from nlq_platform.evaluation.scenarios import load_scenarios
from nlq_platform.evaluation.scoring import rows_match
from nlq_platform.metadata.postgres import fetch_snapshot
from nlq_platform.text_to_sql.guard import guard
from nlq_platform.text_to_sql.service import Answer, TextToSQL
from tests.conftest import run_sql
from tests.support.fake_bigquery import FakeBigQuery
from tests.support.pg import INGEST_PASSWORD, READER_PASSWORD, TestPostgres

NLQ = str(Path(sys.executable).parent / "nlq")


def _days_back(n: int) -> list[date]:
    today = partitions.utc_today()
    return [today - timedelta(days=i) for i in range(n, -1, -1)]


async def _archive_all(dsn: str, root: Path, days: list[date]) -> dict[date, int]:
    conn = await asyncpg.connect(dsn)
    try:
        store = FileArchive(root)
        return {d: (await archive_day(conn, store, d))[0].rows for d in days}
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def eval_db(pg: TestPostgres, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The evaluation dataset in PostgreSQL and every one of its days (today too) in the archive."""
    dsn = pg.create_database("nlq_archive_eval")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    asyncio.run(dataset.load(dsn))
    root = tmp_path_factory.mktemp("archive")
    counts = asyncio.run(_archive_all(dsn, root, _days_back(9)))
    assert sum(counts.values()) == run_sql(dsn, "SELECT count(*) AS n FROM logs")[0]["n"]
    return dsn, root


def test_the_parquet_file_keeps_every_column(eval_db: tuple[str, Path]) -> None:
    dsn, root = eval_db
    day = partitions.utc_today() - timedelta(days=1)
    table = pq.read_table(root / f"logs/date={day}/logs.parquet")
    assert table.schema.equals(ARCHIVE_SCHEMA)
    assert (
        table.num_rows == run_sql(dsn, f"SELECT count(*) AS n FROM {partitions.partition_name(day)}")[0]["n"]
    )
    first = table.slice(0, 1).to_pylist()[0]
    pg_row = run_sql(dsn, "SELECT *, metadata::text AS meta_text FROM logs WHERE id = $1", first["id"])[0]
    for col in LOG_COLUMNS:
        if col == "metadata":
            assert json.loads(first[col]) == json.loads(pg_row["meta_text"])
        else:
            assert first[col] == pg_row[col], col
    # the typed metadata columns agree with the JSON
    meta = json.loads(first["metadata"] or "{}")
    assert first["metadata_browser"] == meta.get("browser")
    assert first["metadata_status_code"] == meta.get("status_code")
    assert set(table.column("deleted").to_pylist()) == {False, True}  # the archive is the table


def test_enum_labels_match_the_database(eval_db: tuple[str, Path]) -> None:
    rows = run_sql(
        eval_db[0],
        "SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels "
        "FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname",
    )
    assert {r["typname"]: tuple(r["labels"]) for r in rows} == ENUMS


def test_the_38_gold_queries_answer_the_same_on_the_archive(
    eval_db: tuple[str, Path], tmp_path: Path
) -> None:
    """Each gold query on PostgreSQL, then on the archive as the engines run it there: only the
    archived days its window touches, columns named as PostgreSQL names them."""
    dsn, root = eval_db
    settings = Settings(home=tmp_path, database_url=dsn, archive_uri=root.as_uri())

    async def go() -> tuple[list[str], int]:
        conn = await asyncpg.connect(dsn)
        try:
            snapshot = await fetch_snapshot(conn)
            problems, checked, pruned = [], 0, 0
            for s in load_scenarios():
                if not s.answerable:
                    continue
                guarded = guard(s.sql, snapshot)
                statement = await conn.prepare(guarded.sql)
                expected = [tuple(r) for r in await statement.fetch()]
                _, windows = await query_windows(conn, guarded.sql)
                got = await run_on_archive(
                    settings, conn, guarded.sql, window=covering(windows), with_postgres=False
                )
                checked += 1
                pruned += got.files < 10
                if not expected or not rows_match(expected, got.rows, ordered=s.order):
                    problems.append(f"{s.id}: {expected[:3]} vs {got.rows[:3]}\n{got.sql}")
                if got.columns != [a.name for a in statement.get_attributes()]:
                    problems.append(f"{s.id}: columns {got.columns}")
            assert checked == 38
            return problems, pruned
        finally:
            await conn.close()

    problems, pruned = asyncio.run(go())
    assert problems == []
    assert pruned >= 30  # most gold queries have a window: they read a day or two, not all ten


def _windows(dsn: str, sql: str) -> tuple[datetime, list[Window]]:
    async def go() -> tuple[datetime, list[Window]]:
        conn = await asyncpg.connect(dsn)
        try:
            return await query_windows(conn, sql)
        finally:
            await conn.close()

    return asyncio.run(go())


def test_windows_are_read_by_postgresql(eval_db: tuple[str, Path]) -> None:
    """Every spelling PostgreSQL understands gives the window it reads (its own NOW())."""
    dsn, _ = eval_db
    base = "SELECT count(*) FROM logs WHERE "
    now, (w,) = _windows(dsn, base + "created_at > NOW() - INTERVAL '90 days' AND deleted = FALSE")
    assert w == Window(now - timedelta(days=90), None)
    assert reaches_past_retention([w], now, 30) and not reaches_past_retention([w], now, 90)
    midnight = datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC)
    month = midnight.replace(day=1)
    first_of_two_months_back = (month - timedelta(days=1)).replace(day=1)
    first_of_two_months_back = (first_of_two_months_back - timedelta(days=1)).replace(day=1)
    spelled: dict[str, Callable[[datetime], Window]] = {
        "created_at >= CURRENT_DATE - 90": lambda now: Window(midnight - timedelta(days=90), None),
        "created_at > now() - '40 days'::interval": lambda now: Window(now - timedelta(days=40), None),
        "DATE_TRUNC('day', created_at) >= DATE_TRUNC('month', NOW()) - INTERVAL '2 months'": lambda now: (
            Window(first_of_two_months_back, None)
        ),
        "created_at BETWEEN '2026-01-01' AND '2026-02-01 12:00+00'::timestamptz": lambda now: Window(
            datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, 12, tzinfo=UTC)
        ),
        "NOW() - INTERVAL '3 days' < created_at AND created_at < NOW() - INTERVAL '1 day'": lambda now: (
            Window(now - timedelta(days=3), now - timedelta(days=1), upper_strict=True)
        ),
        # AND-ed bounds: the tightest
        "created_at > NOW() - INTERVAL '9 days' AND created_at > NOW() - INTERVAL '2 days'": lambda now: (
            Window(now - timedelta(days=2), None)
        ),
        # no bound: under OR (reads other rows too), on a column, or no time at all
        "(created_at > NOW() - INTERVAL '90 days' OR level = 'ERROR')": lambda now: Window(None, None),
        "created_at > (SELECT min(created_at) FROM logs)": lambda now: Window(None, None),
        "trace_id = 'x'": lambda now: Window(None, None),
    }
    for where, expected in spelled.items():
        at, windows = _windows(dsn, base + where)
        assert windows[0] == expected(at), where
    # upper bound only: all history up to a moment, which the archive holds
    _, (w,) = _windows(dsn, base + "created_at < NOW() - INTERVAL '40 days'")
    assert w.lower is None and reaches_past_retention([w], now, 30)
    assert not reaches_past_retention([Window(None, None)], now, 30)  # a trace's rows: PostgreSQL
    # each read of logs has its window; a CTE's bound is its read's
    cte = (
        "WITH recent AS (SELECT * FROM logs WHERE created_at > NOW() - INTERVAL '60 days') "
        "SELECT count(*) FROM recent r JOIN logs l ON l.trace_id = r.trace_id "
        "WHERE l.created_at > NOW() - INTERVAL '1 hour'"
    )
    at, windows = _windows(dsn, cte)
    assert sorted(windows, key=lambda w: w.lower or at) == [
        Window(at - timedelta(days=60), None),
        Window(at - timedelta(hours=1), None),
    ]
    assert covering(windows) == Window(at - timedelta(days=60), None)
    assert reaches_past_retention(windows, at, 30)
    # the oldest kept day is a whole day: a 30-day window is still PostgreSQL's at 30 days' retention
    at, (w,) = _windows(dsn, base + "created_at > NOW() - INTERVAL '30 days'")
    assert not reaches_past_retention([w], at, 30)


def test_missing_ranges_are_the_days_the_archive_lacks() -> None:
    d = date(2026, 3, 10)
    at = lambda day, h=0: datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=h)  # noqa: E731
    archived = [d - timedelta(days=3), d - timedelta(days=2), d]  # d-1 failed, d+1 not yet
    w = Window(at(d - timedelta(days=3), 6), None)
    assert missing_ranges(archived, w) == [
        (at(d - timedelta(days=1)), at(d), False),
        (at(d + timedelta(days=1)), None, True),
    ]
    assert missing_ranges(archived, Window(None, at(d - timedelta(days=2), 5))) == [
        (None, at(d - timedelta(days=3)), False)
    ]
    assert missing_ranges(archived, Window(at(d, 1), at(d, 2))) == []  # all in one archived day
    assert Window(at(d, 1), at(d, 2)).touches(d) and not Window(at(d, 1), None).touches(d - timedelta(days=1))


def test_a_window_reads_only_its_archived_days(eval_db: tuple[str, Path], tmp_path: Path) -> None:
    dsn, root = eval_db
    settings = Settings(
        home=tmp_path,
        database_url=dsn,
        reader_db_password=READER_PASSWORD,
        ingest_db_password=INGEST_PASSWORD,
        archive_uri=root.as_uri(),
    )
    day = partitions.utc_today() - timedelta(days=2)
    sql = (
        f"SELECT count(*) FROM logs WHERE created_at >= '{day} 00:00+00' "
        f"AND created_at < '{day + timedelta(days=1)} 00:00+00'"
    )

    async def go() -> duck.ArchiveResult:
        conn = await asyncpg.connect(dsn)
        try:
            _, windows = await query_windows(conn, sql)
            return await run_on_archive(settings, conn, sql, window=covering(windows), with_postgres=False)
        finally:
            await conn.close()

    result = asyncio.run(go())
    assert result.files == 1  # created_at < the next midnight: the next day's file is not read
    assert result.columns == ["count"]  # named as PostgreSQL names it, not count_star()
    assert result.rows == [(run_sql(dsn, sql)[0]["count"],)]


def test_postgresql_rows_reach_duckdb_unchanged(pg: TestPostgres, tmp_path: Path) -> None:
    """The rows the archive lacks go PostgreSQL → COPY CSV → DuckDB: every value survives (empty
    strings vs NULL, quotes, newlines, backslashes, Korean, JSON, decimals, the soft-deleted flag)."""
    dsn = pg.create_database("nlq_archive_csv")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    run_sql(
        dsn,
        "INSERT INTO logs (created_at, level, log_type, service, environment, trace_id, user_id, "
        "error_type, message, stack_trace, path, method, duration_ms, deleted, metadata) VALUES "
        "(NOW() - INTERVAL '1 minute', 'ERROR', 'BACKEND', 'payment-api', 'production', 'abc', '', "
        "'DbError', $1, $2, '/a,b', 'POST', 12.5, TRUE, $3::jsonb), "
        "('2026-01-01 23:59:59.999999+00', 'INFO', 'FRONTEND', 'web', 'local', NULL, NULL, NULL, '', NULL, "
        "NULL, NULL, NULL, FALSE, NULL)",
        'say "hi", then\nbreak \\ 결제 실패',
        'Traceback:\n  File "a.py", line 1\r\n',
        json.dumps({"browser": 'Chrome "x"', "n": 1.5, "list": [1, None], "k": "줄\n바꿈"}),
    )
    window = Window(None, None)

    async def go() -> int:
        conn = await asyncpg.connect(dsn)
        try:
            return await copy_unarchived(conn, [], window, tmp_path / "recent.csv", timeout_ms=5000)
        finally:
            await conn.close()

    assert asyncio.run(go()) == 2
    got = duck.run(tmp_path / "no-archive", "SELECT * FROM logs ORDER BY id", extra=[tmp_path / "recent.csv"])
    expected = run_sql(dsn, "SELECT * FROM logs ORDER BY id")
    assert got.columns == list(LOG_COLUMNS) and len(got.rows) == len(expected) == 2
    for row, want in zip(got.rows, expected, strict=True):
        for col, value in zip(got.columns, row, strict=True):
            if col == "metadata":
                assert (json.loads(value) if value else None) == (
                    json.loads(want[col]) if want[col] else None
                )
            else:
                assert value == want[col], (col, value, want[col])


def test_past_retention_questions_are_answered_from_the_archive(pg: TestPostgres, tmp_path: Path) -> None:
    """Partitions dropped by retention, one finished day never archived: windows reaching past
    retention still get the whole answer (archive + PostgreSQL's rows the archive lacks)."""
    dsn = pg.create_database("nlq_archive_retention")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    asyncio.run(dataset.load(dsn))
    root = tmp_path / "archive"
    questions = [
        "SELECT service, count(*) AS n FROM logs WHERE created_at > NOW() - INTERVAL '90 days' GROUP BY service ORDER BY service",
        "SELECT level, count(*) FROM logs WHERE created_at >= CURRENT_DATE - 90 GROUP BY level ORDER BY level",
        # an upper bound only: all history before a moment (a literal one: NOW() moves between the runs)
        "SELECT count(*) AS n, round(avg(duration_ms), 3) AS avg_ms FROM logs "
        f"WHERE created_at < '{partitions.utc_today() - timedelta(days=1)} 12:00+00'",
        "SELECT DATE_TRUNC('day', created_at) AS day, count(*) AS n FROM logs "
        "WHERE created_at > DATE_TRUNC('month', NOW()) - INTERVAL '2 months' GROUP BY 1 ORDER BY 1",
    ]
    recent = "SELECT count(*) AS n FROM logs WHERE created_at > NOW() - INTERVAL '1 hour'"
    settings = Settings(
        home=tmp_path,
        database_url=dsn,
        reader_db_password=READER_PASSWORD,
        ingest_db_password=INGEST_PASSWORD,
        archive_uri=root.as_uri(),
        retention_days=3,
    )
    skipped = partitions.utc_today() - timedelta(days=2)  # within retention, its export "failed"

    # and questions in words, read by the offline engine
    words = ["how many logs per service in the last 90 days", "지난 90일 동안 서비스별 에러 수"]

    async def ask(config: Settings, text: str) -> Answer:
        service = TextToSQL(config, engine="offline")
        try:
            return await (service.ask(text) if text in words else service.run_sql(text))
        finally:
            await service.aclose()

    questions = [*questions, *words]

    async def go() -> tuple[list[Answer], list[Answer], Answer]:
        before = [await ask(settings.model_copy(update={"retention_days": 365}), q) for q in questions]
        # archive the finished days, as logs_archive does (one missing), then let retention drop them
        await _archive_all(dsn, root, [d for d in _days_back(9)[:-1] if d != skipped])
        conn = await asyncpg.connect(dsn)
        try:
            assert await partitions.apply_retention(conn, retention_days=3)
        finally:
            await conn.close()
        after = [await ask(settings, q) for q in questions]
        return before, after, await ask(settings, recent)

    before, after, on_pg = asyncio.run(go())
    for question, pg_answer, archive_answer in zip(questions, before, after, strict=True):
        assert pg_answer.error is None and archive_answer.error is None, (
            pg_answer.error,
            archive_answer.error,
        )
        assert archive_answer.details.get("source") == "archive", question
        assert pg_answer.details.get("source") is None
        assert archive_answer.columns == pg_answer.columns, question  # count, not count_star()
        assert rows_match(pg_answer.rows, archive_answer.rows, ordered=True), question
    assert on_pg.error is None and on_pg.details.get("source") is None  # within retention: PostgreSQL
    # and PostgreSQL alone now has less
    assert run_sql(dsn, "SELECT count(*) AS n FROM logs")[0]["n"] < sum(r[1] for r in before[0].rows)


def _cli_env(dsn: str, home: Path, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NLQ_", "ANTHROPIC_"))}
    return {
        **clean,
        "NLQ_HOME": str(home),
        "NLQ_DATABASE_URL": dsn,
        "NLQ_READER_DB_PASSWORD": READER_PASSWORD,
        "NLQ_INGEST_DB_PASSWORD": INGEST_PASSWORD,
        **extra,
    }


def test_nlq_sql_archive(eval_db: tuple[str, Path], tmp_path: Path) -> None:
    dsn, root = eval_db
    env = _cli_env(dsn, tmp_path, NLQ_ARCHIVE_URI=root.as_uri())
    sql = "SELECT level, count(*) FROM logs GROUP BY level ORDER BY level"
    result = subprocess.run(
        [NLQ, "sql", "--json", "--archive", sql], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["engine"] == "archive" and answer["error"] is None
    assert answer["columns"] == ["level", "count"]  # PostgreSQL's names, not DuckDB's count_star()
    assert "deleted = FALSE" in answer["sql"] and "LIMIT 1000" in answer["sql"]  # guarded, then DuckDB
    expected = run_sql(
        dsn,
        "SELECT level, count(*) AS n FROM logs WHERE deleted = FALSE GROUP BY level ORDER BY level",
    )
    assert [tuple(r) for r in answer["rows"]] == [(r["level"], r["n"]) for r in expected]

    refused = subprocess.run(
        [NLQ, "sql", "--archive", "DELETE FROM logs"], env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 1 and "query refused" in refused.stderr and "Traceback" not in refused.stderr

    empty = _cli_env(dsn, tmp_path, NLQ_ARCHIVE_URI=(tmp_path / "none").as_uri())
    result = subprocess.run(
        [NLQ, "sql", "--archive", "SELECT count(*) FROM logs"],
        env=empty,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: the archive at") and "holds no days yet" in result.stderr

    bad = _cli_env(dsn, tmp_path, NLQ_ARCHIVE_URI="ftp://nowhere/x")
    result = subprocess.run(
        [NLQ, "sql", "--archive", "SELECT count(*) FROM logs"],
        env=bad,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "use file:///dir or gs://bucket/prefix" in result.stderr
    assert "Traceback" not in result.stderr


# --- GCS (gcp-storage-emulator) and BigQuery (local jobs API) ------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gcs_emulator() -> Iterator[str]:
    port = _free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    host = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STORAGE_EMULATOR_HOST", host)
        mp.setenv("GOOGLE_CLOUD_PROJECT", "nlq-test")
        yield host
    server.stop()


@pytest.fixture
def bucket(gcs_emulator: str) -> str:
    client = storage.Client(project="nlq-test", credentials=AnonymousCredentials())
    name = f"nlq-archive-{uuid.uuid4().hex[:12]}"
    client.create_bucket(name)
    return name


def test_gcs_archive_round_trip_and_duckdb_mirror(
    eval_db: tuple[str, Path], bucket: str, tmp_path: Path
) -> None:
    _, root = eval_db
    client = storage.Client(project="nlq-test", credentials=AnonymousCredentials())
    store = archive_from_uri(f"gs://{bucket}/prod/logs-archive", gcs_client=client)
    assert isinstance(store, GCSArchive) and store.days() == []
    day = partitions.utc_today() - timedelta(days=1)
    uri = store.put(day, root / f"logs/date={day}/logs.parquet")
    assert uri == f"gs://{bucket}/prod/logs-archive/logs/date={day}/logs.parquet"
    assert store.days() == [day]
    blob = client.bucket(bucket).get_blob(f"prod/logs-archive/logs/date={day}/logs.parquet")
    assert blob.metadata == {"day": day.isoformat()}
    local = store.local_root(tmp_path / "cache")
    result = duck.run(local, "SELECT count(*) FROM logs")
    assert result.rows == [(pq.read_metadata(root / f"logs/date={day}/logs.parquet").num_rows,)]
    assert store.local_root(tmp_path / "cache") == local  # second time: nothing downloaded again
    # a window's days only: the other days are not downloaded
    older = day - timedelta(days=1)
    store.put(older, root / f"logs/date={older}/logs.parquet")
    assert store.days() == [older, day]
    only = store.local_root(tmp_path / "window-cache", days=[older])
    assert sorted(p.parent.name for p in only.glob("logs/date=*/logs.parquet")) == [f"date={older}"]


def test_bigquery_load_job_through_the_real_client(eval_db: tuple[str, Path]) -> None:
    _, root = eval_db
    day = partitions.utc_today() - timedelta(days=2)
    path = root / f"logs/date={day}/logs.parquet"
    with FakeBigQuery(pending_polls=2) as fake:
        client = fake.client(project="nlq-ex")
        job = load_day(client, "nlq-ex.logs_ds.logs", day, path)
        assert job.state == "DONE"
        (load,) = fake.loads
        assert load.destination == f"nlq-ex.logs_ds.logs${day:%Y%m%d}"
        config = load.configuration["load"]
        assert config["writeDisposition"] == "WRITE_TRUNCATE" and config["sourceFormat"] == "PARQUET"
        assert config["timePartitioning"] == {"type": "DAY", "field": "created_at"}
        assert load.data == path.read_bytes()
        assert len(fake.requests_to("GET", r"/jobs/")) >= 2  # the client polled until DONE

        fake.fail_loads = True
        with pytest.raises(Exception, match="fake failure"):
            load_day(client, "nlq-ex.logs_ds.logs", day, path)
        with pytest.raises(ValueError, match=r"project\.dataset\.table"):
            load_day(client, "logs", day, path)


# --- Dagster ------------------------------------------------------------------------------------


@pytest.fixture
def dagster_db(pg: TestPostgres, tmp_path: Path) -> tuple[NlqDatabase, str]:
    dsn = pg.create_database(f"nlq_archive_dg_{uuid.uuid4().hex[:6]}")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    asyncio.run(dataset.load(dsn))
    return NlqDatabase(
        database_url=dsn, reader_password=READER_PASSWORD, ingest_password=INGEST_PASSWORD, home=str(tmp_path)
    ), dsn


def test_logs_archive_partition_to_gcs_and_bigquery(dagster_db: tuple[NlqDatabase, str], bucket: str) -> None:
    nlq_db, dsn = dagster_db
    day = partitions.utc_today() - timedelta(days=1)
    with FakeBigQuery() as fake:
        resources = {
            "nlq_db": nlq_db,
            "logs_archive_store": LogsArchive(
                uri=f"gs://{bucket}/archive",
                gcs=GCSResource(project="nlq-test"),
                bigquery_table="nlq-ex.logs_ds.logs",
                bigquery=BigQueryResource(project="nlq-ex"),
                bigquery_endpoint=fake.endpoint,
            ),
        }
        result = dg.materialize([logs_archive], resources=resources, partition_key=day.isoformat())
        assert result.success
        (mat,) = result.asset_materializations_for_node("logs_archive")
        rows = run_sql(dsn, f"SELECT count(*) AS n FROM {partitions.partition_name(day)}")[0]["n"]
        assert mat.metadata["rows"].value == rows > 0
        assert mat.metadata["uri"].value == f"gs://{bucket}/archive/logs/date={day}/logs.parquet"
        assert mat.metadata["bigquery_table"].value == f"nlq-ex.logs_ds.logs${day:%Y%m%d}"
        assert fake.loads and fake.loads[0].destination.endswith(f"${day:%Y%m%d}")


def test_log_partitions_asset_archives_then_drops_and_checks_tomorrow(
    dagster_db: tuple[NlqDatabase, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nlq_db, dsn = dagster_db
    monkeypatch.setenv("NLQ_RETENTION_DAYS", "3")
    from nlq_platform.config import get_settings

    get_settings.cache_clear()
    try:
        archive = tmp_path / "arch"
        run_sql(dsn, "DROP TABLE " + partitions.partition_name(partitions.utc_today() + timedelta(days=1)))
        with FakeBigQuery() as fake:
            store = LogsArchive(
                uri=archive.as_uri(), bigquery_table="nlq-ex.logs_ds.logs", bigquery_endpoint=fake.endpoint
            )
            resources = {"nlq_db": nlq_db, "logs_archive_store": store}
            result = dg.materialize([log_partitions, tomorrow_partition_exists], resources=resources)
            loaded = sorted(load.destination for load in fake.loads)
    finally:
        get_settings.cache_clear()
    assert result.success
    (mat,) = result.asset_materializations_for_node("log_partitions")
    assert (
        partitions.partition_name(partitions.utc_today() + timedelta(days=1)) in mat.metadata["created"].value
    )
    dropped = mat.metadata["dropped"].value.split(", ")
    cutoff = partitions.utc_today() - timedelta(days=3)
    assert dropped and all(partitions.day_of(n) < cutoff for n in dropped)
    archived = FileArchive(archive).days()
    assert {partitions.day_of(n) for n in dropped} <= set(archived)  # archived before the drop
    # … and loaded into BigQuery, as logs_archive would have
    assert loaded == sorted(f"nlq-ex.logs_ds.logs${partitions.day_of(n):%Y%m%d}" for n in dropped)
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"tomorrow_partition_exists": True}
    # an archived day whose partition is gone is kept, not overwritten with nothing
    gone = partitions.day_of(dropped[-1])
    size = (archive / f"logs/date={gone}/logs.parquet").stat().st_size
    resources = {"nlq_db": nlq_db, "logs_archive_store": LogsArchive(uri=archive.as_uri())}
    again = dg.materialize([logs_archive], resources=resources, partition_key=gone.isoformat())
    assert again.success
    assert (archive / f"logs/date={gone}/logs.parquet").stat().st_size == size


def test_tomorrow_check_fails_without_the_partition(dagster_db: tuple[NlqDatabase, str]) -> None:
    nlq_db, dsn = dagster_db
    run_sql(dsn, "DROP TABLE " + partitions.partition_name(partitions.utc_today() + timedelta(days=1)))
    result = dg.materialize(
        [log_partitions, tomorrow_partition_exists],
        resources={"nlq_db": nlq_db, "logs_archive_store": LogsArchive()},
        selection=dg.AssetSelection.checks(tomorrow_partition_exists),
        raise_on_error=False,
    )
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"tomorrow_partition_exists": False}


def test_archive_definitions_are_daily_partitioned() -> None:
    from nlq_platform.defs.definitions import defs

    assert isinstance(logs_archive.partitions_def, dg.DailyPartitionsDefinition)
    assert defs.get_schedule_def("daily_log_partitions").cron_schedule == "15 0 * * *"
    assert defs.get_schedule_def("daily_logs_archive")
    assert defs.get_job_def("logs_archive_job")
