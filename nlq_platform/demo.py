"""``nlq demo``: set everything up, run the platform, print where it is, stop it all on Ctrl-C.

Each step prints what it does and how long it took. Demo data is traffic: the last 24 hours are
backfilled (only what is missing, so a re-run reuses its data), then payment-api (serving the web
app when it is built) and a background ``nlq demo traffic`` keep it coming live. Processes the demo
starts are stopped on exit, the ingest service last so the others' final logs still land; data
stays in ``.nlq`` so the next run reuses it. Each child writes to ``.nlq/logs/<name>.log`` (see
:class:`Child`), so the terminal shows the demo's progress lines only.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import click

from nlq_platform import dagster_env
from nlq_platform.config import REPO_ROOT, Settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db import lifecycle
from nlq_platform.traffic.backfill import backfill, plan
from nlq_platform.traffic.sink import IngestSink, TrafficError


@contextlib.contextmanager
def step(title: str) -> Iterator[None]:
    started = time.monotonic()
    click.echo(f"==> {title} ...", nl=False)
    try:
        yield
    except BaseException:
        click.echo(" failed")
        raise
    click.echo(f" ok ({time.monotonic() - started:.1f}s)")


def demo_ingest_key(home: Path) -> str:
    """The demo's API key, generated once and kept in .nlq/ingest.key (0600)."""
    path = home / "ingest.key"
    if path.exists():
        return path.read_text().strip()
    home.mkdir(parents=True, exist_ok=True)
    key = "nlq_" + secrets.token_urlsafe(24)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


#: how much of a dead child's log the demo prints
TAIL_LINES = 20


