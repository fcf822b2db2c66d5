"""``logs_archive``: one partition per finished UTC day, exported to Parquet under NLQ_ARCHIVE_URI.

Backfills work from the UI (select days, "Materialize"). A day whose PostgreSQL partition is
already gone (retention) keeps the file archived before: it is never overwritten with nothing.
"""

import asyncio
import tempfile
from datetime import date
from pathlib import Path

import dagster as dg

from nlq_platform.archive.bigquery import load_day
from nlq_platform.archive.days import archive_day, day_is_in_postgres
from nlq_platform.config import get_settings
from nlq_platform.defs.archive.resources import LogsArchive
from nlq_platform.defs.resources import NlqDatabase, connect

#: the first day offered for backfills (NLQ_ARCHIVE_START_DATE); static, as Dagster prefers
daily = dg.DailyPartitionsDefinition(
    start_date=get_settings().archive_start_date, timezone="UTC", minute_offset=30
)


@dg.asset(
    partitions_def=daily,
    group_name="archive",
    kinds={"parquet", "duckdb"},
    description="Each finished day of logs as Parquet (file:// or gs://), loaded into BigQuery when "
    "NLQ_BIGQUERY_LOGS_TABLE is set.",
)
def logs_archive(
    context: dg.AssetExecutionContext, nlq_db: NlqDatabase, logs_archive_store: LogsArchive
) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    settings = nlq_db.settings()
    store = logs_archive_store.store(settings.home)

    async def go(local: Path) -> dg.MaterializeResult:
        conn = await connect(nlq_db.dsns().owner)
        try:
            if not await day_is_in_postgres(conn, day) and day in store.days():
                context.log.info(f"{day}: partition already dropped by retention; keeping the archived file")
                return dg.MaterializeResult(metadata={"kept": True, "uri": store.uri})
            exported, uri = await archive_day(conn, store, day, keep=local)
        finally:
            await conn.close()
        metadata: dict[str, dg.RawMetadataValue] = {
            "rows": exported.rows,
            "bytes": exported.bytes,
            "uri": uri,
        }
        table = logs_archive_store.bigquery_table
        if table:
            with logs_archive_store.bigquery_client() as client:
                job = load_day(client, table, day, local)
            metadata.update(bigquery_table=f"{table}${day:%Y%m%d}", bigquery_job=job.job_id)
        return dg.MaterializeResult(metadata=metadata)

    with tempfile.TemporaryDirectory(prefix="nlq-archive-") as tmp:
        return asyncio.run(go(Path(tmp) / "logs.parquet"))
