"""Jobs: the full refresh of every asset (the demo's main job, the schedule's and the landing
sensor's) and the segmentation refresh the drift sensor launches."""

import dagster as dg

from seg_assets.defs.segmentation.assets import segment_customers

# Every run of this code location writes the one warehouse file; the tag names that resource
# and dagster.yaml lets one such run proceed at a time (a second one waits in the queue).
WAREHOUSE_TAGS = {"seg_assets/warehouse": "write"}

full_refresh_job = dg.define_asset_job(
    name="full_refresh",
    selection=dg.AssetSelection.all(),
    description=(
        "Load every landing file, rebuild staging and intermediate models and refresh the"
        " monthly marts for the partitions selected (all of them in one run by default)."
    ),
    tags=WAREHOUSE_TAGS,
)

segmentation_refresh_job = dg.define_asset_job(
    name="segmentation_refresh",
    selection=dg.AssetSelection.assets(segment_customers).downstream(),
    description=(
        "Segment the selected months again (train, score or roll back, as the run config asks)"
        " and rebuild what reads the segments: drift history, segment marts and the serving"
        " snapshot. The drift sensor launches it with retrain: true."
    ),
    tags=WAREHOUSE_TAGS,
)
