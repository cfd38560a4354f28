"""The monthly partitions that every time-partitioned asset shares."""

from collections.abc import Mapping

import dagster as dg

from seg_assets.lib.model_runner import MonthWindow
from seg_assets.lib.pipeline_settings import load_pipeline_settings

monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=load_pipeline_settings().partitions_start
)


# Run tags that make one run cover a range of months (a single-run backfill).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def month_range_tags(first: str | None = None, last: str | None = None) -> dict[str, str]:
    """Tags for one run over months ``first``..``last`` (default: every monthly partition)."""
    keys = monthly_partitions.get_partition_keys()
    return {RANGE_START_TAG: first or keys[0], RANGE_END_TAG: last or first or keys[-1]}


def tagged_month_window(tags: Mapping[str, str]) -> MonthWindow | None:
    """The months a run's tags select (one partition or a range), or None if it has none."""
    first = tags.get(RANGE_START_TAG) or tags.get("dagster/partition")
    if first is None:
        return None
    last = tags.get(RANGE_END_TAG) or first
    return MonthWindow(
        start=monthly_partitions.time_window_for_partition_key(first).start.date(),
        end=monthly_partitions.time_window_for_partition_key(last).end.date(),
    )


def month_window(context: dg.AssetExecutionContext) -> MonthWindow:
    """The months this run covers: one partition, or a range in a single-run backfill."""
    window = context.partition_time_window
    return MonthWindow(start=window.start.date(), end=window.end.date())


def checked_month_window(context: dg.AssetCheckExecutionContext) -> MonthWindow:
    """The months a check's run refreshed, else every monthly partition."""
    window = tagged_month_window(context.run.tags) or tagged_month_window(month_range_tags())
    assert window is not None  # month_range_tags always names months
    return window
