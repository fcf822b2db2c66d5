"""Ordered SQL migrations from ``schema/migrations``, tracked in ``schema_migrations``.

Each file is applied once, in its own transaction, under an advisory lock so two processes
migrating at once do not race. Running it again is a no-op; a file edited after it was applied
is refused rather than silently skipped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from nlq_platform.config import REPO_ROOT
from nlq_platform.db import partitions
from nlq_platform.db.dsn import APP_ROLE, INGEST_ROLE, READER_ROLE

MIGRATIONS_DIR = REPO_ROOT / "schema" / "migrations"
_LOCK_ID = 7_302_115_001  # arbitrary, constant: serialises concurrent `nlq db migrate`


class MigrationError(RuntimeError):
    """A migration could not be applied; the message says which and why."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Migrations in version order: files named ``NNNN_name.sql``."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        version, _, name = path.stem.partition("_")
        if not version.isdigit():
            raise MigrationError(f"{path.name}: migration files must be named NNNN_name.sql")
        found.append(Migration(version=version, name=name, sql=path.read_text()))
    return found


async def apply(
    conn: asyncpg.Connection,
    migrations: list[Migration] | None = None,
    progress: partitions.Progress | None = None,
) -> list[Migration]:
    """Apply what is missing; return the migrations applied by this call.

    Once ``logs`` is partitioned (0008), the rows of the old heap are moved in batches (reported
    through ``progress``) and the partitions of the recent and the coming days are made sure of.
    """
    migrations = discover() if migrations is None else migrations
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version TEXT PRIMARY KEY,
                   name TEXT NOT NULL,
                   checksum TEXT NOT NULL,
                   applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())"""
        )
        done = {r["version"]: r["checksum"] for r in await conn.fetch("SELECT * FROM schema_migrations")}
        applied = []
        for m in migrations:
            if m.version in done:
                if done[m.version] != m.checksum:
                    raise MigrationError(
                        f"migration {m.version}_{m.name} was edited after it was applied; "
                        "add a new migration instead"
                    )
                continue
            try:
                async with conn.transaction():
                    await conn.execute(m.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        m.version,
                        m.name,
                        m.checksum,
                    )
            except asyncpg.PostgresError as exc:
                raise MigrationError(f"migration {m.version}_{m.name} failed: {exc}") from exc
            applied.append(m)
        if await partitions.is_partitioned(conn):
            try:
                await partitions.move_legacy_rows(conn, progress=progress)
                await partitions.ensure_partitions(conn, back=partitions.DEFAULT_BACK_DAYS)
            except (asyncpg.PostgresError, partitions.PartitionError) as exc:
                raise MigrationError(f"partitioning logs: {exc}") from exc
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)


async def set_role_passwords(conn: asyncpg.Connection, passwords: dict[str, str]) -> None:
    """Give the service roles their configured passwords (ALTER ROLE takes no bind parameters)."""
    for role, password in passwords.items():
        literal = await conn.fetchval("SELECT quote_literal($1)", password)
        await conn.execute(f'ALTER ROLE "{role}" WITH LOGIN PASSWORD {literal}')


async def migrate(
    owner_dsn: str,
    ingest_password: str,
    reader_password: str,
    app_password: str | None = None,
    progress: partitions.Progress | None = None,
) -> list[Migration]:
    """Apply pending migrations and (re)set the service roles' passwords.

    ``app_password`` (role ``nlq_app``) is optional so that callers that never run the app (the
    evaluation's fresh databases) leave that cluster-wide role's password as it is."""
    conn = await asyncpg.connect(owner_dsn, timeout=10)
    try:
        applied = await apply(conn, progress=progress)
        passwords = {INGEST_ROLE: ingest_password, READER_ROLE: reader_password}
        if app_password is not None:
            passwords[APP_ROLE] = app_password
        await set_role_passwords(conn, passwords)
        return applied
    finally:
        await conn.close()
