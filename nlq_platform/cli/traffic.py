"""``nlq demo traffic``: backfill the last hours with demo traffic, then keep it coming live."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
import httpx

from nlq_platform.cli.errors import UserFacingError, user_facing
from nlq_platform.config import Settings, get_settings

if TYPE_CHECKING:
    from nlq_platform.traffic.live import LiveTraffic


def default_ingest_url(settings: Settings) -> str:
    """Where the platform's ingest service listens (what ``nlq demo`` starts)."""
    return f"http://{settings.ingest_host}:{settings.ingest_port}"


def demo_key(settings: Settings) -> str | None:
    """NLQ_DEMO_INGEST_KEY, else the key ``nlq demo`` generated into .nlq/ingest.key."""
    key = settings.demo_ingest_key
    path = Path(settings.home) / "ingest.key"
    if not key and path.exists():
        key = path.read_text().strip()
    return key or None


def _when(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M UTC")


@click.command()
@click.option(
    "--rate",
    type=click.FloatRange(min=0.01),
    default=2.0,
    show_default=True,
    metavar="N",
    help="Average log records per second, all services together (N/s).",
)
@click.option(
    "--duration",
    type=click.FloatRange(min=0),
    default=None,
    metavar="S",
    help="Seconds of live traffic (0: until Ctrl-C). Default: none after a backfill, else until Ctrl-C.",
)
@click.option(
    "--backfill-hours",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    metavar="H",
    help="First write the last H hours in one go (records with past timestamps).",
)
@click.option("--seed", type=int, default=None, help="Random seed: the same seed gives the same backfill.")
@click.option(
    "--payment-api",
    "payment_api",
    metavar="URL",
    help="Live: call this payment-api over HTTP (with traceparent) instead of simulating it.",
)
@click.option("--ingest-url", metavar="URL", help="Ingest service (default: NLQ_INGEST_HOST/PORT).")
@click.option(
    "--api-key", metavar="KEY", help="Ingest API key (default: NLQ_DEMO_INGEST_KEY or .nlq/ingest.key)."
)
@click.option("--quiet", is_flag=True, help="Live: no status line every minute.")
def traffic(
    rate: float, duration: float | None, backfill_hours: float, seed: int | None, payment_api: str | None,
    ingest_url: str | None, api_key: str | None, quiet: bool,
) -> None:  # fmt: skip
    """Simulated users of the web app and the services behind it, sent to the ingest service.

    Services: web-app (FRONTEND), payment-api, order-api, auth-api, search-api (BACKEND),
    inventory-worker (WORKER). A user action's FRONTEND rows share the trace id of the BACKEND
    rows of the calls it makes. The backfill replays a few incidents (one in the last hour).
    """
    settings = get_settings()
    url = (ingest_url or default_ingest_url(settings)).rstrip("/")
    key = api_key or demo_key(settings)
    live = duration is not None or backfill_hours == 0
    with user_facing("sending demo traffic"):
        _check_ingest(url)
        if backfill_hours > 0:
            _backfill(url, key, backfill_hours, rate, seed)
        if live:
            _live(url, key, rate, seed, payment_api, duration or None, quiet)


def _check_ingest(url: str) -> None:
    try:
        httpx.get(f"{url}/healthz", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        raise UserFacingError(
            f"the ingest service at {url} is not reachable ({type(exc).__name__}); "
            "start it with `nlq ingest serve` (or `nlq demo`), or pass --ingest-url"
        ) from exc


def _backfill(url: str, key: str | None, hours: float, rate: float, seed: int | None) -> None:
    from nlq_platform.traffic.backfill import backfill
    from nlq_platform.traffic.sink import IngestSink, TrafficError

    end = time.time()
    start = end - hours * 3600
    click.echo(f"backfilling {hours:g} h ({_when(start)} … {_when(end)}) at {rate:g} records/s …")
    try:
        with IngestSink(url, key) as sink:
            result = backfill(sink.send, start, end, rate=rate, seed=seed)
            rejected = sink.rejected
    except TrafficError as exc:
        raise UserFacingError(str(exc)) from exc
    per_s = result.records / result.seconds if result.seconds else 0
    click.echo(f"backfilled {result.records:,} records in {result.seconds:.1f} s ({per_s:,.0f} records/s)"
               + (f"; {rejected} rejected" if rejected else ""))  # fmt: skip


def _live(
    url: str, key: str | None, rate: float, seed: int | None, payment_api: str | None,
    duration: float | None, quiet: bool,
) -> None:  # fmt: skip
    from log_collector import Logger

    from nlq_platform.traffic.live import LiveTraffic, logger_emit

    if payment_api:
        try:
            httpx.get(f"{payment_api.rstrip('/')}/healthz", timeout=5).raise_for_status()
        except httpx.HTTPError as exc:
            raise UserFacingError(
                f"payment-api at {payment_api} is not reachable ({type(exc).__name__})"
            ) from exc
    logger = Logger(service="demo-traffic", environment="production", log_server_url=url, api_key=key)
    driver = LiveTraffic(logger_emit(logger), rate=rate, seed=seed, payment_api=payment_api)
    how = f"calling payment-api at {payment_api}" if payment_api else "payment-api simulated"
    click.echo(f"live traffic at about {rate:g} records/s ({how}); "
               + (f"for {duration:g} s" if duration else "Ctrl-C stops"))  # fmt: skip
    started = time.monotonic()
    try:
        asyncio.run(_run_until_signal(driver, duration, quiet))
    finally:
        logger.close(timeout=10)
        _summary(driver.stats, logger.stats(), time.monotonic() - started)


async def _run_until_signal(driver: LiveTraffic, duration: float | None, quiet: bool) -> None:
    """Run the driver; SIGTERM and SIGINT end it cleanly (the logger still flushes)."""
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(driver.run(duration))
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, task.cancel)
    status = None if quiet else asyncio.create_task(_status(driver.stats))
    with contextlib.suppress(asyncio.CancelledError):
        await task
    if status is not None:
        status.cancel()


async def _status(stats: Counter[str]) -> None:
    while True:
        await asyncio.sleep(60)
        click.echo(f"  {time.strftime('%H:%M:%S')}  {stats['sessions']:,} sessions, {stats['records']:,} records"
                   + (f", payment-api calls {stats['payment_api_calls']:,}" if stats["payment_api_calls"] else ""))  # fmt: skip


def _summary(stats: Counter[str], sent: dict[str, int], seconds: float) -> None:
    line = f"live: {stats['sessions']:,} sessions, {stats['records']:,} records in {seconds:.0f} s"
    if stats["payment_api_calls"]:
        line += (
            f", {stats['payment_api_calls']:,} payment-api calls ({stats['payment_api_failures']:,} failed"
        )
        line += f", {stats['payment_api_unreachable']:,} unanswered)"
    line += f"; delivered {sent['sent']:,}"
    if sent["dropped"] or sent["failed_records"]:
        line += f", lost {sent['dropped'] + sent['failed_records']:,}"
    click.echo(line)
