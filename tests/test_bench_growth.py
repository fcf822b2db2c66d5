"""``nlq bench growth`` end to end at a few thousand rows: both layouts, every size, every figure.

The figures themselves are measured on a quiet machine and reported in the README; here only
that the benchmark works (real databases of both layouts, a real uvicorn process, the 38 gold
queries) and cleans up after itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.growth import LAYOUTS, database, run
from nlq_platform.config import Settings
from nlq_platform.db import dsn as dsn_mod
from tests.conftest import run_sql


def test_the_growth_benchmark_runs_both_layouts_and_cleans_up(
    settings: Settings, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    result = run(
        sizes=(0, 4000),
        ingest_records=3000,
        repeat=1,
        concurrency=2,
        as_json=True,
        settings=settings,
        results_dir=tmp_path,
    )

    assert result["reached_rows"] == 4000 and result["stopped"] == ""
    assert [(s["rows"], s["layout"]) for s in result["steps"]] == [
        (0, "partitioned"),
        (0, "single"),
        (4000, "partitioned"),
        (4000, "single"),
    ]
    for step in result["steps"]:
        assert step["ingest"]["logs_per_s"] > 0 and step["ingest"]["timed_records"] == 3000
        assert (
            (step["partitions"] or 0) > 30 if step["layout"] == "partitioned" else step["partitions"] is None
        )
    for step in result["steps"][2:]:
        assert step["queries"]["overall"]["scenarios"] == 38 and len(step["queries"]["p95_ms"]) == 38
    assert result["steps"][0]["queries"] is None  # nothing to query in an empty table
    assert json.loads(capfd.readouterr().out) == json.loads(next(tmp_path.glob("growth-*.json")).read_text())
    maintenance = dsn_mod.with_database(settings.database_url or "", "postgres")
    names = {r["datname"] for r in run_sql(maintenance, "SELECT datname FROM pg_database")}
    assert not names & {database(lay) for lay in LAYOUTS}  # dropped again


def test_a_run_out_of_time_says_how_far_it_got(settings: Settings, tmp_path: Path) -> None:
    result = run(
        sizes=(0, 4000), ingest_records=3000, repeat=1, max_minutes=0, settings=settings, results_dir=tmp_path
    )
    assert result["reached_rows"] == 0 and result["steps"] == []
    assert result["stopped"].startswith("time budget of 0 min used up")
