"""System A's metadata assets: schema snapshot → value catalog → few-shot examples → cache.

Thin: each asset calls plain modules under :mod:`nlq_platform.metadata` and reports what it
produced as metadata, so the asset graph in the UI says what the cache holds.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

from nlq_platform.defs.resources import BigQuerySource, MetadataCache, NlqDatabase, connect
from nlq_platform.metadata import examples as examples_mod
from nlq_platform.metadata.document import build_document, schema_fingerprint, table_fingerprint
from nlq_platform.metadata.postgres import fetch_snapshot, fetch_value_catalog
from nlq_platform.metadata.schema import SchemaSnapshot, Table

GROUP = "metadata"


def _tables_markdown(snapshot: SchemaSnapshot) -> str:
    rows = ["| table | source | columns | fingerprint |", "|---|---|---:|---|"]
    rows += [
        f"| {t.table_id} | {t.source} | {len(t.columns)} | {table_fingerprint(t)} |" for t in snapshot.tables
    ]
    return "\n".join(rows)


@dg.asset(group_name=GROUP, description="Columns, types, modes and descriptions of every configured table.")
def schema_snapshot(
    context: dg.AssetExecutionContext, nlq_db: NlqDatabase, bigquery_source: BigQuerySource
) -> dict[str, Any]:
    async def postgres_tables() -> SchemaSnapshot:
        conn = await connect(nlq_db.dsns().reader)
        try:
            return await fetch_snapshot(conn, nlq_db.table_names())
        finally:
            await conn.close()

    tables: list[Table] = list(asyncio.run(postgres_tables()).tables)
    if bigquery_source.table_ids():
        from nlq_platform.metadata.bigquery import fetch_bigquery_table

        with bigquery_source.client() as client:
            tables += [fetch_bigquery_table(client, table_id) for table_id in bigquery_source.table_ids()]
    snapshot = SchemaSnapshot(tables=tuple(tables))
    context.add_output_metadata(
        {
            "tables": len(snapshot.tables),
            "columns": sum(len(t.columns) for t in snapshot.tables),
            "fingerprint": schema_fingerprint(snapshot),
            "snapshot": dg.MetadataValue.md(_tables_markdown(snapshot)),
        }
    )
    return snapshot.to_dict()


@dg.asset(
    group_name=GROUP, description="Top values of low-cardinality columns: what questions' words link to."
)
def value_catalog(
    context: dg.AssetExecutionContext, nlq_db: NlqDatabase, schema_snapshot: dict[str, Any]
) -> dict[str, Any]:
    snapshot = SchemaSnapshot.from_dict(schema_snapshot)

    async def collect() -> dict[str, Any]:
        conn = await connect(nlq_db.dsns().reader)
        try:
            return {
                t.table_id: await fetch_value_catalog(conn, t)
                for t in snapshot.tables
                if t.source == "postgres"
            }
        finally:
            await conn.close()

    catalog = asyncio.run(collect())
    context.add_output_metadata(
        {
            "columns": sum(len(columns) for columns in catalog.values()),
            "values": sum(len(v) for columns in catalog.values() for v in columns.values()),
        }
    )
    return catalog


@dg.asset(
    group_name=GROUP,
    description="Question/SQL pairs: accepted feedback, then Claude (with a key) or the offline "
    "synthesiser; every example guarded and executed read-only, near-duplicates removed.",
)
def few_shot_examples(
    context: dg.AssetExecutionContext,
    nlq_db: NlqDatabase,
    schema_snapshot: dict[str, Any],
    value_catalog: dict[str, Any],
) -> list[dict[str, Any]]:
    snapshot = SchemaSnapshot.from_dict(schema_snapshot)
    examples = asyncio.run(examples_mod.build_examples_for(snapshot, value_catalog, nlq_db.dsns().reader))
    by_source: dict[str, int] = {}
    for example in examples:
        by_source[example.source] = by_source.get(example.source, 0) + 1
    context.add_output_metadata(
        {
            "examples": len(examples),
            **{f"from_{source}": n for source, n in by_source.items()},
            "sample": dg.MetadataValue.md(
                "\n".join(f"- {e.question}\n  `{e.sql}`" for e in examples[:5]) or "(none)"
            ),
        }
    )
    return [e.to_dict() for e in examples]


@dg.asset(
    group_name=GROUP,
    description="metadata_cache.json: schema, catalog, examples and fingerprint, written to NLQ_CACHE_URI.",
    freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=24)),
)
def metadata_cache(
    context: dg.AssetExecutionContext,
    nlq_db: NlqDatabase,
    metadata_cache_store: MetadataCache,
    schema_snapshot: dict[str, Any],
    value_catalog: dict[str, Any],
    few_shot_examples: list[dict[str, Any]],
) -> dict[str, Any]:
    snapshot = SchemaSnapshot.from_dict(schema_snapshot)
    document = build_document(snapshot, value_catalog, few_shot_examples, datetime.now(UTC))
    store = metadata_cache_store.store(nlq_db.settings())
    store.write(document)
    context.add_output_metadata(
        {
            "uri": store.uri,
            "generated_at": document["generated_at"],
            "fingerprint": document["fingerprint"],
            "examples": len(document["examples"]),
            "tables": len(snapshot.tables),
        }
    )
    return {
        "uri": store.uri,
        "generated_at": document["generated_at"],
        "fingerprint": document["fingerprint"],
    }


METADATA_ASSETS = [schema_snapshot, value_catalog, few_shot_examples, metadata_cache]
