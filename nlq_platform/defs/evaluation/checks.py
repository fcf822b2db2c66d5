"""The gates on ``nlq_eval``: strict EX on the scenarios at or above ``NLQ_EVAL_THRESHOLD``
(default 38/38), and no set or language with more than ``NLQ_EVAL_MAX_WRONG_RATE`` (default 5%)
confidently wrong answers — a refusal with a reason is not wrong, an answer to another question is."""

from typing import Any

import dagster as dg

from nlq_platform.config import load_settings
from nlq_platform.defs.evaluation.assets import nlq_eval


@dg.asset_check(asset=nlq_eval, blocking=True, description="Strict EX at or above NLQ_EVAL_THRESHOLD.")
def eval_meets_threshold(nlq_eval: dict[str, Any]) -> dg.AssetCheckResult:
    threshold = load_settings().eval_threshold
    accuracy = nlq_eval["strict_accuracy"]
    return dg.AssetCheckResult(
        passed=accuracy >= threshold,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "strict_accuracy": accuracy,
            "threshold": threshold,
            "failures": ", ".join(nlq_eval["failures"]) or "none",
        },
    )


@dg.asset_check(
    asset=nlq_eval, description="At most NLQ_EVAL_MAX_WRONG_RATE wrong answers in every set and language."
)
def eval_wrong_rate_within_limit(nlq_eval: dict[str, Any]) -> dg.AssetCheckResult:
    limit = load_settings().eval_max_wrong_rate
    over = {
        f"{name}/{lang}": judged["wrong_rate"]
        for name, by_lang in nlq_eval["judged"].items()
        for lang, judged in by_lang.items()
        if judged["wrong_rate"] > limit
    }
    return dg.AssetCheckResult(
        passed=not over,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "limit": limit,
            "over_limit": ", ".join(f"{k} {100 * v:.1f}%" for k, v in over.items()) or "none",
        },
    )
