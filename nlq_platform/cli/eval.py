"""``nlq eval``: the evaluation dataset and the execution-accuracy report."""

from __future__ import annotations

import asyncio
import time

import click

from nlq_platform.cli.errors import user_facing
from nlq_platform.config import get_settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db import lifecycle
from nlq_platform.evaluation import dataset


@click.group(name="eval")
def eval_group() -> None:
    """Seed the evaluation dataset and measure Text-to-SQL accuracy."""


@eval_group.command()
def seed() -> None:
    """Load the evaluation dataset into the database (NLQ_DATABASE_URL or the local cluster),
    migrating first; replaces what the logs table held."""
    settings = get_settings()
    started = time.monotonic()
    with user_facing("seeding the evaluation dataset"):
        lifecycle.up(settings)
        lifecycle.run_migrations(settings)
        rows = asyncio.run(dataset.load(dsn_mod.resolve(settings).owner))
    click.echo(f"loaded {rows:,} rows in {time.monotonic() - started:.1f}s")
