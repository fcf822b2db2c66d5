"""A backfill of ``logs_archive`` launched the way the Dagster UI launches one.

Real ``dagster-webserver`` and ``dagster-daemon`` processes on the project's workspace, a temporary
instance, and the GraphQL mutation the UI's "Materialize → Launch backfill" dialog sends
(``launchPartitionBackfill`` with the asset and its partition keys); the daemon's backfill loop
turns it into one run per day, each exporting its day to the archive.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest

from nlq_platform.config import REPO_ROOT
from nlq_platform.db import partitions
from nlq_platform.db.migrate import migrate
from nlq_platform.evaluation import dataset
from tests.conftest import run_sql
from tests.support.pg import INGEST_PASSWORD, READER_PASSWORD, TestPostgres

BIN = Path(sys.executable).parent

LAUNCH = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on UnauthorizedError { message }
    ... on PartitionSetNotFoundError { message }
    ... on InvalidSubsetError { message }
  }
}
"""
STATUS = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status numPartitions }
    ... on PythonError { message }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(url: str, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables}, timeout=30)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture
def dagster(pg: TestPostgres, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """dagster-webserver + dagster-daemon on a fresh database with the evaluation dataset."""
    dsn = pg.create_database("nlq_archive_backfill")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    asyncio.run(dataset.load(dsn))
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")  # storage: sqlite under home
    archive = tmp_path / "archive"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("NLQ_", "ANTHROPIC_", "DAGSTER_"))},
        "DAGSTER_HOME": str(home),
        "NLQ_HOME": str(tmp_path / "nlq"),
        "NLQ_DATABASE_URL": dsn,
        "NLQ_READER_DB_PASSWORD": READER_PASSWORD,
        "NLQ_INGEST_DB_PASSWORD": INGEST_PASSWORD,
        "NLQ_ARCHIVE_URI": archive.as_uri(),
        "NLQ_ARCHIVE_START_DATE": str(partitions.utc_today() - timedelta(days=10)),
        "PYTHONUNBUFFERED": "1",
    }
    workspace = str(REPO_ROOT / "workspace.yaml")
    port = _free_port()
    procs = []
    logs = []
    # from a temporary directory: the repo's .env (the shared instance's storage) is not loaded
    for name, cmd in (
        ("webserver", [str(BIN / "dagster-webserver"), "-w", workspace, "-h", "127.0.0.1", "-p", str(port)]),
        ("daemon", [str(BIN / "dagster-daemon"), "run", "-w", workspace]),
    ):
        log = (tmp_path / f"{name}.log").open("w")
        logs.append(log)
        procs.append(
            subprocess.Popen(
                cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/server_info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or procs[0].poll() is not None:
                raise AssertionError((tmp_path / "webserver.log").read_text()[-3000:])
            time.sleep(1)
        yield url, dsn, archive
    finally:
        for proc in procs:  # each with its children (code server, runs): its own process group
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        for log in logs:
            log.close()


@pytest.mark.slow
def test_a_backfill_launched_as_the_ui_does_archives_each_day(
    dagster: tuple[str, str, Path], tmp_path: Path
) -> None:
    url, dsn, archive = dagster
    today = partitions.utc_today()
    days = [today - timedelta(days=n) for n in (3, 2, 1)]
    launched = _graphql(
        url,
        LAUNCH,
        backfillParams={
            "assetSelection": [{"path": ["logs_archive"]}],
            "partitionNames": [d.isoformat() for d in days],
            "fromFailure": False,
        },
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill = launched["backfillId"]

    deadline = time.monotonic() + 240
    status = None
    while time.monotonic() < deadline:
        status = _graphql(url, STATUS, id=backfill)["partitionBackfillOrError"]
        if status.get("status") in ("COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED"):
            break
        time.sleep(2)
    daemon_log = (tmp_path / "daemon.log").read_text()[-3000:]
    assert status is not None and status["status"] in ("COMPLETED", "COMPLETED_SUCCESS"), (status, daemon_log)
    assert status["numPartitions"] == 3
    for day in days:
        path = archive / f"logs/date={day}/logs.parquet"
        assert path.exists(), (day, daemon_log)
        rows = run_sql(dsn, f"SELECT count(*) AS n FROM {partitions.partition_name(day)}")[0]["n"]
        assert pq.read_metadata(path).num_rows == rows > 0
