"""Run the full_refresh job in-process and report each asset as it completes."""

import time
import uuid

import dagster as dg

from seg_assets.definitions import defs
from seg_assets.defs.partitions import (
    RANGE_END_TAG,
    RANGE_START_TAG,
    month_range_tags,
    monthly_partitions,
)
from seg_assets.lib.errors import SegAssetsError


class RunProgress:
    """Prints one line per materialized asset, failed check and failed step."""

    def __init__(self, total_assets: int) -> None:
        self.total = total_assets
        self.done = 0
        self.started = time.monotonic()
        self.step_started: dict[str, float] = {}
        self.failures: list[str] = []
        self.warnings: list[str] = []
        self.reported: set[dg.AssetKey] = set()

    def __call__(self, entry: dg.EventLogEntry) -> None:
        event = entry.dagster_event
        if event is None:
            return
        if event.event_type == dg.DagsterEventType.STEP_START:
            self.step_started[event.step_key or ""] = time.monotonic()
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            # A multi-month run records one materialization per month: report the asset once.
            if materialization.asset_key in self.reported:
                return
            self.reported.add(materialization.asset_key)
            self.done += 1
            rows = materialization.metadata.get("dagster/row_count")
            count = f"{rows.value:,} rows" if rows else ""
            began = self.step_started.get(event.step_key or "", self.started)
            print(
                f"[{self.done:>3}/{self.total}] {materialization.asset_key.to_user_string():<52}"
                f" {count:>16} {time.monotonic() - began:6.1f}s",
                flush=True,
            )
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                line = (
                    f"check failed ({evaluation.severity.value}):"
                    f" {evaluation.asset_key.to_user_string()} {evaluation.check_name}"
                )
                print(f"      {line}", flush=True)
                # A failed warning is reported; only ERROR severity fails the run.
                if evaluation.severity == dg.AssetCheckSeverity.ERROR:
                    self.failures.append(line)
                else:
                    self.warnings.append(line)
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            cause = error.cause or error
            # The message starts with the exception's qualified class name: keep only the text.
            message = cause.message.strip().split(": ", 1)[-1]
            self.failures.append(f"{event.step_key}: {message}")
            print(f"      step failed: {event.step_key}: {message}", flush=True)


def _run_tags(partition: str | None) -> dict[str, str]:
    keys = monthly_partitions.get_partition_keys()
    if partition is not None and partition not in keys:
        raise SegAssetsError(
            f"partition {partition!r} is not one of the monthly partitions {keys[0]} .. {keys[-1]}"
        )
    return month_range_tags(partition)


def run_full_refresh(partition: str | None) -> int:
    """Materialize every asset (one month or all months); 0 on success, 1 on failure."""
    tags = _run_tags(partition)
    job = defs.resolve_job_def("full_refresh")
    total = len(defs.resolve_asset_graph().materializable_asset_keys)
    instance = dg.DagsterInstance.get()
    run_id = str(uuid.uuid4())
    progress = RunProgress(total)
    instance.add_event_listener(run_id, progress)
    print(
        f"Materializing {total} assets for months {tags[RANGE_START_TAG]} ..."
        f" {tags[RANGE_END_TAG]} (run {run_id}, history in $DAGSTER_HOME)",
        flush=True,
    )
    result = job.execute_in_process(
        # The progress lines replace Dagster's console log; the full log is in the run history.
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        instance=instance,
        run_id=run_id,
        tags=tags,
        raise_on_error=False,
    )
    elapsed = time.monotonic() - progress.started
    if result.success and not progress.failures:
        warned = (
            f"; {len(progress.warnings)} check(s) with failed warnings" if progress.warnings else ""
        )
        print(f"Done: {progress.done} assets in {elapsed:.1f}s{warned}")
        return 0
    print(f"Run {run_id} failed after {elapsed:.1f}s; {progress.done}/{total} assets built:")
    for failure in progress.failures:
        print(f"  - {failure}")
    return 1
