"""The ``nlq_eval`` asset: Text-to-SQL execution accuracy on the 38 scenarios and how often the
engine is confidently wrong — correct / refused / wrong per set and language — measured on a
freshly seeded evaluation database with the configured engine."""

import asyncio
from typing import Any

import dagster as dg

from nlq_platform.defs.resources import NlqDatabase
from nlq_platform.evaluation.fresh import seed_fresh_database
from nlq_platform.evaluation.report import EvalReport
from nlq_platform.evaluation.runner import run_eval
from nlq_platform.evaluation.scenarios import named_set

GROUP = "evaluation"
#: the scenarios (the accuracy gate) and the questions the data cannot answer (the refusal gate);
#: the blind-intent sets can be added from the launchpad: sets: [scenarios, blind_intents1, …]
DEFAULT_SETS = ["scenarios", "unanswerable"]


class EvalConfig(dg.Config):
    database_name: str = "nlq_eval"
    engine: str | None = None  # default: NLQ_ENGINE
    sets: list[str] = DEFAULT_SETS


def judged_by_language(report: EvalReport) -> dict[str, dict[str, Any]]:
    """{lang: {correct, refused, wrong, wrong_rate}} of one set."""
    return {lang: data["judged"] for lang, data in report.to_dict()["by_language"].items()}


def _judged_table(judged: dict[str, dict[str, dict[str, Any]]]) -> str:
    lines = ["| set | lang | correct | refused | wrong | wrong % |", "|---|---|---:|---:|---:|---:|"]
    for name, by_lang in judged.items():
        for lang, j in by_lang.items():
            lines.append(
                f"| {name} | {lang} | {j['correct']} | {j['refused']} | {j['wrong']} | {100 * j['wrong_rate']:.1f} |"
            )
    return "\n".join(lines)


@dg.asset(
    group_name=GROUP,
    deps=["metadata_cache"],
    description="Strict and subset execution accuracy on the scenarios (both languages), and correct / "
    "refused / wrong per set and language (scenarios, unanswerable questions, blind sets).",
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
    engine = config.engine or settings.engine
    sets = ["scenarios", *(name for name in config.sets if name != "scenarios")]
    reports = {name: run_eval(eval_settings, scenarios_path=named_set(name), engine=engine) for name in sets}
    report = reports["scenarios"]
    data = report.to_dict()
    judged = {name: judged_by_language(r) for name, r in reports.items()}
    worst = max((j["wrong_rate"] for by_lang in judged.values() for j in by_lang.values()), default=0.0)
    context.add_output_metadata(
        {
            "engine": data["engine"],
            "strict_ex": dg.MetadataValue.float(report.strict_accuracy),
            "subset_ex": dg.MetadataValue.float(report.subset_accuracy),
            "strict": f"{data['strict']['correct']}/{data['strict']['total']}",
            **{
                f"{name}_{lang}": f"{j['correct']} correct · {j['refused']} refused · {j['wrong']} wrong"
                for name, by_lang in judged.items()
                for lang, j in by_lang.items()
            },
            "worst_wrong_rate": dg.MetadataValue.float(worst),
            "judged": dg.MetadataValue.md(_judged_table(judged)),
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
        "judged": judged,
        "failures": [item.key for item in report.failures],
    }
