"""Run-failure alerts: any failed run of this code location goes to the notifier."""

import dagster as dg

from nlq_platform.defs.resources import AlertNotifier


@dg.run_failure_sensor(name="run_failure_alert", default_status=dg.DefaultSensorStatus.RUNNING)
def run_failure_alert(context: dg.RunFailureSensorContext, alert_notifier: AlertNotifier) -> None:
    run = context.dagster_run
    alert_notifier.notifier().send(
        "system_a_failure",
        f"Dagster run {run.run_id} of {run.job_name} failed",
        run_id=run.run_id,
        job=run.job_name,
        error=context.failure_event.message if context.failure_event else None,
    )
