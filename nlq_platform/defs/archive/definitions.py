"""Everything of the archive concern, for the one Definitions entry point to merge."""

import dagster as dg
from dagster_gcp import BigQueryResource, GCSResource

from nlq_platform.config import Settings, get_settings
from nlq_platform.defs.archive.assets import logs_archive
from nlq_platform.defs.archive.resources import LogsArchive
from nlq_platform.defs.archive.schedules import daily_logs_archive, logs_archive_job


def archive_resource(settings: Settings | None = None) -> LogsArchive:
    """The archive's store and BigQuery table from the platform's settings."""
    settings = settings if settings is not None else get_settings()
    project = settings.gcp_project
    return LogsArchive(
        uri=settings.archive_uri,
        gcs=GCSResource(project=project) if (settings.archive_uri or "").startswith("gs://") else None,
        bigquery_table=settings.bigquery_logs_table,
        bigquery=BigQueryResource(project=project) if settings.bigquery_logs_table else None,
        bigquery_endpoint=settings.bigquery_endpoint,
    )


defs = dg.Definitions(
    assets=[logs_archive],
    jobs=[logs_archive_job],
    schedules=[daily_logs_archive],
    resources={"logs_archive_store": archive_resource()},
)
