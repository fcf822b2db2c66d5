"""The ``nlq_eval`` asset: Text-to-SQL execution accuracy on the 38 scenarios, measured on a
freshly seeded evaluation database with the configured engine."""

import asyncio
from typing import Any

import dagster as dg

from nlq_platform.defs.resources import NlqDatabase
from nlq_platform.evaluation.fresh import seed_fresh_database
from nlq_platform.evaluation.runner import run_eval

GROUP = "evaluation"


class EvalConfig(dg.Config):
    database_name: str = "nlq_eval"
    engine: str | None = None  # default: NLQ_ENGINE


@dg.asset(
    group_name=GROUP,
    deps=["metadata_cache"],
    description="Strict and subset execution accuracy on the scenarios (both languages), per category.",
)
def nlq_eval(context: dg.AssetExecutionContext, config: EvalConfig, nlq_db: NlqDatabase) -> dict[str, Any]:
    settings = nlq_db.settings()
    dsns = nlq_db.dsns()
    eval_dsn = asyncio.run(
        seed_fresh_database(dsns.owner, config.database_name, dsns.ingest_password, dsns.reader_password)
    )
    # the eval database is described live: the metadata cache describes the logs database
    eval_settings = settings.model_copy(
        update={
            "database_url": eval_dsn,
            "ingest_database_url": None,
            "reader_database_url": None,
            "reader_db_password": dsns.reader_password,
            "ingest_db_password": dsns.ingest_password,
            "cache_uri": (settings.home / "nlq_eval" / "no-cache.json").as_uri(),
        }
    )

    report = run_eval(eval_settings, engine=config.engine or settings.engine)
    data = report.to_dict()
    context.add_output_metadata(
        {
            "engine": data["engine"],
            "strict_ex": dg.MetadataValue.float(report.strict_accuracy),
            "subset_ex": dg.MetadataValue.float(report.subset_accuracy),
            "strict": f"{data['strict']['correct']}/{data['strict']['total']}",
            "latency_p50_ms": data["latency_ms"]["p50"],
            "latency_p95_ms": data["latency_ms"]["p95"],
            "report": dg.MetadataValue.md(report.to_markdown()[:60_000]),
        }
    )
    return {
        "engine": data["engine"],
        "strict_accuracy": report.strict_accuracy,
        "subset_accuracy": report.subset_accuracy,
        "strict": data["strict"],
        "failures": [item.key for item in report.failures],
    }
