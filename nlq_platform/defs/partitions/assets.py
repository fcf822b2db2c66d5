"""``log_partitions``: partitions for the coming days, strays out of the default partition, and
retention (NLQ_RETENTION_DAYS) — each expired day archived (unless it already is: Parquet, and
BigQuery when NLQ_BIGQUERY_LOGS_TABLE is set, as logs_archive does), then dropped."""

import asyncio
import tempfile
from datetime import date
from pathlib import Path

import dagster as dg

from nlq_platform.archive.bigquery import load_day
from nlq_platform.archive.days import archive_day
from nlq_platform.db import partitions
from nlq_platform.defs.archive.resources import LogsArchive
from nlq_platform.defs.resources import NlqDatabase, connect


@dg.asset(
    group_name="partitions",
    kinds={"postgres"},
    description="Daily partitions of logs: created ahead, default partition re-homed, days past "
    "NLQ_RETENTION_DAYS archived then detached and dropped.",
)
def log_partitions(
    context: dg.AssetExecutionContext, nlq_db: NlqDatabase, logs_archive_store: LogsArchive
) -> dg.MaterializeResult:
    settings = nlq_db.settings()
    store = logs_archive_store.store(settings.home)
    today = partitions.utc_today()
    oldest_kept = date.fromordinal(today.toordinal() - settings.retention_days)

    async def go() -> dg.MaterializeResult:
        conn = await connect(nlq_db.dsns().owner)
        try:
            if not await partitions.is_partitioned(conn):
                raise dg.Failure("logs is not partitioned yet: run `nlq db migrate`")
            created = await partitions.ensure_partitions(
                conn, today=today, ahead=settings.partitions_ahead_days
            )
            created += await partitions.rehome_default(conn, not_before=oldest_kept)
            archived_days = set(store.days())

            async def archive_first(day: date) -> None:
                """As logs_archive would: Parquet, then BigQuery when NLQ_BIGQUERY_LOGS_TABLE is set."""
                if day in archived_days:
                    return
                with tempfile.TemporaryDirectory(prefix="nlq-retention-") as tmp:
                    local = Path(tmp) / "logs.parquet"
                    exported, uri = await archive_day(conn, store, day, keep=local)
                    context.log.info(f"archived {day} ({exported.rows} rows) to {uri} before dropping it")
                    if table := logs_archive_store.bigquery_table:
                        with logs_archive_store.bigquery_client() as client:
                            job = load_day(client, table, day, local)
                        context.log.info(f"loaded {day} into {table}${day:%Y%m%d} (job {job.job_id})")

            dropped = await partitions.apply_retention(
                conn, retention_days=settings.retention_days, today=today, before_drop=archive_first
            )
            parts = await partitions.list_partitions(conn)
        finally:
            await conn.close()
        days = [p.day for p in parts if p.day is not None]
        return dg.MaterializeResult(
            metadata={
                "created": ", ".join(created) or "none",
                "dropped": ", ".join(dropped) or "none",
                "partitions": len(parts),
                "oldest_day": str(min(days)) if days else "none",
                "newest_day": str(max(days)) if days else "none",
                "retention_days": settings.retention_days,
                "bytes": sum(p.bytes for p in parts),
            }
        )

    return asyncio.run(go())
