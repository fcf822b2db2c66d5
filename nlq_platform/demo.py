"""``nlq demo``: set everything up, run the platform, print where it is, stop it all on Ctrl-C.

Each step prints what it does and how long it took. Processes the demo starts are stopped on exit;
data stays in ``.nlq`` so the next run reuses it.
"""

from __future__ import annotations

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

import click

from nlq_platform.config import Settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db import lifecycle


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

        click.echo("")
        click.secho("nlq platform is running", bold=True)
        click.echo(f"  PostgreSQL      {dsn_mod.redact(dsns.owner)}")
        click.echo(f"  ingest service  {base}   (API docs: {base}/docs, metrics: {base}/metrics)")
        click.echo(f"  ingest API key  {key}")
        click.echo("")
        click.echo("  try it:")
        click.echo(
            f"    curl -s -X POST {base}/logs -H 'Authorization: Bearer {key}' "
            '-d \'[{"message":"hello","service":"demo","log_type":"BACKEND"}]\''
        )
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
