"""Daily partitions of logs against a real PostgreSQL: the migration (with data, in batches),
the default partition, partitions ahead, retention, partition pruning, ingest and the dataset
loader on the partitioned table, and `nlq db partitions`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from ingest_service.records import COLUMNS
from nlq_platform.db import partitions
from nlq_platform.db.migrate import apply, discover, migrate
from nlq_platform.evaluation import dataset
from tests.conftest import API_KEY_ANY, run_sql
from tests.support.pg import INGEST_PASSWORD, READER_PASSWORD, TestPostgres
from tests.support.server import IngestServer

NLQ = str(Path(sys.executable).parent / "nlq")
FINGERPRINT = "SELECT count(*) AS n, sum(hashtext(l::text)::bigint) AS h FROM (SELECT {cols} FROM {table}) l"


def _fingerprint(dsn: str, table: str) -> tuple[int, int]:
    row = run_sql(dsn, FINGERPRINT.format(cols=", ".join(["id", *COLUMNS]), table=table))[0]
    return row["n"], row["h"]


@pytest.fixture(scope="module")
def eval_dsn(pg: TestPostgres) -> str:
    dsn = pg.create_database("nlq_partitions_eval")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    asyncio.run(dataset.load(dsn))
    return dsn


def test_logs_is_partitioned_by_day_with_the_seed_schema(owner_dsn: str) -> None:
    kind = run_sql(owner_dsn, "SELECT relkind::text AS k FROM pg_class WHERE relname = 'logs'")[0]["k"]
    assert kind == "p"
    key = run_sql(owner_dsn, "SELECT pg_get_partkeydef('logs'::regclass) AS d")[0]["d"]
    assert key == "RANGE (created_at)"
    pk = run_sql(
        owner_dsn,
        "SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE conrelid = 'logs'::regclass AND contype = 'p'",
    )[0]["d"]
    assert pk == "PRIMARY KEY (id, created_at)"
    names = {
        r["relname"]
        for r in run_sql(
            owner_dsn,
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'logs'::regclass",
        )
    }
    today = partitions.utc_today()
    assert "logs_default" in names
    for offset in (-30, -1, 0, 1, 7):  # the retention window back, a week ahead
        assert partitions.partition_name(today + timedelta(days=offset)) in names
    # every partition carries the parent's six partial indexes plus the primary key
    idx = run_sql(
        owner_dsn,
        "SELECT count(*) AS n FROM pg_indexes WHERE tablename = $1",
        partitions.partition_name(today),
    )
    assert idx[0]["n"] == 7
    assert run_sql(owner_dsn, "SELECT to_regclass('logs_legacy') AS t")[0]["t"] is None


_COLUMNS_SQL = (
    "SELECT column_name, ordinal_position, data_type, udt_name, character_maximum_length, "
    "numeric_precision, numeric_scale, is_nullable, column_default, "
    "col_description('logs'::regclass, ordinal_position::int) AS comment "
    "FROM information_schema.columns WHERE table_name = 'logs' ORDER BY ordinal_position"
)
_INDEXES_SQL = (
    "SELECT c.relname AS name, c.relkind::text AS kind, "
    "replace(pg_get_indexdef(c.oid), ' ON ONLY ', ' ON ') AS def "
    "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE i.indrelid = 'logs'::regclass AND NOT i.indisprimary ORDER BY 1"
)


def test_partitioning_keeps_the_seed_schema_exactly(pg: TestPostgres, owner_dsn: str) -> None:
    """0008 against the schema before it: the same 21 columns (types, lengths, nullability,
    defaults, COMMENTs), table COMMENT and enum types, the same six index definitions (now
    partitioned indexes); only the primary key changes, to (id, created_at)."""
    seed = pg.create_database("nlq_partitions_seed")

    async def before() -> None:
        conn = await asyncpg.connect(seed)
        try:
            await apply(conn, [m for m in discover() if m.version < "0008"])
        finally:
            await conn.close()

    asyncio.run(before())
    old = [dict(r) for r in run_sql(seed, _COLUMNS_SQL)]
    new = [dict(r) for r in run_sql(owner_dsn, _COLUMNS_SQL)]
    assert len(new) == 21 and new == old
    assert all(c["comment"] for c in new)  # every column keeps its COMMENT
    table_comment = "SELECT obj_description('logs'::regclass, 'pg_class') AS c"
    assert run_sql(owner_dsn, table_comment) == run_sql(seed, table_comment)
    enums = "SELECT typname, enum_range(NULL::log_level)::text AS l FROM pg_type WHERE typname = 'log_level'"
    assert run_sql(owner_dsn, enums) == run_sql(seed, enums)
    old_idx = {r["name"]: r["def"] for r in run_sql(seed, _INDEXES_SQL)}
    new_idx = run_sql(owner_dsn, _INDEXES_SQL)
    assert {r["name"]: r["def"] for r in new_idx} == old_idx
    assert len(old_idx) == 6 and sum("WHERE" in d for d in old_idx.values()) == 6
    assert {r["kind"] for r in new_idx} == {"I"}  # partitioned indexes: every partition has its own
    pk = (
        "SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint "
        "WHERE conrelid = 'logs'::regclass AND contype = 'p'"
    )
    assert run_sql(seed, pk)[0]["d"] == "PRIMARY KEY (id)"
    assert run_sql(owner_dsn, pk)[0]["d"] == "PRIMARY KEY (id, created_at)"  # the one deviation


def test_migrating_a_database_with_rows_moves_them_all_in_batches(
    pg: TestPostgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    dsn = pg.create_database("nlq_partitions_legacy")
    before = [m for m in discover() if m.version < "0008"]
    rows = dataset.generate(datetime.now(UTC), seed=3)
    odd = [  # far outside the dataset's week: their days get partitions too
        (datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), *rows[0][1:]),
        (datetime(2100, 1, 1, tzinfo=UTC), *rows[1][1:]),
    ]

    async def seed() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await apply(conn, before)
            await conn.copy_records_to_table("logs", records=[*rows, *odd], columns=COLUMNS)
            await conn.execute("UPDATE logs SET deleted = TRUE WHERE id % 50 = 0")
        finally:
            await conn.close()

    asyncio.run(seed())
    expected = _fingerprint(dsn, "logs")
    said: list[str] = []

    async def go() -> list:
        conn = await asyncpg.connect(dsn)
        try:
            return await apply(conn, progress=said.append)
        finally:
            await conn.close()

    monkeypatch.setattr(partitions, "MOVE_BATCH", 5_000)  # many batches, not one
    applied = asyncio.run(go())
    assert [m.version for m in applied] == [m.version for m in discover() if m.version >= "0008"]
    assert _fingerprint(dsn, "logs") == expected  # nothing lost, nothing changed, ids kept
    assert said[0].startswith(f"moving {len(rows) + 2:,} rows")
    assert len(said) >= 2 and said[-1].startswith(f"  {len(rows) + 2:,}/{len(rows) + 2:,} rows moved (100%")
    assert run_sql(dsn, "SELECT to_regclass('logs_legacy') AS t")[0]["t"] is None
    assert run_sql(dsn, "SELECT count(*) AS n FROM logs_default")[0]["n"] == 0  # every day has a partition
    assert run_sql(dsn, "SELECT to_regclass('logs_p19991231') AS t")[0]["t"] is not None
    # the sequence goes on after the moved ids
    new_id = run_sql(
        dsn, "INSERT INTO logs (log_type, service, message) VALUES ('BACKEND', 's', 'm') RETURNING id"
    )
    assert new_id[0]["id"] > max(
        r["id"] for r in run_sql(dsn, "SELECT max(id) AS id FROM logs WHERE message <> 'm'")
    )
    assert asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD)) == []  # then a no-op


def test_sparse_ids_move_in_full_batches(pg: TestPostgres, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches are the next N ids by the old primary key: ids 10^12 apart take no empty batches."""
    dsn = pg.create_database("nlq_partitions_sparse")
    rows = dataset.generate(datetime.now(UTC), seed=4)[:5]
    ids = [1, 2, 3, 10**12, 10**15]

    async def seed() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await apply(conn, [m for m in discover() if m.version < "0008"])
            await conn.copy_records_to_table(
                "logs", records=[(i, *r) for i, r in zip(ids, rows, strict=True)], columns=["id", *COLUMNS]
            )
        finally:
            await conn.close()

    asyncio.run(seed())
    expected = _fingerprint(dsn, "logs")
    said: list[str] = []
    monkeypatch.setattr(partitions, "MOVE_BATCH", 2)

    async def go() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await asyncio.wait_for(apply(conn, progress=said.append), timeout=60)
        finally:
            await conn.close()

    asyncio.run(go())
    assert _fingerprint(dsn, "logs") == expected
    assert [r["id"] for r in run_sql(dsn, "SELECT id FROM logs ORDER BY id")] == ids
    assert said[-1].startswith("  5/5 rows moved (100%")


