"""The refresh job: the whole System A graph, metadata then evaluation."""

import dagster as dg

metadata_refresh_job = dg.define_asset_job(
    name="metadata_refresh",
    selection=dg.AssetSelection.groups("metadata", "evaluation"),
    description="schema_snapshot → value_catalog → few_shot_examples → metadata_cache → nlq_eval",
)
