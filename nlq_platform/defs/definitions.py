"""The one ``Definitions`` entry point (workspace.yaml, ``[tool.dg]`` in pyproject.toml).

Each concern is a folder of ``nlq_platform/defs/`` with a ``definitions.py`` that holds its
``defs`` (assets, checks, jobs, schedules, sensors, its own resources); they are found and
merged here, so adding a concern touches only its folder. Shared resources are bound here, from
the platform's settings (:mod:`nlq_platform.config`).
"""

import importlib
import pkgutil

import dagster as dg
from dagster_gcp import BigQueryResource, GCSResource

import nlq_platform.defs as defs_package
from nlq_platform.config import Settings, env_name, get_settings
from nlq_platform.defs.resources import AlertNotifier, BigQuerySource, MetadataCache, NlqDatabase


def build_resources(settings: Settings | None = None) -> dict[str, dg.ConfigurableResource]:
    """The shared resources from the platform's settings (``NLQ_*``, :mod:`nlq_platform.config`).

    Secrets are not copied into the resources' config (the UI shows config): ``NlqDatabase``
    takes the DSN and passwords from the settings when it runs, and the webhook is an
    ``EnvVar``, shown by name."""
    settings = settings if settings is not None else get_settings()
    project = settings.gcp_project
    return {
        "nlq_db": NlqDatabase(tables=settings.tables),
        "bigquery_source": BigQuerySource(
            tables=settings.bigquery_tables,
            bigquery=BigQueryResource(project=project) if settings.bigquery_tables else None,
            api_endpoint=settings.bigquery_endpoint,
        ),
        "metadata_cache_store": MetadataCache(
            uri=settings.cache_uri,
            gcs=GCSResource(project=project) if (settings.cache_uri or "").startswith("gs://") else None,
        ),
        "alert_notifier": AlertNotifier(
            webhook_url=dg.EnvVar(env_name("alert_webhook")) if settings.alert_webhook else None
        ),
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
