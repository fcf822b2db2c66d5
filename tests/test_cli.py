"""The ``nlq`` console script, run as a user would run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nlq_platform.config import REPO_ROOT, Settings
from tests.conftest import settings_env
from tests.support.pg import free_port

NLQ = str(Path(sys.executable).parent / "nlq")


def nlq(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    return subprocess.run([NLQ, *args], env={**clean, **env}, capture_output=True, text=True, timeout=120)


@pytest.fixture
def local_home() -> Iterator[Path]:
    """An NLQ_HOME inside the repo (the postgres account must reach it)."""
    home = REPO_ROOT / ".nlq" / f"cli-test-{os.getpid()}"
    yield home
    nlq("db", "down", env={"NLQ_HOME": str(home)})
    shutil.rmtree(home, ignore_errors=True)


def test_local_cluster_lifecycle(local_home: Path) -> None:
    env = {"NLQ_HOME": str(local_home), "NLQ_PG_PORT": str(free_port())}
    first = nlq("db", "up", env=env)
    assert first.returncode == 0, first.stderr
    assert "PostgreSQL ready" in first.stdout
    assert (local_home / "pg" / "PG_VERSION").exists()
    again = nlq("db", "up", env=env)  # idempotent
    assert again.returncode == 0 and "PostgreSQL ready" in again.stdout

    url = nlq("db", "url", env=env).stdout.strip()
    assert url.startswith("postgresql://nlq:") and url.endswith(f":{env['NLQ_PG_PORT']}/nlq")
    assert "nlq_reader" in nlq("db", "url", "--role", "reader", env=env).stdout
    assert "nlq_app" in nlq("db", "url", "--role", "app", env=env).stdout

    migrated = nlq("db", "migrate", env=env)
    assert migrated.returncode == 0 and "applied 0002_logs_table" in migrated.stdout
    assert "schema up to date" in nlq("db", "migrate", env=env).stdout

    down = nlq("db", "down", env=env)
    assert down.returncode == 0 and "stopped" in down.stdout
    assert not (local_home / "pg" / "postmaster.pid").exists()


def test_database_url_is_honoured(settings: Settings) -> None:
    env = settings_env(settings)
    up = nlq("db", "up", env=env)
    assert up.returncode == 0 and "nothing started" in up.stdout
    assert nlq("db", "url", env=env).stdout.strip() == settings.database_url
    assert "schema up to date" in nlq("db", "migrate", env=env).stdout
    assert "nothing to stop" in nlq("db", "down", env=env).stdout


def test_an_exported_but_empty_database_url_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLQ_DATABASE_URL", "")
    monkeypatch.setenv("NLQ_READER_DATABASE_URL", "  ")
    settings = Settings()
    assert settings.database_url is None and settings.reader_database_url is None


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    env = {"NLQ_HOME": str(tmp_path), "NLQ_DATABASE_URL": f"postgresql://u:p@127.0.0.1:{free_port()}/x"}
    result = nlq("db", "migrate", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: migrating:")
    assert "Traceback" not in result.stderr
