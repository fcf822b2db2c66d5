"""The one ``Definitions`` entry point (workspace.yaml, ``[tool.dg]`` in pyproject.toml).

Each concern is a folder of ``nlq_platform/defs/`` with a ``definitions.py`` that holds its
``defs`` (assets, checks, jobs, schedules, sensors, its own resources); they are found and
merged here, so adding a concern touches only its folder. Shared resources are bound here, per
environment through ``EnvVar``.
"""

import importlib
import os
import pkgutil

import dagster as dg
from dagster_gcp import BigQueryResource, GCSResource

import nlq_platform.defs as defs_package
from nlq_platform.defs.resources import AlertNotifier, BigQuerySource, MetadataCache, NlqDatabase


def _env(name: str, default: str | None = None) -> dg.EnvVar | str | None:
    """``EnvVar`` when set (so the UI shows where a value comes from), else the default."""
    return dg.EnvVar(name) if os.environ.get(name) else default


def build_resources() -> dict[str, dg.ConfigurableResource]:
    project = _env("NLQ_GCP_PROJECT")
    return {
        "nlq_db": NlqDatabase(
            database_url=_env("NLQ_DATABASE_URL"),
            reader_password=_env("NLQ_READER_DB_PASSWORD"),
            ingest_password=_env("NLQ_INGEST_DB_PASSWORD"),
            tables=_env("NLQ_TABLES", "logs"),
        ),
        "bigquery_source": BigQuerySource(
            tables=_env("NLQ_BIGQUERY_TABLES", ""),
            bigquery=BigQueryResource(project=project) if os.environ.get("NLQ_BIGQUERY_TABLES") else None,
            api_endpoint=_env("NLQ_BIGQUERY_ENDPOINT"),
        ),
        "metadata_cache_store": MetadataCache(
            uri=_env("NLQ_CACHE_URI"),
            gcs=GCSResource(project=project)
            if os.environ.get("NLQ_CACHE_URI", "").startswith("gs://")
            else None,
        ),
        "alert_notifier": AlertNotifier(webhook_url=_env("NLQ_ALERT_WEBHOOK")),
    }


def concern_definitions() -> list[dg.Definitions]:
    """The ``defs`` of every concern folder (``defs/<concern>/definitions.py``), by name."""
    found = []
    for info in sorted(pkgutil.iter_modules(defs_package.__path__), key=lambda i: i.name):
        if info.ispkg:
            module = importlib.import_module(f"{defs_package.__name__}.{info.name}.definitions")
            found.append(module.defs)
    return found


defs = dg.Definitions.merge(*concern_definitions(), dg.Definitions(resources=build_resources()))
