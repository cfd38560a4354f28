"""`seg-assets materialize`: launch a run of the code location and report each asset as it
completes, with the per-month progress of the segmentation step."""

import logging
import time
from collections.abc import Callable

import dagster as dg
from dagster._core.storage.dagster_run import FINISHED_STATUSES
from dagster._utils.error import SerializableErrorInfo

from seg_assets.cli.launch import (
    follow_run,
    launch_assets,
    launch_job,
    project_instance,
    stop_run,
    workspace_file,
)
from seg_assets.defs.partitions import RANGE_END_TAG, RANGE_START_TAG, monthly_partitions
from seg_assets.lib.errors import SegAssetsError

FULL_REFRESH_JOB = "full_refresh"
# Steps whose INFO log lines are progress worth printing (one line per month they work on).
PROGRESS_LOG_STEPS = ("segment_customers",)


class RunProgress:
    """Prints one line per materialized asset, failed check and failed step, and the progress
    log lines of long steps."""

    def __init__(self, total_assets: int) -> None:
        self.total = total_assets
        self.done = 0
        self.started = time.monotonic()
        # Event timestamps, not arrival times: events arrive in batches when polled.
        self.step_started: dict[str, float] = {}
        self.failures: list[str] = []
        self.warnings: list[str] = []
        self.reported: set[dg.AssetKey] = set()

    def __call__(self, entry: dg.EventLogEntry) -> None:
        event = entry.dagster_event
        if event is None:
            self._print_progress_log(entry)
            return
        if event.event_type == dg.DagsterEventType.STEP_START:
            self.step_started[event.step_key or ""] = entry.timestamp
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            # A multi-month run records one materialization per month: report the asset once.
            if materialization.asset_key in self.reported:
                return
            self.reported.add(materialization.asset_key)
            self.done += 1
            rows = materialization.metadata.get("dagster/row_count")
            count = f"{rows.value:,} rows" if rows else ""
            began = self.step_started.get(event.step_key or "", entry.timestamp)
            print(
                f"[{self.done:>3}/{self.total}] {materialization.asset_key.to_user_string():<52}"
                f" {count:>16} {entry.timestamp - began:6.1f}s",
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
            message = _root_cause(event.event_specific_data.error)
            self.failures.append(f"{event.step_key}: {message}")
            print(f"      step failed: {event.step_key}: {message}", flush=True)
        elif event.event_type == dg.DagsterEventType.RUN_FAILURE:
            # A run can fail outside any step (the preflight when resources are set up, the run
            # worker): then say why, in the words of the error that started it.
            error = event.event_specific_data.error if event.event_specific_data else None
            if error is not None and not self.failures:
                self.failures.append(f"run: {_root_cause(error)}")

    def _print_progress_log(self, entry: dg.EventLogEntry) -> None:
        step = entry.step_key or ""
        if entry.level == logging.INFO and step.startswith(PROGRESS_LOG_STEPS):
            print(f"      {step}: {entry.user_message}", flush=True)


def _root_cause(error: SerializableErrorInfo) -> str:
    """The text of the innermost error, without Dagster's wrappers or the exception's qualified
    class name that starts each message."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip().split(": ", 1)[-1]


def _run_tags(partition: str | None, first: str | None, last: str | None) -> dict[str, str]:
    """Tags for one month, a range of months, or (by default) every month, in one run."""
    keys = monthly_partitions.get_partition_keys()
    if partition is not None and (first is not None or last is not None):
        raise SegAssetsError("--partition names one month: use it or --from/--to, not both")
    for option, month in (("--partition", partition), ("--from", first), ("--to", last)):
        if month is not None and month not in keys:
            raise SegAssetsError(
                f"{option}: partition {month!r} is not one of the monthly partitions"
                f" {keys[0]} .. {keys[-1]}"
            )
    start = partition or first or keys[0]
    end = partition or last or keys[-1]
    if keys.index(start) > keys.index(end):
        raise SegAssetsError(f"--from {start} is after --to {end}")
    return {RANGE_START_TAG: start, RANGE_END_TAG: end}


def materialize_run(
    partition: str | None = None,
    first: str | None = None,
    last: str | None = None,
    select: str | None = None,
) -> int:
    """Run full_refresh (or the asset selection ``select``) for the months asked, printing
    progress; 0 when the run succeeded with no failed ERROR check, else 1."""
    tags = _run_tags(partition, first, last)
    target = f"assets {select!r}" if select else FULL_REFRESH_JOB
    return run_with_progress(
        target,
        lambda: (
            launch_job(FULL_REFRESH_JOB, tags) if select is None else launch_assets(select, tags)
        ),
    )


def run_with_progress(target: str, launch: Callable[[], str]) -> int:
    """Launch a run with ``launch`` (returning its id) and print its progress until it ends;
    0 when it succeeded with no failed ERROR check, else 1 (130 when interrupted)."""
    print(f"Launching {target} on the code location of {workspace_file()}", flush=True)
    try:
        run_id = launch()
    except KeyboardInterrupt:
        print("\nStopped before the run was launched")
        return 130
    with project_instance() as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None  # launch_* just created it
        planned = instance.get_asset_keys_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED
        )
    total = len(planned)
    months = (
        f" for months {run.tags[RANGE_START_TAG]} ... {run.tags[RANGE_END_TAG]}"
        if RANGE_START_TAG in run.tags
        else ""
    )
    print(
        f"Materializing {total} assets{months} (run {run_id} of {run.job_name}, history in"
        " $DAGSTER_HOME)",
        flush=True,
    )
    progress = RunProgress(total)
    try:
        status = follow_run(run_id, progress)
    except KeyboardInterrupt:
        # Ctrl-C reaches the run worker too when it runs here; a queued run would still start.
        print(f"\nInterrupted: stopping run {run_id}", flush=True)
        status = stop_run(run_id)
        state = "stopped" if status in FINISHED_STATUSES else "still stopping"
        print(f"Run {run_id} {state} ({status.value.lower()})")
        return 130
    elapsed = time.monotonic() - progress.started
    if status == dg.DagsterRunStatus.SUCCESS and not progress.failures:
        warned = (
            f"; {len(progress.warnings)} check(s) with failed warnings" if progress.warnings else ""
        )
        print(f"Done: {progress.done} assets in {elapsed:.1f}s{warned}")
        return 0
    outcome = "was canceled" if status == dg.DagsterRunStatus.CANCELED else "failed"
    print(f"Run {run_id} {outcome} after {elapsed:.1f}s; {progress.done}/{total} assets built:")
    for failure in progress.failures or ["see the run's event log in the UI (`make ui`, Runs)"]:
        print(f"  - {failure}")
    return 1
