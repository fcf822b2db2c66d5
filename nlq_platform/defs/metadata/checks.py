"""Asset checks that guard the metadata: a usable snapshot, runnable examples, a fresh cache."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

from nlq_platform.defs.metadata.assets import metadata_cache, schema_snapshot
from nlq_platform.defs.resources import MetadataCache, NlqDatabase, connect
from nlq_platform.metadata.schema import SchemaSnapshot
from nlq_platform.text_to_sql.executor import ExecutionError, fetch_readonly
from nlq_platform.text_to_sql.guard import GuardError, guard

#: columns the logs table must keep for the engine to work
KEY_COLUMNS = {"logs": ("created_at", "level", "log_type", "service", "message", "deleted")}


@dg.asset_check(asset=schema_snapshot, description="Every table is described and keeps its key columns.")
def snapshot_has_key_columns(schema_snapshot: dict[str, Any]) -> dg.AssetCheckResult:
    snapshot = SchemaSnapshot.from_dict(schema_snapshot)
    problems = [] if snapshot.tables else ["no table was described"]
    for table in snapshot.tables:
        if not table.columns:
            problems.append(f"{table.table_id} has no columns")
        missing = [c for c in KEY_COLUMNS.get(table.table_id, ()) if table.column(c) is None]
        if missing:
            problems.append(f"{table.table_id} lacks {', '.join(missing)}")
    return dg.AssetCheckResult(passed=not problems, metadata={"problems": "; ".join(problems) or "none"})


def _read_cache(nlq_db: NlqDatabase, store_resource: MetadataCache) -> dict[str, Any] | None:
    return store_resource.store(nlq_db.settings()).read()


@dg.asset_check(
    asset=metadata_cache, description="The cache parses and is younger than max_age_hours (24 h)."
)
def cache_is_fresh(nlq_db: NlqDatabase, metadata_cache_store: MetadataCache) -> dg.AssetCheckResult:
    document = _read_cache(nlq_db, metadata_cache_store)
    if document is None:
        return dg.AssetCheckResult(passed=False, metadata={"reason": "no cache document"})
    generated = datetime.fromisoformat(document["generated_at"])
    age = datetime.now(UTC) - generated
    limit = timedelta(hours=metadata_cache_store.max_age_hours or nlq_db.settings().cache_max_age_hours)
    return dg.AssetCheckResult(
        passed=age <= limit,
        metadata={
            "generated_at": document["generated_at"],
            "age_hours": round(age.total_seconds() / 3600, 2),
        },
    )


@dg.asset_check(asset=metadata_cache, description="Every cached example passes the guard and executes.")
def cached_examples_execute(nlq_db: NlqDatabase, metadata_cache_store: MetadataCache) -> dg.AssetCheckResult:
    document = _read_cache(nlq_db, metadata_cache_store) or {}
    snapshot = SchemaSnapshot.from_dict(document.get("schema") or {})
    examples = document.get("examples") or []

    async def run_all() -> list[str]:
        failures: list[str] = []
        conn = await connect(nlq_db.dsns().reader)
        try:
            for example in examples:
                table = snapshot.table(example.get("table_id", "logs"))
                if table is None or table.source != "postgres":
                    continue  # BigQuery examples are validated when generated
                try:
                    sql = guard(example["sql"], snapshot).sql
                    await fetch_readonly(conn, sql, 5000)
                except (GuardError, ExecutionError) as exc:
                    failures.append(f"{example['question']}: {exc}")
        finally:
            await conn.close()
        return failures

    failures = asyncio.run(run_all())
    return dg.AssetCheckResult(
        passed=not failures and bool(examples),
        metadata={"examples": len(examples), "failures": "\n".join(failures) or "none"},
    )


METADATA_CHECKS = [snapshot_has_key_columns, cache_is_fresh, cached_examples_execute]
