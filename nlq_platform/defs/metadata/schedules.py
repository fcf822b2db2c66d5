"""Daily refresh at 17:00 UTC, the seed's Cloud Scheduler cron."""

import dagster as dg

from nlq_platform.defs.metadata.jobs import metadata_refresh_job

daily_metadata_refresh = dg.ScheduleDefinition(
    name="daily_metadata_refresh",
    job=metadata_refresh_job,
    cron_schedule="0 17 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
