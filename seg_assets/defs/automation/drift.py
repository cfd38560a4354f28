"""Drift sensor: when the newest published month is in act, ask for a guarded retrain of it.

It reads the drift state from the serving snapshot (a read-only open of a file the pipeline
only ever replaces whole), so it keeps working while runs hold the working warehouse. The
retrain decision stays in the segmentation step's monthly plan: the sensor only asks, with
``retrain: true``, and the run's tags carry which metrics crossed which levels.
"""

import json
from pathlib import Path

import dagster as dg

from seg_assets.defs.automation.landing import MAX_TAG_LENGTH, REASON_TAG, TRIGGER_TAG
from seg_assets.defs.jobs import segmentation_refresh_job
from seg_assets.defs.partitions import month_range_tags
from seg_assets.defs.resources import ServingFile
from seg_assets.lib.automation.episodes import EpisodeCursor, evaluate
from seg_assets.lib.automation.settings import AutomationSettings
from seg_assets.lib.automation.snapshot import newest_month_drift

SEGMENTATION_STEP = "segment_customers"


def retrain_run_config() -> dict[str, object]:
    """Run config of a segmentation run that trains a new model for its months."""
    return {"ops": {SEGMENTATION_STEP: {"config": {"retrain": True}}}}


def build_drift_sensor(settings: AutomationSettings) -> dg.SensorDefinition:
    """The drift sensor on the segmentation_refresh job (dry run from config)."""
    dry_run = settings.drift_dry_run

    @dg.sensor(
        name="drift_retrain_sensor",
        job=segmentation_refresh_job,
        minimum_interval_seconds=settings.drift_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Reads segmentation.drift_history from the serving snapshot. When the newest"
            " published month is in act (config/automation.yaml drift.thresholds), launches"
            " segmentation_refresh for that month with retrain: true, once per drift episode,"
            " tagged with the metrics that crossed their levels."
            + (" DRY RUN: records what it would launch and launches nothing." if dry_run else "")
        ),
    )
    def drift_retrain_sensor(
        context: dg.SensorEvaluationContext, serving: ServingFile
    ) -> dg.SensorResult:
        cursor = EpisodeCursor.from_json(json.loads(context.cursor) if context.cursor else None)
        newest = newest_month_drift(Path(serving.path))
        step = evaluate(cursor, newest)
        context.log.info(step.reason)
        if not step.retrain or newest is None:
            return dg.SensorResult(
                skip_reason=step.reason, cursor=json.dumps(step.cursor.to_json())
            )
        month = newest.month.isoformat()
        if dry_run:
            return dg.SensorResult(
                skip_reason=f"dry run: would launch a retrain of {month}: {step.reason}",
                cursor=json.dumps(step.cursor.to_json()),
            )
        request = dg.RunRequest(
            run_key=f"drift:{newest.model_version}:{month}",
            run_config=retrain_run_config(),
            tags={
                **month_range_tags(month),
                TRIGGER_TAG: "drift",
                "seg_assets/drifted_model": newest.model_version,
                REASON_TAG: step.reason[:MAX_TAG_LENGTH],
            },
        )
        return dg.SensorResult(run_requests=[request], cursor=json.dumps(step.cursor.to_json()))

    return drift_retrain_sensor
