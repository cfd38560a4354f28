"""The whale curve's chart and headline figures, shown with each build of marts.fct_whale_curve."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
import duckdb
import polars as pl

from seg_assets.lib.charts.png import png_markdown
from seg_assets.lib.charts.whale_curve import whale_curve_png

# Points drawn: enough for a smooth curve, few enough to keep the query and the PNG small.
CHART_POINTS = 400


def whale_curve_metadata(con: duckdb.DuckDBPyConnection) -> Mapping[str, Any]:
    """Cumulative share of net margin against the share of customers, most profitable first."""
    [(customers, unprofitable, total, peak, peak_share)] = con.execute(
        "select count(*), count(*) filter (where net_margin < 0), sum(net_margin),"
        " max(cumulative_net_margin),"
        " arg_max(customer_share, cumulative_net_margin) from marts.fct_whale_curve"
    ).fetchall()
    if not customers:
        return {"whale_curve": dg.MetadataValue.md("no customers with a profit and loss yet")}
    step = max(1, customers // CHART_POINTS)
    curve = pl.DataFrame(
        con.execute(
            "select customer_share, cumulative_profit_share from marts.fct_whale_curve"
            " where profit_rank % ? = 0 or profit_rank in (1, ?)"
            # The peak itself, so the marked maximum is the true one, not the best sampled.
            " or cumulative_net_margin = (select max(cumulative_net_margin)"
            " from marts.fct_whale_curve) order by profit_rank",
            [step, customers],
        ).fetchall(),
        schema={"customer_share": pl.Float64, "cumulative_profit_share": pl.Float64},
        orient="row",
    )
    return {
        "whale_curve": dg.MetadataValue.md(png_markdown(whale_curve_png(curve), "whale curve")),
        "customers_ranked": customers,
        "unprofitable_customers": unprofitable,
        "total_net_margin": float(total),
        "peak_cumulative_net_margin": float(peak),
        "peak_as_share_of_total": float(peak) / float(total) if total else None,
        "customers_before_peak_share": float(peak_share),
    }
