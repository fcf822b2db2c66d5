"""``nlq ingest``: the FastAPI ingest service."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click

from nlq_platform.config import get_settings

#: prometheus-client's multiprocess mode reads this in every worker (see ingest_service.metrics)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    return True


def multiproc_dir(home: Path, port: int) -> Path:
    """A fresh empty metrics directory for this run, ``<home>/prometheus-multiproc/<port>-<pid>``.

    One per run rather than one per port: wiping a shared one would zero the metrics of a server
    still running on that port. Directories left by runs that were killed are removed here.
    """
    root = home / "prometheus-multiproc"
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{port}-{os.getpid()}"
    for old in root.iterdir():
        owner = old.name.rpartition("-")[2]
        if old == path or (owner.isdigit() and not _alive(int(owner))):
            shutil.rmtree(old, ignore_errors=True)
    path.mkdir()
    return path


@click.group()
def ingest() -> None:
    """The log ingest service."""


@ingest.command()
@click.option("--host", default=None, help="Bind address (NLQ_INGEST_HOST, default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (NLQ_INGEST_PORT, default 8000).")
@click.option("--workers", type=int, default=None, help="uvicorn worker processes (NLQ_INGEST_WORKERS).")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the ingest service under uvicorn."""
    import uvicorn

    settings = get_settings()
    port = port or settings.ingest_port
    workers = workers or settings.ingest_workers
    metrics_dir = None
    if workers > 1:
        # each worker counts only its own requests: in multiprocess mode /metrics sums them all.
        # Set before uvicorn spawns the workers, which import prometheus_client afresh.
        metrics_dir = multiproc_dir(settings.home, port)
        os.environ[MULTIPROC_ENV] = str(metrics_dir)
    try:
        uvicorn.run(
            "ingest_service.app:create_app",
            factory=True,
            host=host or settings.ingest_host,
            port=port,
            workers=workers,
            # uvicorn's records go through our formatter (nlq_platform.logging) at NLQ_LOG_LEVEL:
            # log_config=None keeps uvicorn from installing its own handlers and format
            log_config=None,
            log_level=None,
            access_log=False,
            server_header=False,
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
