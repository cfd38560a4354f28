"""Small multiples of the drift metrics over months, with their watch and act levels."""

from datetime import date

import polars as pl
from matplotlib.figure import Figure

from seg_assets.lib.charts.png import new_figure

# Panel per metric; a metric with several subjects (features, segments) shows the worst one.
PANELS = (
    ("psi", "largest feature PSI"),
    ("ks", "largest feature KS"),
    ("segment_share_change", "largest segment share change"),
    ("switched_share", "customers switching segment"),
    ("confidence_drop", "confidence drop"),
    ("new_customer_share", "new customers"),
)
_STATE_COLOURS = {"ok": "#2e7d32", "watch": "#f9a825", "act": "#c62828"}


def drift_figure(history: pl.DataFrame) -> Figure:
    """One panel per metric: the month's worst value, watch (dotted) and act (dashed) levels,
    and the months' overall state as coloured markers."""
    figure = new_figure(9.0, 5.0)
    axes = figure.subplots(2, 3, sharex=True)
    worst_by_month = (
        history.with_columns(pl.col("value").abs().alias("magnitude"))
        .group_by("as_of_month", "metric")
        .agg(pl.col("magnitude").max(), pl.col("watch").first(), pl.col("act").first())
        .sort("as_of_month")
    )
    overall = history.filter(pl.col("subject") == "overall").sort("as_of_month")
    colours = {
        month: _STATE_COLOURS[state]
        for month, state in overall.select("as_of_month", "state").rows()
    }
    for axis, (metric, title) in zip(axes.flat, PANELS, strict=True):
        rows = worst_by_month.filter(pl.col("metric") == metric)
        months: list[date] = rows.get_column("as_of_month").to_list()
        values = rows.get_column("magnitude").to_list()
        axis.plot(months, values, color="#455a64", linewidth=1.2)
        axis.scatter(months, values, c=[colours.get(m, "#9e9e9e") for m in months], s=18, zorder=3)
        if rows.height:
            axis.axhline(rows.get_column("watch")[0], color="#f9a825", linestyle=":", linewidth=1)
            axis.axhline(rows.get_column("act")[0], color="#c62828", linestyle="--", linewidth=1)
        axis.set_title(title, fontsize=9)
        axis.tick_params(labelsize=7)
        axis.tick_params(axis="x", rotation=45)
    figure.suptitle("Drift of the published model against its training month", fontsize=10)
    return figure
