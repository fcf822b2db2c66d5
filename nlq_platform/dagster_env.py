"""The environment Dagster's processes need: DAGSTER_HOME with dagster.yaml, and the
dagster-postgres credentials for a ``dagster`` database on the platform's server."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import urlsplit

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


def dagster_environment(settings: Settings) -> dict[str, str]:
    """Variables for dagster-webserver/daemon/in-process runs; creates the dagster database."""
    owner = dsn_mod.resolve(settings).owner
    asyncio.run(ensure_database(dsn_mod.with_database(owner, "postgres"), DAGSTER_DATABASE))
    parts = urlsplit(owner)
    return {
        "DAGSTER_HOME": str(dagster_home(settings)),
        "NLQ_DAGSTER_PG_USER": parts.username or "",
        "NLQ_DAGSTER_PG_PASSWORD": parts.password or "",
        "NLQ_DAGSTER_PG_HOST": parts.hostname or "127.0.0.1",
        "NLQ_DAGSTER_PG_PORT": str(parts.port or 5432),
        "NLQ_DAGSTER_PG_DB": DAGSTER_DATABASE,
    }


def apply(settings: Settings) -> dict[str, str]:
    env = dagster_environment(settings)
    os.environ.update(env)
    return env
