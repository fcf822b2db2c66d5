"""``nlq db``: the local PostgreSQL cluster (or the server in NLQ_DATABASE_URL)."""

from __future__ import annotations

import click

from nlq_platform.cli.errors import UserFacingError, user_facing
from nlq_platform.config import get_settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db import lifecycle


@click.group()
def db() -> None:
    """Start, stop, locate and migrate the database."""


@db.command()
def up() -> None:
    """Start the local cluster under .nlq/pg (idempotent); with NLQ_DATABASE_URL, start nothing."""
    settings = get_settings()
    with user_facing("starting PostgreSQL"):
        dsns = lifecycle.up(settings)
    where = "NLQ_DATABASE_URL (nothing started)" if dsns.external else f"{settings.home / 'pg'}"
    click.echo(f"PostgreSQL ready: {dsn_mod.redact(dsns.owner)}  [{where}]")
    from nlq_platform import dagster_env

    with user_facing("writing the Dagster instance's .env"):
        dotenv = dagster_env.write_dotenv(settings)
    click.echo(f"Dagster storage: {dotenv} (dg dev / dagster dev from the repo root read it)")


@db.command()
def down() -> None:
    """Stop the local cluster (data stays in .nlq/pg)."""
    settings = get_settings()
    with user_facing("stopping PostgreSQL"):
        stopped = lifecycle.down(settings)
    click.echo("PostgreSQL stopped" if stopped else "NLQ_DATABASE_URL is set: nothing to stop")


@db.command()
@click.option(
    "--role", type=click.Choice(["owner", "ingest", "reader", "app"]), default="owner", show_default=True
)
def url(role: str) -> None:
    """Print the DSN (owner by default; --role for the ingest, read-only or analyst-app role)."""
    dsns = dsn_mod.resolve(get_settings())
    click.echo(getattr(dsns, role))


@db.command()
def migrate() -> None:
    """Apply pending migrations from schema/migrations (a no-op when up to date)."""
    with user_facing("migrating"):
        applied = lifecycle.run_migrations(get_settings(), progress=click.echo)
    if applied:
        for m in applied:
            click.echo(f"applied {m.version}_{m.name}")
    else:
        click.echo("schema up to date")


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@db.command()
@click.option(
    "--exact", is_flag=True, help="count(*) every partition (slow on big ones) instead of estimates."
)
@click.option(
    "--maintain", is_flag=True, help="First do what the log_partitions asset does, without archiving."
)
def partitions(exact: bool, maintain: bool) -> None:
    """The daily partitions of logs: rows and size each (estimates unless --exact)."""
    import asyncio

    import asyncpg

    from nlq_platform.db import partitions as parts_mod

    settings = get_settings()

    async def go() -> list[parts_mod.Partition]:
        conn = await asyncpg.connect(dsn_mod.resolve(settings).owner, timeout=10)
        try:
            if not await parts_mod.is_partitioned(conn):
                raise UserFacingError("logs is not partitioned yet: run `nlq db migrate`")
            if maintain:
                for name in await parts_mod.ensure_partitions(conn, ahead=settings.partitions_ahead_days):
                    click.echo(f"created {name}")
                for name in await parts_mod.rehome_default(conn):
                    click.echo(f"created {name} (rows moved out of the default partition)")
            return await parts_mod.list_partitions(conn, count=exact)
        finally:
            await conn.close()

    with user_facing("listing partitions"):
        found = asyncio.run(go())
    click.echo(f"{'partition':<16} {'day':<10} {'rows':>12} {'size':>10}")
    for p in found:
        rows = f"{p.rows:,}" if p.rows >= 0 else "?"
        click.echo(
            f"{p.name:<16} {p.day or 'default'!s:<10} {('' if exact else '~') + rows:>12} {_size(p.bytes):>10}"
        )
    total_rows = sum(max(p.rows, 0) for p in found)
    click.echo(
        f"{len(found)} partitions, {'' if exact else '~'}{total_rows:,} rows, {_size(sum(p.bytes for p in found))}; "
        f"retention {settings.retention_days} days (NLQ_RETENTION_DAYS)"
    )
