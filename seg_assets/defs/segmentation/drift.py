"""Drift history: each published month against its model's training month, and its warning check.

The drift sensor (seg_assets/defs/automation) reads this table from the serving snapshot, never
from the working warehouse, so it keeps working while runs write.
"""

import warnings

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from seg_assets.defs.partitions import checked_month_window, month_window, monthly_partitions
from seg_assets.defs.segmentation.assets import CUSTOMER_SEGMENTS, FEATURES, MODEL_REGISTRY
from seg_assets.lib.automation.settings import load_automation_settings
from seg_assets.lib.charts.png import markdown_image
from seg_assets.lib.drift.chart import drift_figure
from seg_assets.lib.drift.history import OVERALL, load_month_inputs, month_drift
from seg_assets.lib.drift.store import ensure_drift_history, read_drift_history, replace_month
from seg_assets.lib.model_runner import month_starts
from seg_assets.lib.segmentation.settings import load_segmentation_settings
from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import transaction

DRIFT_HISTORY = dg.AssetKey(["segmentation", "drift_history"])


# Single-run backfills are beta in Dagster 1.13; they let a full refresh compute every month's
# drift in one step, in calendar order.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)
    drift_history_spec = dg.asset(
        key=DRIFT_HISTORY,
        deps=[CUSTOMER_SEGMENTS, MODEL_REGISTRY, FEATURES],
        group_name="segmentation",
        kinds={"python", "duckdb"},
        partitions_def=monthly_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )


@drift_history_spec
def drift_history(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """segmentation.drift_history: per as-of month, the published model against its training
    month: PSI and Kolmogorov-Smirnov of each clustering feature as prepared for the model,
    Jensen-Shannon distance of the categorical inputs, the share of drifted features, each
    segment's volume share against training, customers switching segment, the fall of mean
    confidence and the share of new customers; each with its watch and act levels
    (config/automation.yaml), its state and a sentence, and one ``overall`` row per month."""
    drift = load_automation_settings().drift
    volume_measure = load_segmentation_settings().volume_measure
    window = month_window(context)
    states = []
    with duckdb.get_connection() as con:
        ensure_drift_history(con)
        for month in month_starts(window.start, window.end):
            inputs = load_month_inputs(con, month, volume_measure)
            history = None if inputs is None else month_drift(inputs, drift)
            with transaction(con):
                replace_month(con, month, history)
            if history is not None:
                overall = history.filter(pl.col("subject") == OVERALL).row(0, named=True)
                states.append((str(month), overall["state"], overall["detail"] or ""))
                context.log.info(f"{month}: drift {overall['state']} {overall['detail'] or ''}")
        everything = read_drift_history(con)
    metadata: dict[str, object] = {"dagster/row_count": everything.height}
    if not everything.is_empty():
        metadata["drift_chart"] = dg.MetadataValue.md(
            markdown_image(drift_figure(everything), "drift metrics by month")
        )
    if states:
        metadata["months"] = dg.MetadataValue.md(markdown_table(["month", "state", "why"], states))
        metadata["newest_state"] = states[-1][1]
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(asset=DRIFT_HISTORY, blocking=False)
def drift_below_watch(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
) -> dg.AssetCheckResult:
    """Warns when a month the run refreshed drifted to watch or act (the drift sensor acts on
    the newest month in act; this check makes watch visible before it gets there)."""
    window = checked_month_window(context)
    with duckdb.get_connection() as con:
        flagged = con.execute(
            "select strftime(as_of_month, '%Y-%m'), state, detail"
            " from segmentation.drift_history"
            " where subject = ? and state <> 'ok' and as_of_month >= ? and as_of_month < ?"
            " order by as_of_month",
            [OVERALL, window.start, window.end],
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not flagged,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "months_flagged": len(flagged),
            "flagged": dg.MetadataValue.md(
                markdown_table(["month", "state", "why"], flagged) if flagged else "none"
            ),
        },
    )


defs = dg.Definitions(assets=[drift_history], asset_checks=[drift_below_watch])