def test_any_timestamp_is_stored_and_rehomed_when_its_partition_is_created(pg: TestPostgres) -> None:
    dsn = pg.create_database("nlq_partitions_default")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    far = date(2150, 6, 1)
    run_sql(
        dsn,
        "INSERT INTO logs (created_at, log_type, service, message) VALUES ($1, 'BACKEND', 's', 'far'), ($2, 'BACKEND', 's', 'old')",
        datetime(2150, 6, 1, 12, tzinfo=UTC),
        datetime(1970, 1, 2, tzinfo=UTC),
    )
    assert run_sql(dsn, "SELECT count(*) AS n FROM logs_default")[0]["n"] == 2

    async def go() -> list[str]:
        conn = await asyncpg.connect(dsn)
        try:
            return await partitions.rehome_default(conn, not_before=date(2000, 1, 1))
        finally:
            await conn.close()

    assert asyncio.run(go()) == [partitions.partition_name(far)]
    assert run_sql(dsn, "SELECT message FROM logs_p21500601")[0]["message"] == "far"
    assert [r["message"] for r in run_sql(dsn, "SELECT message FROM logs_default")] == ["old"]
    assert run_sql(dsn, "SELECT count(*) AS n FROM logs")[0]["n"] == 2


def test_retention_archives_then_drops_whole_partitions(pg: TestPostgres) -> None:
    dsn = pg.create_database("nlq_partitions_retention")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    asyncio.run(dataset.load(dsn))
    total = run_sql(dsn, "SELECT count(*) AS n FROM logs")[0]["n"]
    today = partitions.utc_today()
    archived: list[date] = []

    async def before_drop(day: date) -> None:
        archived.append(day)

    async def go() -> list[str]:
        conn = await asyncpg.connect(dsn)
        try:
            return await partitions.apply_retention(
                conn, retention_days=3, today=today, before_drop=before_drop
            )
        finally:
            await conn.close()

    dropped = asyncio.run(go())
    cutoff = today - timedelta(days=3)
    assert dropped and all(partitions.day_of(n) < cutoff for n in dropped)
    assert archived == [partitions.day_of(n) for n in dropped]  # archived first, each one
    left = run_sql(dsn, "SELECT min(created_at) AS m, count(*) AS n FROM logs")[0]
    assert left["m"] >= datetime.combine(cutoff, datetime.min.time(), tzinfo=UTC)
    assert 0 < left["n"] < total

    async def failing(day: date) -> None:
        raise RuntimeError("archive down")

    async def go_failing() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await partitions.apply_retention(conn, retention_days=1, today=today, before_drop=failing)
        finally:
            await conn.close()

    with pytest.raises(RuntimeError, match="archive down"):
        asyncio.run(go_failing())
    # nothing is dropped when its archive fails
    assert run_sql(dsn, "SELECT count(*) AS n FROM logs")[0]["n"] == left["n"]


