"""Shared fixtures: a real PostgreSQL cluster started by the suite, a migrated database, and
real ingest-service processes."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from nlq_platform.config import Settings
from nlq_platform.db.migrate import migrate
from tests.support.pg import APP_PASSWORD, INGEST_PASSWORD, READER_PASSWORD, TestPostgres, start_test_cluster
from tests.support.server import IngestServer

API_KEY_ANY = "test-key-any"
API_KEY_PAYMENT = "test-key-payment"


@pytest.fixture(scope="session")
def pg() -> Iterator[TestPostgres]:
    handle = start_test_cluster()
    yield handle
    handle.cluster.stop(mode="immediate")
    shutil.rmtree(handle.cluster.data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def owner_dsn(pg: TestPostgres) -> str:
    dsn = pg.create_database("nlq_test")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD, APP_PASSWORD))
    return dsn


@pytest.fixture(scope="session")
def test_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlq-home")


@pytest.fixture(scope="session")
def settings(owner_dsn: str, test_home: Path) -> Settings:
    return Settings(
        home=test_home,
        database_url=owner_dsn,
        ingest_db_password=INGEST_PASSWORD,
        reader_db_password=READER_PASSWORD,
        app_db_password=APP_PASSWORD,
        ingest_keys=f"{API_KEY_ANY}=*,{API_KEY_PAYMENT}=payment-api",
    )


def settings_env(settings: Settings, **overrides: str) -> dict[str, str]:
    """The NLQ_* environment that reproduces ``settings`` in a child process."""
    env = {
        "NLQ_HOME": str(settings.home),
        "NLQ_DATABASE_URL": settings.database_url or "",
        "NLQ_INGEST_DB_PASSWORD": settings.ingest_db_password or "",
        "NLQ_READER_DB_PASSWORD": settings.reader_db_password or "",
        "NLQ_APP_DB_PASSWORD": settings.app_db_password or "",
        "NLQ_INGEST_KEYS": settings.ingest_keys,
    }
    env.update({f"NLQ_{k.upper()}": v for k, v in overrides.items()})
    return env


@pytest.fixture(scope="session")
def start_ingest(settings: Settings) -> Iterator[Callable[..., IngestServer]]:
    """Factory: start an ingest service with optional NLQ_* overrides; all stopped at the end."""
    started: list[IngestServer] = []

    def start(**overrides: str) -> IngestServer:
        server = IngestServer(env=settings_env(settings, **overrides)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def ingest(start_ingest: Callable[..., IngestServer]) -> IngestServer:
    return start_ingest()


def run_sql(dsn: str, sql: str, *args: object) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(dsn)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(go())


@pytest.fixture
def clean_logs(owner_dsn: str) -> str:
    run_sql(owner_dsn, "TRUNCATE logs, ingest_batches RESTART IDENTITY")
    return owner_dsn


@pytest.fixture(autouse=True, scope="session")
def _quiet_env() -> None:
    os.environ.setdefault("NLQ_LOG_LEVEL", "WARNING")
