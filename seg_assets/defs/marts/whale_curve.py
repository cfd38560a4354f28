"""The whale curve's chart and headline figures, shown with each build of marts.fct_whale_curve."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
import duckdb

from seg_assets.lib.text_charts import text_line_chart

CHART_POINTS = 60


def whale_curve_metadata(con: duckdb.DuckDBPyConnection) -> Mapping[str, Any]:
    """Cumulative net margin against the share of customers, most profitable first."""
    [(customers, unprofitable, total, peak, peak_share)] = con.execute(
        "select count(*), count(*) filter (where net_margin < 0), sum(net_margin),"
        " max(cumulative_net_margin),"
        " arg_max(customer_share, cumulative_net_margin) from marts.fct_whale_curve"
    ).fetchall()
    if not customers:
        return {"whale_curve": dg.MetadataValue.md("no customers with a profit and loss yet")}
    step = max(1, customers // CHART_POINTS)
    points = con.execute(
        "select customer_share, cumulative_net_margin from marts.fct_whale_curve"
        " where profit_rank % ? = 0 or profit_rank in (1, ?) order by profit_rank",
        [step, customers],
    ).fetchall()
    chart = text_line_chart(
        [0.0] + [float(share) for share, _ in points],
        [0.0] + [float(margin) for _, margin in points],
        y_label="cumulative net margin (EUR)",
        x_label="share of customers, most profitable first",
    )
    return {
        "whale_curve": dg.MetadataValue.md(chart),
        "customers_ranked": customers,
        "unprofitable_customers": unprofitable,
        "total_net_margin": float(total),
        "peak_cumulative_net_margin": float(peak),
        "peak_as_share_of_total": float(peak) / float(total) if total else None,
        "customers_before_peak_share": float(peak_share),
    }
