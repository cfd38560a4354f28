"""Jobs: the full refresh of every asset (the demo's main job)."""

import dagster as dg

full_refresh_job = dg.define_asset_job(
    name="full_refresh",
    selection=dg.AssetSelection.all(),
    description=(
        "Load every landing file, rebuild staging and intermediate models and refresh the"
        " monthly marts for the partitions selected (all of them in one run by default)."
    ),
)
