"""Landing sensor: a new or changed extract refreshes the months it touches, nothing more.

Its cursor keeps each file's size, modification time, content digest and per-month
fingerprints. A file it has not seen yet is compared with the digest its raw asset recorded at
the last load, so turning the sensor on over a built warehouse launches nothing. A file that
breaks its contract still gets a run: the failure and the quarantine show in the UI.
"""

import json
from datetime import date
from pathlib import Path

import dagster as dg

from seg_assets.defs.jobs import full_refresh_job
from seg_assets.defs.partitions import month_range_tags, monthly_partitions
from seg_assets.defs.resources import LandingFiles
from seg_assets.defs.sources.assets import CONTENT_DIGEST, SOURCE_CONTRACTS, raw_asset_key
from seg_assets.lib.automation.landing_changes import (
    FileChange,
    FileState,
    LandingScan,
    contiguous_ranges,
)
from seg_assets.lib.automation.settings import AutomationSettings

TRIGGER_TAG = "seg_assets/trigger"
REASON_TAG = "seg_assets/reason"
# Dagster stores tags in its run storage; a long list of files is cut, the log keeps it all.
MAX_TAG_LENGTH = 900


def _recorded_digest(instance: dg.DagsterInstance, source: str) -> str | None:
    event = instance.get_latest_materialization_event(raw_asset_key(source))
    if event is None or event.asset_materialization is None:
        return None
    value = event.asset_materialization.metadata.get(CONTENT_DIGEST)
    return None if value is None else str(value.value)


def months_to_refresh(changes: list[FileChange], partition_keys: list[str]) -> list[date]:
    """Closed months (partition keys) the changes touch; the newest month when a change has
    no month of its own, every month when one reaches them all."""
    if any(change.scope == "all" for change in changes):
        return [date.fromisoformat(key) for key in partition_keys]
    known = set(partition_keys)
    months = {m for change in changes for m in change.months if m in known}
    if not months or any(change.scope == "newest" for change in changes):
        months.add(partition_keys[-1])
    return sorted(date.fromisoformat(m) for m in months)


def build_landing_sensor(settings: AutomationSettings) -> dg.SensorDefinition:
    """The landing sensor on the monthly full_refresh job."""

    @dg.sensor(
        name="landing_files_sensor",
        job=full_refresh_job,
        minimum_interval_seconds=settings.landing_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Watches the landing folder. A new or changed extract (content digest, not just the"
            " timestamp) launches full_refresh for only the months whose rows changed: a late"
            " or corrected extract for an old month refreshes that month. Master-data files"
            " refresh the newest month and every unpartitioned asset; files listed under"
            " landing.all_months in config/automation.yaml refresh every month."
        ),
    )
    def landing_files_sensor(
        context: dg.SensorEvaluationContext, landing: LandingFiles
    ) -> dg.SensorResult:
        seen = json.loads(context.cursor) if context.cursor else {}
        scan = LandingScan(
            SOURCE_CONTRACTS, settings.landing, Path(landing.path), settings.landing_settle_seconds
        )
        states: dict[str, object] = {}
        changes: list[FileChange] = []
        for source in SOURCE_CONTRACTS:
            previous = FileState.from_json(seen[source]) if source in seen else None
            known = None if previous else _recorded_digest(context.instance, source)
            state, change = scan.scan(source, previous, known)
            if state is not None:
                states[source] = state.to_json()
            if change is not None:
                changes.append(change)
                context.log.info(f"{source}: {change.reason}")
        cursor = json.dumps(states, sort_keys=True)
        if not changes:
            return dg.SensorResult(skip_reason="no landing file changed", cursor=cursor)
        keys = monthly_partitions.get_partition_keys()
        reason = "; ".join(change.reason for change in changes)
        # One key per delivery, not per content: the daemon never launches a key twice, and a
        # file can come back to content already loaded once (a correction withdrawn, then sent
        # again). A tick evaluated again over the same files (after a crash) keeps the key.
        deliveries = "-".join(
            f"{str(states[c.source]['sha256'])[:12]}@{states[c.source]['mtime_ns']}"  # type: ignore[index]
            for c in changes
        )
        requests = [
            dg.RunRequest(
                run_key=f"landing:{deliveries}:{first}:{last}",
                tags={
                    **month_range_tags(first.isoformat(), last.isoformat()),
                    TRIGGER_TAG: "landing",
                    REASON_TAG: reason[:MAX_TAG_LENGTH],
                },
            )
            for first, last in contiguous_ranges(months_to_refresh(changes, keys))
        ]
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return landing_files_sensor
