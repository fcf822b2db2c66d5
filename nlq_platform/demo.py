"""``nlq demo``: set everything up, run the platform, print where it is, stop it all on Ctrl-C.

Each step prints what it does and how long it took. Processes the demo starts are stopped on exit;
data stays in ``.nlq`` so the next run reuses it.
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
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import click

from nlq_platform import dagster_env
from nlq_platform.config import REPO_ROOT, Settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db import lifecycle
from nlq_platform.evaluation import dataset


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


def wait_http(url: str, timeout_s: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise click.ClickException(f"the process serving {url} exited with code {proc.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as resp:
            if resp.status == 200:
                return
        time.sleep(0.2)
    raise click.ClickException(f"{url} did not answer within {timeout_s:.0f}s")


DAGSTER_PORT = 3000
APP_PORT = 8501


async def seed_if_empty(owner_dsn: str) -> bool:
    """Load the evaluation dataset when the logs table is empty, so the demo has data to ask about."""
    conn = await asyncpg.connect(owner_dsn, timeout=10)
    try:
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM logs)"):
            return False
    finally:
        await conn.close()
    await dataset.load(owner_dsn)
    return True


def run(settings: Settings) -> None:
    """The demo's steps; blocks until Ctrl-C, then stops what it started."""
    children: list[subprocess.Popen[bytes]] = []
    cluster_was_running = settings.database_url is None and lifecycle.local_cluster(settings).is_running()
    try:
        with step("PostgreSQL up"):
            dsns = lifecycle.up(settings)
        with step("schema migrated"):
            lifecycle.run_migrations(settings)
        with step("ingest service started"):
            key = os.environ.get("NLQ_DEMO_INGEST_KEY") or demo_ingest_key(settings.home)
            keys = ",".join(filter(None, [settings.ingest_keys, f"{key}=*"]))
            env = {**os.environ, "NLQ_INGEST_KEYS": keys}
            cmd = [sys.executable, "-m", "nlq_platform.cli.main", "ingest", "serve"]
            # own session: a terminal's Ctrl-C reaches the demo only, which stops children in order
            children.append(subprocess.Popen(cmd, env=env, start_new_session=True))
            base = f"http://{settings.ingest_host}:{settings.ingest_port}"
            wait_http(f"{base}/readyz", 30, children[-1])
        with step("demo data (the evaluation dataset, when the logs table is empty)"):
            seeded = asyncio.run(seed_if_empty(dsns.owner))
        with step("metadata assets materialised once (schema → catalog → examples → cache → eval)"):
            dagster_vars = dagster_env.apply(settings)
            refresh = subprocess.run(
                [sys.executable, "-m", "nlq_platform.cli.main", "metadata", "refresh"],
                env={**os.environ, **dagster_vars},
                capture_output=True,
                text=True,
            )
            if refresh.returncode != 0:
                click.echo(f"\n{refresh.stdout}{refresh.stderr}")
                raise click.ClickException("the first metadata refresh failed")
        with step("Dagster webserver and daemon started"):
            dagster_bin = Path(sys.executable).parent
            dagster_env_vars = {**os.environ, **dagster_vars}
            workspace = str(REPO_ROOT / "workspace.yaml")
            children.append(
                subprocess.Popen(
                    [str(dagster_bin / "dagster-daemon"), "run", "-w", workspace],
                    env=dagster_env_vars, start_new_session=True, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
            children.append(
                subprocess.Popen(
                    [str(dagster_bin / "dagster-webserver"), "-w", workspace, "-h", "127.0.0.1",
                     "-p", str(DAGSTER_PORT)],
                    env=dagster_env_vars, start_new_session=True, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
            dagster_url = f"http://127.0.0.1:{DAGSTER_PORT}"
            wait_http(f"{dagster_url}/server_info", 120, children[-1])
        with step("analyst app (Streamlit) started"):
            children.append(
                subprocess.Popen(
                    [str(dagster_bin / "streamlit"), "run", str(REPO_ROOT / "app" / "streamlit_app.py"),
                     "--server.headless", "true", "--server.address", "127.0.0.1",
                     "--server.port", str(APP_PORT), "--browser.gatherUsageStats", "false"],
                    env={**os.environ, **dagster_vars}, start_new_session=True,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
            app_url = f"http://127.0.0.1:{APP_PORT}"
            wait_http(f"{app_url}/_stcore/health", 60, children[-1])

        click.echo("")
        click.secho("nlq platform is running", bold=True)
        click.echo(f"  PostgreSQL      {dsn_mod.redact(dsns.owner)}")
        click.echo(f"  ingest service  {base}   (API docs: {base}/docs, metrics: {base}/metrics)")
        click.echo(f"  ingest API key  {key}")
        click.echo(f"  analyst app     {app_url}   (ask in Korean or English)")
        click.echo(f"  Dagster UI      {dagster_url}   (asset graph: {dagster_url}/asset-groups)")
        click.echo(f"  demo data       {'evaluation dataset loaded' if seeded else 'existing logs kept'}")
        click.echo("")
        click.echo("  try it:")
        click.echo(
            f"    curl -s -X POST {base}/logs -H 'Authorization: Bearer {key}' "
            '-d \'[{"message":"hello","service":"demo","log_type":"BACKEND"}]\''
        )
        click.echo('    nlq ask "지난 1시간 동안 발생한 에러가 몇 건이야?"')
        click.echo("")
        click.echo("Press Ctrl-C to stop (data stays in .nlq/).")
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        raise click.ClickException("a platform process exited unexpectedly; stopping the rest")
    except KeyboardInterrupt:
        click.echo("\nstopping ...")
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if not cluster_was_running:
            with contextlib.suppress(Exception):
                lifecycle.down(settings)
        click.echo("stopped; data kept in .nlq/")
