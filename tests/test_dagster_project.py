"""Dagster as a data engineer runs it: `dg check defs` and `dagster definitions validate` from the
repo root in a clean environment, with the instance's storage as one dagster-postgres URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlq_platform.config import REPO_ROOT
from nlq_platform.dagster_env import dagster_pg_url, write_dotenv
from tests.support.pg import TestPostgres

BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    ("owner", "url"),
    [
        (
            "postgresql://nlq:p%40ss%25word@db.example:6432/nlq?sslmode=require&application_name=x",
            "postgresql+psycopg2://nlq:p%40ss%25word@db.example:6432/dagster?sslmode=require&application_name=x",
        ),
        (
            "postgresql://nlq:secret@127.0.0.1:54320/nlq",
            "postgresql+psycopg2://nlq:secret@127.0.0.1:54320/dagster",
        ),
    ],
)
def test_the_storage_url_keeps_escapes_and_query_parameters(owner: str, url: str) -> None:
    assert dagster_pg_url(owner) == url  # p%40ss stays p%40ss (not p%2540ss); sslmode stays


def test_dotenv_is_written_and_other_lines_kept(pg: TestPostgres, tmp_path: Path) -> None:
    from nlq_platform.config import Settings

    dotenv = tmp_path / ".env"
    dotenv.write_text("MY_OWN=1\nNLQ_DAGSTER_PG_URL=old\n")
    settings = Settings(home=tmp_path / "home", database_url=pg.owner_dsn("postgres"))
    write_dotenv(settings, dotenv)
    lines = dotenv.read_text().splitlines()
    assert "MY_OWN=1" in lines
    [url] = [line for line in lines if line.startswith("NLQ_DAGSTER_PG_URL=")]
    assert url.endswith("/dagster") and "+psycopg2" in url
    assert oct(dotenv.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    "command",
    [["dg", "check", "defs"], ["dagster", "definitions", "validate", "-w", "workspace.yaml"]],
    ids=["dg-check-defs", "dagster-definitions-validate"],
)
def test_definitions_check_from_a_clean_environment(pg: TestPostgres, command: list[str]) -> None:
    url = dagster_pg_url(pg.owner_dsn("postgres")).replace("/dagster", "/postgres")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
           "NLQ_DAGSTER_PG_URL": url}  # fmt: skip
    done = subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
