"""The schema-change sensor: a cheap fingerprint of every table's columns, kept in the cursor;
a change requests a refresh of the whole graph (the seed's extension plan 2)."""

import asyncio
import json

import dagster as dg

from nlq_platform.defs.metadata.jobs import metadata_refresh_job
from nlq_platform.defs.resources import BigQuerySource, NlqDatabase, connect
from nlq_platform.metadata.document import table_fingerprint
from nlq_platform.metadata.postgres import fetch_snapshot


def current_fingerprints(nlq_db: NlqDatabase, bigquery_source: BigQuerySource) -> dict[str, str]:
    async def postgres() -> dict[str, str]:
        conn = await connect(nlq_db.dsns().reader)
        try:
            snapshot = await fetch_snapshot(conn, nlq_db.table_names())
        finally:
            await conn.close()
        return {t.table_id: table_fingerprint(t) for t in snapshot.tables}

    prints = asyncio.run(postgres())
    if bigquery_source.table_ids():
        from nlq_platform.metadata.bigquery import bigquery_columns_fingerprint

        with bigquery_source.client() as client:
            for table_id in bigquery_source.table_ids():
                prints[table_id] = bigquery_columns_fingerprint(client, table_id)
    return prints


@dg.sensor(
    name="schema_change_sensor",
    job=metadata_refresh_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Refreshes the metadata graph when a table's columns change.",
)
def schema_change_sensor(
    context: dg.SensorEvaluationContext, nlq_db: NlqDatabase, bigquery_source: BigQuerySource
) -> dg.SensorResult | dg.SkipReason:
    prints = current_fingerprints(nlq_db, bigquery_source)
    previous = json.loads(context.cursor) if context.cursor else None
    cursor = json.dumps(prints, sort_keys=True)
    if previous is None:
        return dg.SensorResult(skip_reason="baseline recorded: " + ", ".join(sorted(prints)), cursor=cursor)
    changed = sorted(t for t in set(prints) | set(previous) if prints.get(t) != previous.get(t))
    if not changed:
        return dg.SkipReason("no schema change")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=cursor, tags={"nlq/changed_tables": ",".join(changed)})],
        cursor=cursor,
    )
