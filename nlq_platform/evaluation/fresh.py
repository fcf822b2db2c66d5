"""A freshly seeded evaluation database beside the logs database (for the Dagster eval asset)."""

from __future__ import annotations

import asyncpg

from nlq_platform.db.dsn import with_database
from nlq_platform.db.migrate import migrate
from nlq_platform.evaluation import dataset


async def seed_fresh_database(owner_dsn: str, name: str, ingest_password: str, reader_password: str) -> str:
    """(Re)create database ``name`` on the owner's server, migrate it, load the dataset; its DSN."""
    admin = await asyncpg.connect(with_database(owner_dsn, "postgres"), timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = with_database(owner_dsn, name)
    await migrate(dsn, ingest_password, reader_password)
    await dataset.load(dsn)
    return dsn
