"""Everything of the archive concern, for the one Definitions entry point to merge."""

import os

import dagster as dg
from dagster_gcp import BigQueryResource, GCSResource

from nlq_platform.defs.archive.assets import logs_archive
from nlq_platform.defs.archive.resources import LogsArchive
from nlq_platform.defs.archive.schedules import daily_logs_archive, logs_archive_job


def _env(name: str) -> dg.EnvVar | None:
    return dg.EnvVar(name) if os.environ.get(name) else None


def archive_resource() -> LogsArchive:
    project = _env("NLQ_GCP_PROJECT")
    return LogsArchive(
        uri=_env("NLQ_ARCHIVE_URI"),
        gcs=GCSResource(project=project)
        if os.environ.get("NLQ_ARCHIVE_URI", "").startswith("gs://")
        else None,
        bigquery_table=_env("NLQ_BIGQUERY_LOGS_TABLE"),
        bigquery=BigQueryResource(project=project) if os.environ.get("NLQ_BIGQUERY_LOGS_TABLE") else None,
        bigquery_endpoint=_env("NLQ_BIGQUERY_ENDPOINT"),
    )


defs = dg.Definitions(
    assets=[logs_archive],
    jobs=[logs_archive_job],
    schedules=[daily_logs_archive],
    resources={"logs_archive_store": archive_resource()},
)
