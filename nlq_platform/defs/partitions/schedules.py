"""Partition maintenance daily at 00:15 UTC, before the archive's 00:30 run."""

import dagster as dg

from nlq_platform.defs.partitions.assets import log_partitions

log_partitions_job = dg.define_asset_job(name="log_partitions_job", selection=[log_partitions])
daily_log_partitions = dg.ScheduleDefinition(
    name="daily_log_partitions",
    job=log_partitions_job,
    cron_schedule="15 0 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