@dataclass
class Child:
    """A process the demo started, with its stdout and stderr in ``<log_dir>/<name>.log``.

    Why a log file each: printing onto the demo's terminal interleaved the children's lines with
    the progress lines, and /dev/null hid why one died. With a file per child, the summary can
    list where each one's output is, and :meth:`death_report` can say which child died, with
    what exit code, and show the end of its log.
    """

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    @classmethod
    def start(
        cls, name: str, cmd: Sequence[str], log_dir: Path, env: Mapping[str, str] | None = None
    ) -> Child:
        """Start ``cmd`` in its own session (a terminal's Ctrl-C reaches the demo only, which stops
        children in order), output to a fresh ``<name>.log``; unbuffered, so the log is current
        when the child dies."""
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{name}.log"
        with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
            proc = subprocess.Popen(
                list(cmd),
                env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return cls(name, proc, log_path)

    def poll(self) -> int | None:
        return self.proc.poll()

    def tail(self, lines: int = TAIL_LINES) -> list[str]:
        """The last ``lines`` lines of the log (its last 64 KiB are enough for that)."""
        with self.log_path.open("rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 65536))
            text = log.read().decode("utf-8", errors="replace")
        return text.splitlines()[-lines:]

    def death_report(self, lines: int = TAIL_LINES) -> str:
        """Which child died, its exit code, and the end of its log."""
        tail = self.tail(lines)
        head = f"{self.name} exited with code {self.proc.returncode}"
        if not tail:
            return f"{head}; its log {self.log_path} is empty"
        return f"{head}; last {len(tail)} lines of {self.log_path}:\n" + "\n".join(f"  | {t}" for t in tail)


def first_dead(children: Sequence[Child]) -> Child | None:
    return next((child for child in children if child.poll() is not None), None)


def wait_http(url: str, timeout_s: float, child: Child) -> None:
    """Wait for ``url`` to answer 200; a child that dies meanwhile is reported with its log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise click.ClickException(child.death_report())
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as resp:
            if resp.status == 200:
                return
        time.sleep(0.2)
    raise click.ClickException(f"{url} did not answer within {timeout_s:.0f}s (its log: {child.log_path})")


DAGSTER_PORT = 3000
APP_PORT = 8501


PAYMENT_API_PORT = 8001
PAYMENT_API_DIR = REPO_ROOT / "examples" / "payment-api"
WEB_DIST = REPO_ROOT / "examples" / "web-app" / "dist"
#: demo traffic: the backfilled window, its rate and seed, and the live trickle afterwards
BACKFILL_HOURS = 24.0
BACKFILL_RATE = 2.0
BACKFILL_SEED = 7
LIVE_RATE = 0.5
#: payment-api's failure modes in the demo (probabilities per request)
PAYMENT_API_FAILURES = "db=0.01,timeout=0.01,declined=0.04,slow=0.03"


async def latest_log_time(owner_dsn: str) -> datetime | None:
    """The newest record's time (None for an empty table): what the backfill decision needs."""
    conn = await asyncpg.connect(owner_dsn, timeout=10)
    try:
        return await conn.fetchval("SELECT max(created_at) FROM logs WHERE NOT deleted")
    finally:
        await conn.close()


def backfill_window(owner_dsn: str, now: datetime | None = None) -> tuple[datetime, datetime] | None:
    """What of the last 24 hours is missing: all of it, the gap since the last run, or nothing."""
    return plan(asyncio.run(latest_log_time(owner_dsn)), now or datetime.now(UTC), BACKFILL_HOURS)


def backfill_demo_traffic(owner_dsn: str, ingest_url: str, key: str) -> str:
    """Backfill what is missing through the ingest service; returns a line for the summary."""
    window = backfill_window(owner_dsn)
    if window is None:
        return "recent data found, kept (no backfill needed)"
    start, end = window
    try:
        with IngestSink(ingest_url, key) as sink:
            result = backfill(
                sink.send, start.timestamp(), end.timestamp(), rate=BACKFILL_RATE, seed=BACKFILL_SEED
            )
    except TrafficError as exc:
        raise click.ClickException(f"the demo traffic backfill failed: {exc}") from exc
    hours = (end - start).total_seconds() / 3600
    return f"{result.records:,} records backfilled for the last {hours:.1f} h"


def payment_api_env(ingest_url: str, key: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PAYMENT_API_LOG_SERVER_URL": ingest_url,
        "PAYMENT_API_LOG_API_KEY": key,
        "PAYMENT_API_ENVIRONMENT": "production",
        "PAYMENT_API_FAILURES": PAYMENT_API_FAILURES,
    }
    if (WEB_DIST / "index.html").is_file():
        env["PAYMENT_API_WEB_DIST"] = str(WEB_DIST)
    return env


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop_children(children: Sequence[Child], last: Child | None) -> None:
    """SIGTERM everything, ``last`` (the ingest service) only once the others have exited."""
    first = [c for c in children if c is not last]
    for group in (first, [last] if last is not None else []):
        for child in group:
            if child.poll() is None:
                child.proc.send_signal(signal.SIGTERM)
        for child in group:
            try:
                child.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.proc.kill()


def run(settings: Settings) -> None:
    """The demo's steps; blocks until Ctrl-C, then stops what it started."""
    children: list[Child] = []
    ingest: Child | None = None
    log_dir = settings.home / "logs"
    # `kill <pid>` stops the demo like Ctrl-C does (children run in their own sessions and would
    # otherwise outlive it)
    previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)
    cluster_was_running = settings.database_url is None and lifecycle.local_cluster(settings).is_running()

    def start(name: str, cmd: Sequence[str], env: Mapping[str, str] | None = None) -> Child:
        child = Child.start(name, cmd, log_dir, env)
        children.append(child)
        return child

    try:
        with step("PostgreSQL up"):
            dsns = lifecycle.up(settings)
        with step("schema migrated"):
            lifecycle.run_migrations(settings)
        with step("ingest service started"):
            key = settings.demo_ingest_key or demo_ingest_key(settings.home)
            keys = ",".join(filter(None, [settings.ingest_keys, f"{key}=*"]))
            ingest = start(
                "ingest",
                [sys.executable, "-m", "nlq_platform.cli.main", "ingest", "serve"],
                {**os.environ, "NLQ_INGEST_KEYS": keys},
            )
            base = f"http://{settings.ingest_host}:{settings.ingest_port}"
            wait_http(f"{base}/readyz", 30, ingest)
        with step(f"demo traffic for the last {BACKFILL_HOURS:.0f} h (only what is missing)"):
            demo_data = backfill_demo_traffic(dsns.owner, base, key)
        with step(
            "payment-api started" + (" (serving the web app)" if (WEB_DIST / "index.html").is_file() else "")
        ):
            payment_api = start(
                "payment-api",
                [sys.executable, "-m", "uvicorn", "--app-dir", str(PAYMENT_API_DIR),
                 "payment_api.main:create_app", "--factory", "--host", "127.0.0.1",
                 "--port", str(PAYMENT_API_PORT), "--log-level", "warning"],
                payment_api_env(base, key),
            )  # fmt: skip
            shop_url = f"http://127.0.0.1:{PAYMENT_API_PORT}"
            wait_http(f"{shop_url}/healthz", 60, payment_api)
        with step(f"live demo traffic started (about {LIVE_RATE:g} records/s)"):
            start(
                "traffic",
                [sys.executable, "-m", "nlq_platform.cli.main", "demo", "traffic", "--rate", str(LIVE_RATE),
                 "--duration", "0", "--payment-api", shop_url, "--ingest-url", base, "--api-key", key,
                 "--quiet"],
            )  # fmt: skip
        with step("metadata assets materialised once (schema → catalog → examples → cache → eval)"):
            dagster_vars = dagster_env.apply(settings)
            refresh_log = log_dir / "metadata-refresh.log"
            with refresh_log.open("wb") as log:
                refresh = subprocess.run(
                    [sys.executable, "-m", "nlq_platform.cli.main", "metadata", "refresh"],
                    env={**os.environ, **dagster_vars, "PYTHONUNBUFFERED": "1"},
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            if refresh.returncode != 0:
                tail = refresh_log.read_text(errors="replace").splitlines()[-TAIL_LINES:]
                raise click.ClickException(
                    f"the first metadata refresh failed (code {refresh.returncode}); last lines of {refresh_log}:\n"
                    + "\n".join(f"  | {line}" for line in tail)
                )
        with step("Dagster webserver and daemon started"):
            dagster_bin = Path(sys.executable).parent
            dagster_env_vars = {**os.environ, **dagster_vars}
            workspace = str(REPO_ROOT / "workspace.yaml")
            start(
                "dagster-daemon",
                [str(dagster_bin / "dagster-daemon"), "run", "-w", workspace],
                dagster_env_vars,
            )
            webserver = start(
                "dagster-webserver",
                [str(dagster_bin / "dagster-webserver"), "-w", workspace, "-h", "127.0.0.1",
                 "-p", str(DAGSTER_PORT)],
                dagster_env_vars,
            )  # fmt: skip
            dagster_url = f"http://127.0.0.1:{DAGSTER_PORT}"
            wait_http(f"{dagster_url}/server_info", 120, webserver)
        with step("analyst app (Streamlit) started"):
            app = start(
                "app",
                [str(dagster_bin / "streamlit"), "run", str(REPO_ROOT / "app" / "streamlit_app.py"),
                 "--server.headless", "true", "--server.address", "127.0.0.1",
                 "--server.port", str(APP_PORT), "--browser.gatherUsageStats", "false",
                 "--client.toolbarMode", "minimal"],
                {**os.environ, **dagster_vars},
            )  # fmt: skip
            app_url = f"http://127.0.0.1:{APP_PORT}"
            wait_http(f"{app_url}/_stcore/health", 60, app)
        if (dead := first_dead(children)) is not None:  # e.g. the daemon, which has no health URL
            raise click.ClickException(dead.death_report())

        click.echo("")
        click.secho("nlq platform is running", bold=True)
        click.echo(f"  PostgreSQL      {dsn_mod.redact(dsns.owner)}")
        click.echo(f"  ingest service  {base}   (API docs: {base}/docs, metrics: {base}/metrics)")
        click.echo(f"  ingest API key  {key}")
        click.echo(f"  analyst app     {app_url}   (ask in Korean or English)")
        if (WEB_DIST / "index.html").is_file():
            click.echo(
                f"  web shop        {shop_url}   (the Svelte web app; its logs share trace ids with payment-api)"
            )
        click.echo(
            f"  payment-api     {shop_url}/api/v1/payment   (API docs: {shop_url}/docs, failure modes: {shop_url}/admin/failures)"
        )
        click.echo(f"  Dagster UI      {dagster_url}   (asset graph: {dagster_url}/asset-groups)")
        click.echo(f"  demo data       {demo_data}; live traffic ~{LIVE_RATE:g} records/s")
        click.echo(f"  logs            {log_dir}/<name>.log  ({', '.join(c.name for c in children)})")
        click.echo("")
        click.echo("  try it:")
        click.echo(
            f"    curl -s -X POST {base}/logs -H 'Authorization: Bearer {key}' "
            '-d \'[{"message":"hello","service":"demo","log_type":"BACKEND"}]\''
        )
        click.echo('    .venv/bin/nlq ask "지난 1시간 동안 발생한 에러가 몇 건이야?"')
        click.echo('    .venv/bin/nlq ask "user_123의 마지막 결제 시도에서 무슨 일이 있었어?"')
        click.echo(
            f"    curl -s -X PUT {shop_url}/admin/failures -H 'Content-Type: application/json' -d '{{\"db\": 0.3}}'"
            "   # break payment-api"
        )
        click.echo("")
        click.echo("Press Ctrl-C to stop (data stays in .nlq/).")
        while (dead := first_dead(children)) is None:
            time.sleep(0.5)
        raise click.ClickException(f"{dead.death_report()}\nstopping the rest")
    except KeyboardInterrupt:
        click.echo("\nstopping ...")
    finally:
        stop_children(children, last=ingest)
        signal.signal(signal.SIGTERM, previous_sigterm)
        if not cluster_was_running:
            with contextlib.suppress(Exception):
                lifecycle.down(settings)
        click.echo("stopped; data kept in .nlq/")
