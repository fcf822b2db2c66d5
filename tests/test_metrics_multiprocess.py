"""``/metrics`` under ``nlq ingest serve --workers 2`` counts every worker, not whichever one
answered the scrape (prometheus-client's multiprocess mode), against the real command and
PostgreSQL; with one worker nothing changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.parser import text_string_to_metric_families

from nlq_platform.cli.ingest import multiproc_dir
from nlq_platform.config import Settings
from tests.conftest import API_KEY_ANY, run_sql, settings_env
from tests.support.pg import free_port

ACCEPTED = "nlq_ingest_records_accepted"
BATCH = [{"message": f"mp {i}", "service": "payment-api", "log_type": "BACKEND"} for i in range(5)]
AUTH = {"Authorization": f"Bearer {API_KEY_ANY}"}


@dataclass
class Served:
    url: str
    proc: subprocess.Popen[bytes]
    metrics_root: Path

    @property
    def metrics_dir(self) -> Path:
        """Where ``serve`` keeps this run's worker files (named by port and the parent's pid)."""
        return self.metrics_root / f"{self.url.rsplit(':', 1)[1]}-{self.proc.pid}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def serve(settings: Settings, workers: int) -> Served:
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("NLQ_") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(settings_env(settings, log_level="WARNING"))
    cmd = [sys.executable, "-m", "nlq_platform.cli.main", "ingest", "serve"]
    cmd += ["--workers", str(workers), "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    served = Served(f"http://127.0.0.1:{port}", proc, settings.home / "prometheus-multiproc")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"nlq ingest serve exited with {proc.returncode}"
        try:
            if httpx.get(f"{served.url}/healthz", timeout=1).status_code == 200:
                return served
        except httpx.TransportError:
            time.sleep(0.2)
    served.stop()
    raise AssertionError("nlq ingest serve did not start")


@pytest.fixture
def two_workers(settings: Settings, clean_logs: str) -> Iterator[Served]:
    served = serve(settings, workers=2)
    yield served
    served.stop()


def post_batches(url: str, count: int) -> int:
    """``count`` batches, each on a new connection from 8 threads (so both workers take some)."""

    def one(_: int) -> int:
        response = httpx.post(f"{url}/logs", json=BATCH, headers=AUTH, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["accepted"]

    with ThreadPoolExecutor(8) as pool:
        return sum(pool.map(one, range(count)))


def accepted_in(text: str) -> float:
    for family in text_string_to_metric_families(text):
        if family.name == ACCEPTED:
            return sum(s.value for s in family.samples if s.name == f"{ACCEPTED}_total")
    raise AssertionError(f"{ACCEPTED} missing from /metrics")


def accepted_per_worker(metrics_dir: Path, scratch: Path) -> dict[str, float]:
    """Each worker's own count, read from its file alone through the public collector."""
    counts = {}
    for file in metrics_dir.glob("counter_*.db"):
        alone = scratch / file.stem
        alone.mkdir(exist_ok=True)
        shutil.copy(file, alone / file.name)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(alone))
        counts[file.stem.removeprefix("counter_")] = accepted_in(generate_latest(registry).decode())
    return counts


def test_two_workers_metrics_count_every_worker(two_workers: Served, clean_logs: str, tmp_path: Path) -> None:
    assert two_workers.metrics_dir.is_dir()
    sent = 0
    for _ in range(10):  # bounded: 40 batches at a time until both workers have stored some
        sent += post_batches(two_workers.url, 40)
        per_worker = accepted_per_worker(two_workers.metrics_dir, tmp_path)
        if len(per_worker) == 2 and all(per_worker.values()):
            break
    assert len(per_worker) == 2 and all(per_worker.values()), per_worker
    assert sum(per_worker.values()) == sent

    # each scrape, on a new connection, is answered by either worker: every one says the total
    for _ in range(10):
        assert accepted_in(httpx.get(f"{two_workers.url}/metrics", timeout=10).text) == sent
    assert run_sql(clean_logs, "SELECT count(*) AS n FROM logs")[0]["n"] == sent

    two_workers.stop()
    assert not two_workers.metrics_dir.exists()  # removed at exit: the next run starts from zero


def test_one_worker_uses_no_multiprocess_dir(settings: Settings, clean_logs: str) -> None:
    served = serve(settings, workers=1)
    try:
        sent = post_batches(served.url, 4)
        assert accepted_in(httpx.get(f"{served.url}/metrics", timeout=10).text) == sent
        assert not served.metrics_dir.exists()
    finally:
        served.stop()


def test_multiproc_dir_is_fresh_and_spares_live_runs(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    root = tmp_path / "prometheus-multiproc"
    dead, live = root / f"8000-{int(gone.stdout)}", root / f"8000-{os.getppid()}"
    for old in (dead, live):
        old.mkdir(parents=True)
        (old / "counter_1.db").write_bytes(b"x")
    path = multiproc_dir(tmp_path, 8000)
    assert path == root / f"8000-{os.getpid()}" and list(path.iterdir()) == []
    assert not dead.exists()  # a killed run's leftovers
    assert (live / "counter_1.db").exists()  # a server still running on the same port keeps its files
