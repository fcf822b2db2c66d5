"""``nlq bench ingest`` end to end at a small size: all three loads run and store identical rows.

The figures themselves are measured on a quiet machine and reported in the README; here only
that the benchmark works (a real cluster, psql, a real uvicorn process) and reports every figure.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.ingest import run
from nlq_platform.config import Settings


def test_the_ingest_benchmark_runs_and_reports_every_figure(
    settings: Settings, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    result = run(records=3000, concurrency=2, as_json=True, settings=settings, results_dir=tmp_path)

    assert result["rows_identical"]  # the run fails unless psql, HTTP and direct stored the same rows
    for load in ("psql", "http", "direct"):
        assert result[load]["logs_per_s"] > 0
        assert result[load]["cpu"]["machine_busy_pct"] >= 0
        assert "postgres_and_rest" in result[load]["cpu"]["us_per_record"]
    assert set(result["http"]["cpu"]["us_per_record"]) == {"service", "clients", "postgres_and_rest"}
    assert result["http"]["single_client_latency_ms"]["batches"] == 3
    assert result["direct"]["single_batch_latency_ms"]["p50"] > 0
    assert [t["name"] for t in result["targets"]] == [
        "ratio http/psql",
        "HTTP end to end",
        "batch p50, 1 client",
        "server peak RSS",
    ]
    assert len(result["bounds"]) == 2
    assert json.loads(capfd.readouterr().out) == json.loads(next(tmp_path.glob("ingest-*.json")).read_text())
