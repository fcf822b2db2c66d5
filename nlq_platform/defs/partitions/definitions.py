"""Everything of the partitions concern, for the one Definitions entry point to merge.

Uses the shared ``nlq_db`` resource and the archive concern's ``logs_archive_store`` (retention
archives a day before dropping it)."""

import dagster as dg

from nlq_platform.defs.partitions.assets import log_partitions
from nlq_platform.defs.partitions.checks import tomorrow_partition_exists
from nlq_platform.defs.partitions.schedules import daily_log_partitions, log_partitions_job

defs = dg.Definitions(
    assets=[log_partitions],
    asset_checks=[tomorrow_partition_exists],
    jobs=[log_partitions_job],
    schedules=[daily_log_partitions],
)
