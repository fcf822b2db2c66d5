"""The archive runs each day at 00:30 UTC for the day that just finished."""

import dagster as dg

from nlq_platform.defs.archive.assets import logs_archive

logs_archive_job = dg.define_asset_job(name="logs_archive_job", selection=[logs_archive])
daily_logs_archive = dg.build_schedule_from_partitioned_job(
    logs_archive_job, name="daily_logs_archive", default_status=dg.DefaultScheduleStatus.RUNNING
)
