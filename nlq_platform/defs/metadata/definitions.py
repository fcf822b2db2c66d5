"""Everything of the metadata concern (System A), for the one Definitions entry point to merge."""

import dagster as dg

from nlq_platform.defs.metadata.assets import METADATA_ASSETS
from nlq_platform.defs.metadata.checks import METADATA_CHECKS
from nlq_platform.defs.metadata.jobs import metadata_refresh_job
from nlq_platform.defs.metadata.schedules import daily_metadata_refresh
from nlq_platform.defs.metadata.sensors import schema_change_sensor

defs = dg.Definitions(
    assets=METADATA_ASSETS,
    asset_checks=METADATA_CHECKS,
    jobs=[metadata_refresh_job],
    schedules=[daily_metadata_refresh],
    sensors=[schema_change_sensor],
)
