"""Everything of the evaluation concern, for the one Definitions entry point to merge."""

import dagster as dg

from nlq_platform.defs.evaluation.assets import nlq_eval
from nlq_platform.defs.evaluation.checks import eval_meets_threshold, eval_wrong_rate_within_limit

defs = dg.Definitions(assets=[nlq_eval], asset_checks=[eval_meets_threshold, eval_wrong_rate_within_limit])
