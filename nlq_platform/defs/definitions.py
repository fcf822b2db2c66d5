"""The one ``Definitions`` entry point (loaded by workspace.yaml); resources per environment."""

import os

import dagster as dg
from dagster_gcp import BigQueryResource, GCSResource

from nlq_platform.defs.alerts.sensors import run_failure_alert
from nlq_platform.defs.archive.definitions import defs as archive_defs
from nlq_platform.defs.evaluation.assets import nlq_eval
from nlq_platform.defs.evaluation.checks import eval_meets_threshold, eval_wrong_rate_within_limit
from nlq_platform.defs.metadata.assets import METADATA_ASSETS
from nlq_platform.defs.metadata.checks import METADATA_CHECKS
from nlq_platform.defs.metadata.jobs import metadata_refresh_job
from nlq_platform.defs.metadata.schedules import daily_metadata_refresh
from nlq_platform.defs.metadata.sensors import schema_change_sensor
from nlq_platform.defs.partitions.definitions import defs as partitions_defs
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


core_defs = dg.Definitions(
    assets=[*METADATA_ASSETS, nlq_eval],
    asset_checks=[*METADATA_CHECKS, eval_meets_threshold, eval_wrong_rate_within_limit],
    jobs=[metadata_refresh_job],
    schedules=[daily_metadata_refresh],
    sensors=[schema_change_sensor, run_failure_alert],
    resources=build_resources(),
)

defs = dg.Definitions.merge(core_defs, partitions_defs, archive_defs)
