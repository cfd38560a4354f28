"""Blocking checks on the published segments: the volume constraint holds, every customer with
features is segmented or listed as excluded, and the registered model reproduces every
published assignment."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.defs.partitions import checked_month_window
from seg_assets.defs.segmentation.assets import CUSTOMER_SEGMENTS, FEATURES, MODEL_REGISTRY
from seg_assets.defs.violation_counts import violation_counts_result
from seg_assets.lib.segmentation.monthly import month_features, rescore_mismatches
from seg_assets.lib.segmentation.registry import registered_model
from seg_assets.lib.segmentation.settings import load_segmentation_settings
from seg_assets.lib.segmentation.training import canonical_frame

_SMALL_SEGMENTS = """
with
latest_publications as (
    select
        as_of_month,
        arg_max(model_version, published_at) as model_version,
        arg_max(mode, published_at) as mode,
    from segmentation.publications
    group by as_of_month
),
latest_decisions as (
    select
        as_of_month,
        model_version,
        arg_max(decision, decided_at) as decision,
    from segmentation.model_decisions
    group by as_of_month, model_version
),
overridden_months as (
    -- A rollback a person decided, with a reason, may break the rule: the month is served by
    -- a rollback whose version's latest decision for the month is that person's rollback.
    select publications.as_of_month,
    from latest_publications as publications
    inner join latest_decisions as decisions
        on publications.as_of_month = decisions.as_of_month
        and publications.model_version = decisions.model_version
    where publications.mode = 'rollback' and decisions.decision = 'rolled_back'
),
cluster_segments as (
    select as_of_month, segment_id, sum(volume) as volume,
    from segmentation.customer_segments
    where segment_kind = 'cluster' and as_of_month >= $month_start and as_of_month < $month_end
        and as_of_month not in (select as_of_month from overridden_months)
    group by as_of_month, segment_id
),
shares as (
    select *, volume / nullif(sum(volume) over (partition by as_of_month), 0) as share,
    from cluster_segments
)
select count(*) from shares where coalesce(share, 0) < $min_share
"""

_FEATURE_CUSTOMERS = """
select customer_key, as_of_month from marts.fct_customer_features
where as_of_month >= $month_start and as_of_month < $month_end
    and as_of_month in (select distinct as_of_month from segmentation.customer_segments)
"""
_SEGMENTED = """
select customer_key, as_of_month from segmentation.customer_segments
where as_of_month >= $month_start and as_of_month < $month_end
"""
_EXCLUDED = """
select distinct customer_key, as_of_month from segmentation.excluded_customers
where as_of_month >= $month_start and as_of_month < $month_end
"""


@dg.asset_check(asset=CUSTOMER_SEGMENTS, blocking=True)
def segments_meet_min_volume_share(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
) -> dg.AssetCheckResult:
    """Every clustered segment of every month the run refreshed holds at least
    ``min_volume_share`` of the month's volume (config/segmentation.yaml; the strategic
    segment is exempt by design, and so is a month a person rolled back with a recorded
    decision: ``seg-assets models rollback``)."""
    window = checked_month_window(context)
    min_share = load_segmentation_settings().min_volume_share
    return violation_counts_result(
        duckdb,
        {"segments_below_min_volume_share": _SMALL_SEGMENTS},
        {**window.as_parameters(), "min_share": min_share},
    )


@dg.asset_check(asset=CUSTOMER_SEGMENTS, blocking=True, additional_deps=[FEATURES])
def every_customer_segmented_or_excluded(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
) -> dg.AssetCheckResult:
    """In every segmented month the run refreshed, each customer with features has exactly one
    segment or is listed as excluded (never both, never neither), and no one else is
    segmented."""
    window = checked_month_window(context)
    return violation_counts_result(
        duckdb,
        {
            "customers_neither_segmented_nor_excluded": f"select count(*) from"
            f" ({_FEATURE_CUSTOMERS} except ({_SEGMENTED} union {_EXCLUDED}))",
            "customers_segmented_and_excluded": f"select count(*) from"
            f" ({_SEGMENTED} intersect {_EXCLUDED})",
            "segmented_customers_without_features": f"select count(*) from"
            f" ({_SEGMENTED} except {_FEATURE_CUSTOMERS})",
            "customers_segmented_twice": f"select count(*) - count(distinct (customer_key,"
            f" as_of_month)) from ({_SEGMENTED})",
        },
        window.as_parameters(),
    )


@dg.asset_check(asset=CUSTOMER_SEGMENTS, blocking=True, additional_deps=[MODEL_REGISTRY])
def registered_model_reproduces_assignments(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
) -> dg.AssetCheckResult:
    """Each month's published assignments are exactly what its registered model version scores
    from the month's features: the persisted model is enough to score again."""
    window = checked_month_window(context)
    mismatches: dict[str, int] = {}
    with duckdb.get_connection() as con:
        published = con.execute(
            "select distinct as_of_month, model_version from segmentation.customer_segments"
            " where as_of_month >= $month_start and as_of_month < $month_end order by 1",
            window.as_parameters(),
        ).fetchall()
        for month, version in published:
            model = registered_model(con, version).model
            frame = canonical_frame(month_features(con, month), model.source_columns)
            assignments = con.sql(
                "select customer_key, segment_id from segmentation.customer_segments"
                " where as_of_month = ?",
                params=[month],
            ).pl()
            mismatches[f"{month} {version}"] = rescore_mismatches(model, frame, assignments)
    return dg.AssetCheckResult(
        passed=not any(mismatches.values()),
        metadata={"months_checked": len(mismatches), **mismatches},
    )


defs = dg.Definitions(
    asset_checks=[
        segments_meet_min_volume_share,
        every_customer_segmented_or_excluded,
        registered_model_reproduces_assignments,
    ]
)
