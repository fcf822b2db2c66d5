"""``nlq bench``: benchmarks (code under bench/)."""

from __future__ import annotations

import click


@click.group()
def bench() -> None:
    """Measure ingest throughput and latency."""
