"""Migrations against a real PostgreSQL: idempotent, the seed's schema, least-privilege roles."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from nlq_platform.db.dsn import with_credentials
from nlq_platform.db.migrate import Migration, MigrationError, apply, discover, migrate
from tests.conftest import run_sql
from tests.support.pg import INGEST_PASSWORD, READER_PASSWORD, TestPostgres


def test_migrating_twice_is_a_no_op(owner_dsn: str) -> None:
    again = asyncio.run(migrate(owner_dsn, INGEST_PASSWORD, READER_PASSWORD))
    assert again == []
    rows = run_sql(owner_dsn, "SELECT version FROM schema_migrations ORDER BY version")
    assert [r["version"] for r in rows] == [m.version for m in discover()]


def test_logs_table_has_the_seed_schema(owner_dsn: str) -> None:
    columns = run_sql(
        owner_dsn,
        "SELECT column_name, data_type, udt_name, character_maximum_length, is_nullable "
        "FROM information_schema.columns WHERE table_name = 'logs' ORDER BY ordinal_position",
    )
    assert len(columns) == 21
    by_name = {c["column_name"]: c for c in columns}
    assert by_name["level"]["udt_name"] == "log_level"
    assert by_name["log_type"]["udt_name"] == "source_type"
    assert by_name["environment"]["udt_name"] == "env_type"
    assert by_name["method"]["udt_name"] == "http_method"
    assert by_name["path"]["character_maximum_length"] == 500
    assert by_name["trace_id"]["character_maximum_length"] == 32
    assert by_name["metadata"]["data_type"] == "jsonb"
    assert by_name["message"]["is_nullable"] == "NO"

    enums = run_sql(
        owner_dsn,
        "SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels "
        "FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname",
    )
    labels = {r["typname"]: list(r["labels"]) for r in enums}
    assert labels["log_level"] == ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
    assert labels["env_type"] == ["production", "staging", "development", "test", "local"]

    indexes = run_sql(owner_dsn, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'logs'")
    defs = {r["indexname"]: r["indexdef"] for r in indexes}
    for name in ("idx_service_level_time", "idx_error_time", "idx_user_time", "idx_trace"):
        assert "WHERE" in defs[name] and "deleted = false" in defs[name]

    comment = run_sql(
        owner_dsn,
        "SELECT col_description('logs'::regclass, attnum) AS c FROM pg_attribute "
        "WHERE attrelid = 'logs'::regclass AND attname = 'path'",
    )[0]["c"]
    assert comment.startswith("경로")  # path


async def _can(dsn: str, sql: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
        return True
    except asyncpg.InsufficientPrivilegeError:
        return False
    finally:
        await conn.close()


def test_roles_are_least_privilege(owner_dsn: str) -> None:
    reader = with_credentials(owner_dsn, "nlq_reader", READER_PASSWORD)
    writer = with_credentials(owner_dsn, "nlq_ingest", INGEST_PASSWORD)
    insert = "INSERT INTO logs (log_type, service, message) VALUES ('BACKEND', 'svc', 'm')"
    assert asyncio.run(_can(reader, "SELECT count(*) FROM logs"))
    assert not asyncio.run(_can(reader, insert))
    assert not asyncio.run(_can(reader, "SELECT * FROM ingest_batches"))
    assert not asyncio.run(_can(reader, "SELECT * FROM schema_migrations"))
    assert not asyncio.run(_can(reader, "DELETE FROM logs"))
    assert asyncio.run(_can(writer, insert))
    assert not asyncio.run(_can(writer, "SELECT * FROM logs"))
    assert not asyncio.run(_can(writer, "UPDATE logs SET deleted = TRUE"))
    assert not asyncio.run(_can(writer, "DELETE FROM logs"))
    assert not asyncio.run(_can(writer, "TRUNCATE logs"))


def test_an_edited_migration_is_refused(pg: TestPostgres) -> None:
    dsn = pg.create_database("nlq_edited")
    first = [Migration("0001", "t", "CREATE TABLE t (a int);")]
    edited = [Migration("0001", "t", "CREATE TABLE t (a bigint);")]

    async def go() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            assert len(await apply(conn, first)) == 1
            with pytest.raises(MigrationError, match="edited after it was applied"):
                await apply(conn, edited)
        finally:
            await conn.close()

    asyncio.run(go())


def test_a_failing_migration_is_reported_and_rolled_back(pg: TestPostgres) -> None:
    dsn = pg.create_database("nlq_failing")
    bad = [Migration("0001", "ok", "CREATE TABLE ok (a int);"), Migration("0002", "bad", "CREATE TABL x;")]

    async def go() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            with pytest.raises(MigrationError, match="0002_bad failed"):
                await apply(conn, bad)
            versions = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")]
            assert versions == ["0001"]
        finally:
            await conn.close()

    asyncio.run(go())
