"""A throw-away PostgreSQL cluster for the test suite (real server, never a mock)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from nlq_platform.config import REPO_ROOT
from nlq_platform.db.cluster import LocalCluster
from nlq_platform.db.dsn import OWNER_USER, with_credentials, with_database

TEST_PASSWORD = "nlq-test-owner"
INGEST_PASSWORD = "nlq-test-ingest"
READER_PASSWORD = "nlq-test-reader"
APP_PASSWORD = "nlq-test-app"  # roles are cluster-wide: every test sets the same password
# Under the repo (not /tmp/pytest-of-root, which the postgres account cannot traverse); one
# directory per test run (named by pid) so that concurrent runs do not share a cluster.
TEST_CLUSTERS_DIR = REPO_ROOT / ".nlq" / "test-pg"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class TestPostgres:
    __test__ = False  # a fixture value, not a test class

    cluster: LocalCluster

    @property
    def port(self) -> int:
        return self.cluster.port

    def owner_dsn(self, database: str = "postgres") -> str:
        base = f"postgresql://127.0.0.1:{self.port}/{database}"
        return with_credentials(base, OWNER_USER, TEST_PASSWORD)

    def create_database(self, name: str) -> str:
        async def go() -> None:
            conn = await asyncpg.connect(self.owner_dsn())
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        asyncio.run(go())
        return with_database(self.owner_dsn(), name)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_clusters(parent: Path = TEST_CLUSTERS_DIR) -> None:
    """Stop and delete clusters left by test runs that died without cleaning up."""
    if not parent.is_dir():
        return
    for data_dir in parent.iterdir():
        if not data_dir.is_dir() or not (data_dir / "PG_VERSION").exists():
            continue
        if data_dir.name.isdigit() and _pid_alive(int(data_dir.name)):
            continue
        old = LocalCluster(data_dir=data_dir, port=0)
        if old.is_running():
            old.stop(mode="immediate")
        shutil.rmtree(data_dir, ignore_errors=True)


def start_test_cluster(parent: Path = TEST_CLUSTERS_DIR) -> TestPostgres:
    """A fresh cluster on a free port; fsync off, since its data is thrown away."""
    remove_stale_clusters(parent)
    parent.mkdir(parents=True, exist_ok=True)
    data_dir = parent / str(os.getpid())
    cluster = LocalCluster(
        data_dir=data_dir,
        port=free_port(),
        extra_conf={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"},
    )
    cluster.init(TEST_PASSWORD)
    cluster.start()
    return TestPostgres(cluster)
