"""``nlq db up/down/migrate`` as functions: the local cluster, or the server in NLQ_DATABASE_URL."""

from __future__ import annotations

import asyncio

import asyncpg

from nlq_platform.config import Settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db import secrets
from nlq_platform.db.cluster import LocalCluster, find_pg_bin
from nlq_platform.db.migrate import Migration, migrate
from nlq_platform.db.partitions import Progress


def local_cluster(settings: Settings) -> LocalCluster:
    return LocalCluster(
        data_dir=settings.home / "pg", port=settings.pg_port, bin_dir=find_pg_bin(settings.pg_bin)
    )


async def ensure_database(admin_dsn: str, name: str) -> bool:
    """Create database ``name`` when missing (connecting to the maintenance db); True if created."""
    conn = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        await conn.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await conn.close()


def up(settings: Settings) -> dsn_mod.Dsns:
    """Start (initialising once) the local cluster; with NLQ_DATABASE_URL, start nothing."""
    dsns = dsn_mod.resolve(settings)
    if dsns.external:
        return dsns
    owner_password = secrets.load_or_create(settings.home)["owner"]
    cluster = local_cluster(settings)
    cluster.init(owner_password)
    cluster.start()
    maintenance = dsn_mod.with_database(dsns.owner, "postgres")
    asyncio.run(ensure_database(maintenance, settings.pg_database))
    return dsns


def down(settings: Settings) -> bool:
    """Stop the local cluster; False when NLQ_DATABASE_URL points elsewhere (nothing to stop)."""
    if settings.database_url:
        return False
    cluster = local_cluster(settings)
    if cluster.is_initialised():
        cluster.stop()
    return True


def run_migrations(settings: Settings, progress: Progress | None = None) -> list[Migration]:
    dsns = dsn_mod.resolve(settings)
    return asyncio.run(
        migrate(dsns.owner, dsns.ingest_password, dsns.reader_password, dsns.app_password, progress=progress)
    )
