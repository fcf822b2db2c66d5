"""``nlq bench``: benchmarks (code under bench/)."""

from __future__ import annotations

import click

from nlq_platform.cli.errors import UserFacingError, user_facing


@click.group()
def bench() -> None:
    """Measure ingest throughput and latency, query latency, and the Python client's call cost."""


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


@bench.command()
@click.option(
    "--rows", type=click.IntRange(min=1), default=10_000_000, show_default=True, help="Rows in logs."
)
@click.option(
    "--repeat", type=click.IntRange(min=1), default=20, show_default=True, help="Timed runs per scenario."
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--keep", is_flag=True, help="Reuse nlq_bench_queries when it already holds --rows rows.")
@click.option(
    "--extra-index",
    "extra_indexes",
    multiple=True,
    metavar="DDL",
    help="A candidate CREATE INDEX (repeatable; ';' joins statements into one candidate): "
    "built, measured against the baseline, dropped again.",
)
def queries(rows: int, repeat: int, as_json: bool, keep: bool, extra_indexes: tuple[str, ...]) -> None:
    """Time every evaluation scenario's gold SQL over a large logs table (p50/p95 per scenario)."""
    from bench.queries import BenchError, run

    with user_facing("running the query benchmark"):
        try:
            run(rows=rows, repeat=repeat, as_json=as_json, keep=keep, extra_indexes=extra_indexes)
        except BenchError as exc:
            raise UserFacingError(str(exc)) from exc


@bench.command()
@click.option(
    "--calls",
    type=click.IntRange(min=1000),
    default=200_000,
    show_default=True,
    help="Timed calls per scenario.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def client(calls: int, as_json: bool) -> None:
    """The cost of one logger.info(...) call of the Python client, server up and down (p50/p99)."""
    from bench.client import BenchError, run

    with user_facing("running the client benchmark"):
        try:
            run(calls=calls, as_json=as_json)
        except BenchError as exc:
            raise UserFacingError(str(exc)) from exc


@bench.command()
@click.option(
    "--sizes",
    default="0,10000000,30000000",
    show_default=True,
    help="Existing rows to measure at, comma-separated.",
)
@click.option(
    "--ingest-records",
    type=click.IntRange(min=3000),
    default=100_000,
    show_default=True,
    help="Records POSTed at each size.",
)
@click.option(
    "--repeat", type=click.IntRange(min=1), default=20, show_default=True, help="Timed runs per scenario."
)
@click.option(
    "--concurrency", type=click.IntRange(min=1), default=8, show_default=True, help="Concurrent HTTP clients."
)
@click.option(
    "--max-minutes",
    type=click.FloatRange(min=0),
    default=45,
    show_default=True,
    help="Start no new size after this.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def growth(
    sizes: str, ingest_records: int, repeat: int, concurrency: int, max_minutes: float, as_json: bool
) -> None:
    """Ingest rate (HTTP) and gold-SQL p95 as logs grows: partitioned vs single table, side by side."""
    from bench.growth import run
    from bench.ingest import BenchError

    try:
        parsed = tuple(int(s.replace("_", "").strip()) for s in sizes.split(",") if s.strip())
    except ValueError as exc:
        raise UserFacingError(f"--sizes must be comma-separated row counts, not {sizes!r}") from exc
    with user_facing("running the growth benchmark"):
        try:
            run(
                sizes=parsed,
                ingest_records=ingest_records,
                repeat=repeat,
                concurrency=concurrency,
                max_minutes=max_minutes,
                as_json=as_json,
            )
        except BenchError as exc:
            raise UserFacingError(str(exc)) from exc
