"""Loading an archived day into BigQuery: one load job per day into the day's table partition.

The destination is ``table$YYYYMMDD`` with WRITE_TRUNCATE, so re-running a day (a backfill)
replaces that day instead of appending it twice. The table is day-partitioned on created_at and
created by the first load when missing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from google.cloud import bigquery as bq


def load_day(
    client: bq.Client, table: str, day: date, parquet: Path, *, timeout_s: float = 600
) -> bq.LoadJob:
    """Run the load job and wait for it; raises the client's error when the job fails."""
    if table.count(".") != 2:
        raise ValueError(f"NLQ_BIGQUERY_LOGS_TABLE {table!r} must be project.dataset.table")
    config = bq.LoadJobConfig(
        source_format=bq.SourceFormat.PARQUET,
        write_disposition=bq.WriteDisposition.WRITE_TRUNCATE,
        create_disposition=bq.CreateDisposition.CREATE_IF_NEEDED,
        time_partitioning=bq.TimePartitioning(type_=bq.TimePartitioningType.DAY, field="created_at"),
        decimal_target_types=["NUMERIC"],
    )
    with parquet.open("rb") as fh:
        job = client.load_table_from_file(
            fh, f"{table}${day:%Y%m%d}", job_config=config, size=parquet.stat().st_size, rewind=True
        )
    job.result(timeout=timeout_s)
    return job
