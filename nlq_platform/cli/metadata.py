"""``nlq metadata``: System A from the command line."""

from __future__ import annotations

import click

from nlq_platform.cli.errors import UserFacingError, user_facing
from nlq_platform.config import get_settings


@click.group()
def metadata() -> None:
    """The metadata cache (schema snapshot, value catalog, few-shot examples) and its eval."""


@metadata.command()
@click.option("--skip-eval", is_flag=True, help="Materialise the metadata group only.")
def refresh(skip_eval: bool) -> None:
    """Materialise schema_snapshot → value_catalog → few_shot_examples → metadata_cache → nlq_eval."""
    import dagster as dg

    from nlq_platform import dagster_env
    from nlq_platform.db import lifecycle

    settings = get_settings()
    with user_facing("refreshing metadata"):
        lifecycle.up(settings)
        dagster_env.apply(settings)
        from nlq_platform.defs.definitions import defs

        job = defs.get_job_def("metadata_refresh")
        selection = dg.AssetSelection.groups("metadata") if skip_eval else None
        with dg.DagsterInstance.get() as instance:
            result = job.execute_in_process(
                instance=instance,
                asset_selection=list(selection.resolve(defs.resolve_asset_graph())) if selection else None,
                raise_on_error=False,
            )
    for event in result.get_asset_materialization_events():
        click.echo(f"materialised {event.asset_key.to_user_string()}")
    for evaluation in result.get_asset_check_evaluations():
        state = "passed" if evaluation.passed else "FAILED"
        click.echo(f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} {state}")
    if not result.success:
        raise UserFacingError("the metadata refresh failed; see the messages above and the Dagster UI")
