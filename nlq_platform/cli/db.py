"""``nlq db``: the local PostgreSQL cluster (or the server in NLQ_DATABASE_URL)."""

from __future__ import annotations

import click

from nlq_platform.cli.errors import user_facing
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
        applied = lifecycle.run_migrations(get_settings())
    if applied:
        for m in applied:
            click.echo(f"applied {m.version}_{m.name}")
    else:
        click.echo("schema up to date")
