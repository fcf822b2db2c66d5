"""The environment Dagster's processes need: DAGSTER_HOME with dagster.yaml, and one
dagster-postgres ``postgres_url`` for a ``dagster`` database on the platform's server."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from nlq_platform.config import REPO_ROOT, Settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db.lifecycle import ensure_database

DAGSTER_DATABASE = "dagster"


def dagster_home(settings: Settings) -> Path:
    """``.nlq/dagster`` holding a link to the repo's dagster.yaml (logs and storage stay in .nlq)."""
    home = settings.home / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    link = home / "dagster.yaml"
    if not link.exists():
        link.symlink_to(REPO_ROOT / "dagster.yaml")
    return home


def dagster_pg_url(owner_dsn: str) -> str:
    """dagster-postgres's ``postgres_url`` for the ``dagster`` database of the owner's server.

    The user, password, host and query are kept exactly as written — a password's
    percent-escapes (``p%40ss``) stay as they are, not escaped again, and ``sslmode`` and other
    parameters stay; only the scheme (psycopg2, see dagster.yaml) and the database change."""
    parts = urlsplit(owner_dsn)
    return urlunsplit(("postgresql+psycopg2", parts.netloc, f"/{DAGSTER_DATABASE}", parts.query, ""))


def dagster_environment(settings: Settings) -> dict[str, str]:
    """Variables for dagster-webserver/daemon/in-process runs; creates the dagster database."""
    owner = dsn_mod.resolve(settings).owner
    asyncio.run(ensure_database(dsn_mod.with_database(owner, "postgres"), DAGSTER_DATABASE))
    return {"DAGSTER_HOME": str(dagster_home(settings)), "NLQ_DAGSTER_PG_URL": dagster_pg_url(owner)}


#: the project's .env, which Dagster loads from the directory it starts in (`dg dev`, `dagster dev`,
#: `dg check defs`, `dagster definitions validate` from the repo root need nothing exported)
DOTENV = REPO_ROOT / ".env"


def write_dotenv(settings: Settings, path: Path = DOTENV) -> Path:
    """Write (or update) ``NLQ_DAGSTER_PG_URL`` in the repo's ``.env``, keeping its other lines."""
    url = dagster_environment(settings)["NLQ_DAGSTER_PG_URL"]
    kept = []
    if path.exists():
        kept = [line for line in path.read_text().splitlines() if not line.startswith("NLQ_DAGSTER_PG_URL=")]
    header = "# written by `nlq db up`: the Dagster instance's storage (dagster.yaml reads it)"
    lines = [line for line in kept if line != header]
    path.write_text("\n".join([header, f"NLQ_DAGSTER_PG_URL={url}", *lines]) + "\n")
    path.chmod(0o600)  # it holds the owner's password
    return path


def apply(settings: Settings) -> dict[str, str]:
    env = dagster_environment(settings)
    os.environ.update(env)
    return env