def _scanned(plan: dict) -> set[str]:
    found: set[str] = set()

    def walk(node: dict) -> None:
        if "Relation Name" in node:
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return found


def _removed(plan: dict) -> int:
    total = 0

    def walk(node: dict) -> None:
        nonlocal total
        total += node.get("Subplans Removed", 0)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return total


def test_windowed_queries_read_only_their_days(eval_dsn: str) -> None:
    """EXPLAIN ANALYZE: NOW()-relative windows are pruned to the partitions they touch."""
    sql = "SELECT count(*) FROM logs WHERE level = 'ERROR' AND created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE"
    plan = json.loads(run_sql(eval_dsn, f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")[0][0])[0]
    scanned = _scanned(plan)
    now = datetime.now(UTC)
    first = (now - timedelta(hours=1)).date()
    # Every day before the window is pruned at executor start-up; with no upper bound, today
    # and the (empty) days ahead and the default partition stay in the plan.
    days = {partitions.day_of(n) for n in scanned} - {None}
    assert days and min(days) >= first, scanned
    assert partitions.partition_name(now.date()) in scanned
    assert _removed(plan) >= 30  # the month behind the window
    # a literal window is pruned at plan time: plain EXPLAIN shows only that day
    day = (now - timedelta(days=2)).date()
    lit = (
        f"SELECT count(*) FROM logs WHERE created_at >= '{day} 00:00+00' "
        f"AND created_at < '{day + timedelta(days=1)} 00:00+00'"
    )
    plan = json.loads(run_sql(eval_dsn, f"EXPLAIN (FORMAT JSON) {lit}")[0][0])[0]
    assert _scanned(plan) == {partitions.partition_name(day)}


def test_the_dataset_loader_works_on_the_partitioned_table(eval_dsn: str) -> None:
    first = run_sql(eval_dsn, "SELECT count(*) AS n FROM logs")[0]["n"]
    assert asyncio.run(dataset.load(eval_dsn)) == first
    assert run_sql(eval_dsn, "SELECT count(*) AS n FROM logs")[0]["n"] == first
    assert run_sql(eval_dsn, "SELECT count(*) AS n FROM logs_default")[0]["n"] == 0


def test_ingest_stores_any_timestamp_once(clean_logs: str, ingest: IngestServer) -> None:
    records = [
        {"message": "ancient", "service": "svc", "log_type": "BACKEND", "created_at": "1990-05-01T00:00:00Z"},
        {"message": "now", "service": "svc", "log_type": "BACKEND"},
    ]
    headers = {"Authorization": f"Bearer {API_KEY_ANY}", "Idempotency-Key": "partitioned-1"}
    for _ in range(2):
        response = httpx.post(f"{ingest.url}/logs", json=records, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
    assert response.json()["duplicate"] is True
    rows = run_sql(
        clean_logs, "SELECT tableoid::regclass::text AS part, message FROM logs ORDER BY created_at"
    )
    assert [(r["part"], r["message"]) for r in rows] == [
        ("logs_default", "ancient"),
        (partitions.partition_name(partitions.utc_today()), "now"),
    ]


def _cli_env(dsn: str, home: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NLQ_", "ANTHROPIC_"))}
    return {
        **clean,
        "NLQ_HOME": str(home),
        "NLQ_DATABASE_URL": dsn,
        "NLQ_READER_DB_PASSWORD": READER_PASSWORD,
        "NLQ_INGEST_DB_PASSWORD": INGEST_PASSWORD,
    }


def test_nlq_db_partitions_lists_rows_and_sizes(eval_dsn: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [NLQ, "db", "partitions", "--exact"],
        env=_cli_env(eval_dsn, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["partition", "day", "rows", "size"]
    today = partitions.partition_name(partitions.utc_today())
    row = next(line for line in lines if line.startswith(today))
    expected = run_sql(eval_dsn, f"SELECT count(*) AS n FROM {today}")[0]["n"]
    assert f"{expected:,}" in row.split()
    total = run_sql(eval_dsn, "SELECT count(*) AS n FROM logs")[0]["n"]
    assert f"{total:,} rows" in lines[-1] and "retention 30 days" in lines[-1]
    assert any(line.startswith("logs_default") for line in lines)


def test_nlq_db_partitions_on_an_unpartitioned_table_says_so(pg: TestPostgres, tmp_path: Path) -> None:
    dsn = pg.create_database("nlq_partitions_old")

    async def old() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await apply(conn, [m for m in discover() if m.version < "0008"])
        finally:
            await conn.close()

    asyncio.run(old())
    result = subprocess.run(
        [NLQ, "db", "partitions"], env=_cli_env(dsn, tmp_path), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: logs is not partitioned yet: run `nlq db migrate`"


def test_progress_reaches_the_cli(pg: TestPostgres, tmp_path: Path) -> None:
    dsn = pg.create_database("nlq_partitions_cli")

    async def old() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await apply(conn, [m for m in discover() if m.version < "0008"])
            rows = dataset.generate(datetime.now(UTC), seed=5)[:2000]
            await conn.copy_records_to_table("logs", records=rows, columns=COLUMNS)
        finally:
            await conn.close()

    asyncio.run(old())
    result = subprocess.run(
        [NLQ, "db", "migrate"], env=_cli_env(dsn, tmp_path), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0] == "moving 2,000 rows of the unpartitioned logs table into " + out[0].split(" into ")[1]
    assert "2,000/2,000 rows moved (100%" in result.stdout
    assert "applied 0008_logs_partitioned" in result.stdout
