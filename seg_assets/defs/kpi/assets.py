"""KPI assets, one per model in ``sql/kpi``: everything downstream of segmentation. The
month-over-month migration also shows its newest matrix as a heatmap."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
import duckdb

from seg_assets.defs.sql_model_assets import model_assets
from seg_assets.lib.charts.migration import migration_png
from seg_assets.lib.charts.png import png_markdown


def newest_migration_metadata(con: duckdb.DuckDBPyConnection) -> Mapping[str, Any]:
    """The newest month's migration matrix as a heatmap (nothing before a second month)."""
    moves = con.sql(
        "select month, from_segment_name, to_segment_name, customers"
        " from kpi.fct_segment_migration_months"
        " where month = (select max(month) from kpi.fct_segment_migration_months)"
        " order by from_segment_id nulls last, to_segment_id nulls last"
    ).pl()
    if moves.is_empty():
        return {}
    month = moves.get_column("month")[0]
    chart = migration_png(moves, title=f"Customers moving between segments into {month:%Y-%m}")
    return {"migration_matrix": dg.MetadataValue.md(png_markdown(chart, "migration matrix"))}


defs = dg.Definitions(
    assets=model_assets(
        "kpi", extra_metadata={"fct_segment_migration_months": newest_migration_metadata}
    )
)
