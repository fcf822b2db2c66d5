"""``nlq ingest``: the FastAPI ingest service."""

from __future__ import annotations

import click

from nlq_platform.config import get_settings


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
    uvicorn.run(
        "ingest_service.app:create_app",
        factory=True,
        host=host or settings.ingest_host,
        port=port or settings.ingest_port,
        workers=workers or settings.ingest_workers,
        # uvicorn's records go through our formatter (nlq_platform.logging) at NLQ_LOG_LEVEL:
        # log_config=None keeps uvicorn from installing its own handlers and format
        log_config=None,
        log_level=None,
        access_log=False,
        server_header=False,
    )
