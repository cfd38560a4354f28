"""The monthly partitions that every time-partitioned asset shares."""

import dagster as dg

from seg_assets.lib.model_runner import MonthWindow
from seg_assets.lib.pipeline_settings import load_pipeline_settings

monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=load_pipeline_settings().partitions_start
)


def month_window(context: dg.AssetExecutionContext) -> MonthWindow:
    """The months this run covers: one partition, or a range in a single-run backfill."""
    window = context.partition_time_window
    return MonthWindow(start=window.start.date(), end=window.end.date())
