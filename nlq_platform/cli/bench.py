"""``nlq bench``: benchmarks (code under bench/)."""

from __future__ import annotations

import click

from nlq_platform.cli.errors import UserFacingError, user_facing


@click.group()
def bench() -> None:
    """Measure ingest throughput and latency."""


@bench.command()
@click.option(
    "--records", type=click.IntRange(min=1), default=200_000, show_default=True, help="Log records."
)
@click.option(
    "--concurrency", type=click.IntRange(min=1), default=8, show_default=True, help="Concurrent HTTP clients."
)
@click.option("--gzip/--no-gzip", default=False, show_default=True, help="Send gzip-compressed bodies.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def ingest(records: int, concurrency: int, gzip: bool, as_json: bool) -> None:
    """Load the same records by psql \\copy (2 streams) and through the HTTP service; compare."""
    from bench.ingest import BenchError, run

    with user_facing("running the ingest benchmark"):
        try:
            run(records=records, concurrency=concurrency, gzip=gzip, as_json=as_json)
        except BenchError as exc:
            raise UserFacingError(str(exc)) from exc
