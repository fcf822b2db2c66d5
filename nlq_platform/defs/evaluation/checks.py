"""The accuracy gate on ``nlq_eval``: fails below the configured threshold (default 38/38)."""

import os
from typing import Any

import dagster as dg

from nlq_platform.defs.evaluation.assets import nlq_eval


def eval_threshold() -> float:
    """NLQ_EVAL_THRESHOLD: the strict EX the eval must reach (1.0 = every question, offline)."""
    return float(os.environ.get("NLQ_EVAL_THRESHOLD", "1.0"))


@dg.asset_check(asset=nlq_eval, blocking=True, description="Strict EX at or above NLQ_EVAL_THRESHOLD.")
def eval_meets_threshold(nlq_eval: dict[str, Any]) -> dg.AssetCheckResult:
    threshold = eval_threshold()
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
