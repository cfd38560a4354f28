"""Segment differentials: cost-to-serve and margin differences between every pair of segments,
with bootstrap intervals, per published month; the chart shows each segment's interval."""

from datetime import date

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from seg_assets.defs.segmentation.assets import CUSTOMER_SEGMENTS, FEATURES
from seg_assets.defs.table_metadata import table_metadata
from seg_assets.lib.charts.cost_to_serve import cost_to_serve_png
from seg_assets.lib.charts.png import png_markdown
from seg_assets.lib.kpi.differentials import (
    PAIR_COLUMN_DESCRIPTIONS,
    PAIR_SCHEMA,
    BootstrapSettings,
    segment_differentials,
)
from seg_assets.lib.kpi.settings import load_kpi_settings
from seg_assets.lib.warehouse import replace_tables

DIFFERENTIALS = dg.AssetKey(["kpi", "fct_segment_differentials"])
# The customers of each published month with their features-window sums.
CUSTOMERS_SQL = """
select
    segments.as_of_month as month,
    segments.segment_id,
    segments.segment_name,
    features.revenue,
    features.cost_of_goods,
    features.cost_to_serve,
    features.orders,
from segmentation.customer_segments as segments
left join marts.fct_customer_features as features
    on segments.customer_key = features.customer_key
    and segments.as_of_month = features.as_of_month
order by segments.as_of_month, segments.customer_key
"""


def _month_settings(settings: BootstrapSettings, month: date) -> BootstrapSettings:
    """A seed per month: a month's intervals do not depend on which other months exist."""
    return settings.model_copy(update={"seed": settings.seed + month.year * 100 + month.month})


@dg.asset(
    key=DIFFERENTIALS,
    deps=[CUSTOMER_SEGMENTS, FEATURES],
    group_name="kpi",
    kinds={"python", "duckdb"},
)
def fct_segment_differentials(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """kpi.fct_segment_differentials: for every published month and every pair of segments,
    the difference and ratio of cost to serve as a share of revenue, cost to serve per order and
    net margin % (over the features window), with percentile intervals from resampling each
    segment's customers (config/kpi.yaml differentials), and whether the difference is
    significant (its interval excludes zero), so a planner knows which gaps are real."""
    settings = load_kpi_settings().differentials
    with duckdb.get_connection() as con:
        customers = con.sql(CUSTOMERS_SQL).pl()
        pairs, newest_segments = [], None
        for (month,), frame in customers.group_by(["month"], maintain_order=True):
            result = segment_differentials(frame, _month_settings(settings, month))
            pairs.append(result.pairs.insert_column(0, pl.lit(month).alias("month")))
            newest_segments = result.segments
        empty = pl.DataFrame(schema={"month": pl.Date, **PAIR_SCHEMA})
        table = pl.concat(pairs) if pairs else empty
        replace_tables(con, "kpi", {"fct_segment_differentials": table})
        metadata = table_metadata(
            con, "kpi", "fct_segment_differentials", column_descriptions=PAIR_COLUMN_DESCRIPTIONS
        )
    context.log.info(f"{table.height} segment pair figures over {len(pairs)} months")
    if newest_segments is not None:
        share = newest_segments.filter(pl.col("measure") == "cost_to_serve_pct_revenue")
        metadata["cost_to_serve_by_segment"] = dg.MetadataValue.md(
            png_markdown(
                cost_to_serve_png(
                    share.with_columns(pl.col("value", "low", "high") * 100),
                    estimate="value",
                    value_label=f"cost to serve, % of revenue ({settings.confidence:.0%} interval)",
                    title=f"Cost to serve by segment, {customers.get_column('month').max()}",
                ),
                "cost to serve by segment with intervals",
            )
        )
        metadata["significant_pairs"] = (
            table.filter(pl.col("month") == pl.col("month").max(), pl.col("is_significant")).height
            if table.height
            else 0
        )
    return dg.MaterializeResult(metadata=metadata)


defs = dg.Definitions(assets=[fct_segment_differentials])
