"""Prometheus metrics of the ingest service, on a registry of its own (one per app instance)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram


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
