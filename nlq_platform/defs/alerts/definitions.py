"""Everything of the alerts concern, for the one Definitions entry point to merge."""

import dagster as dg

from nlq_platform.defs.alerts.sensors import run_failure_alert

defs = dg.Definitions(sensors=[run_failure_alert])
