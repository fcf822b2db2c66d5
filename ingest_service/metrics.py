"""Prometheus metrics of the ingest service, on a registry of its own (one per app instance).

With several uvicorn workers ``nlq ingest serve`` sets ``PROMETHEUS_MULTIPROC_DIR``: each worker
then keeps its values in files there, and :func:`exposition` sums them all, so a scrape answered by
any one worker counts every worker. Only counters and histograms here: a gauge would need a
``multiprocess_mode`` (and dead workers marked with ``multiprocess.mark_process_dead``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass
class IngestMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.accepted = Counter("nlq_ingest_records_accepted", "Log records stored.", registry=r)
        self.rejected = Counter("nlq_ingest_records_rejected", "Log records rejected.", registry=r)
        self.duplicates = Counter(
            "nlq_ingest_duplicate_batches", "Batches answered from their Idempotency-Key.", registry=r
        )
        self.responses = Counter(
            "nlq_ingest_batches", "Batch requests by HTTP status.", ["status"], registry=r
        )
        self.latency = Histogram(
            "nlq_ingest_batch_duration_seconds",
            "Time to handle one POST /logs, from body read to response.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )


def exposition(metrics: IngestMetrics) -> bytes:
    """The text for ``GET /metrics``: every worker's values in multiprocess mode, else this app's."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(metrics.registry)
