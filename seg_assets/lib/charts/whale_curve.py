"""The whale curve as a PNG: cumulative share of profit against cumulative share of customers."""

import numpy as np
import polars as pl
from matplotlib.ticker import PercentFormatter

from seg_assets.lib.charts.png import new_figure, png_bytes
from seg_assets.lib.charts.style import ACCENT, ALERT, MUTED, floats, note_no_data, style_axis


def whale_curve_png(
    curve: pl.DataFrame,
    customer_share: str = "customer_share",
    profit_share: str = "cumulative_profit_share",
) -> bytes:
    """Cumulative profit share against customer share, most profitable first, peak marked.

    Parameters
    ----------
    curve : polars.DataFrame
        One row per ranked customer (or a sample of them), in any order.
    customer_share : str
        Column with the share of customers ranked so far, a fraction in ``(0, 1]``.
    profit_share : str
        Column with the cumulative net margin over the total net margin, a fraction (above 1
        before the unprofitable customers give profit back). Null or NaN rows are left out.

    Returns
    -------
    bytes
        A PNG: the curve from the origin, the 100 % level dashed, the peak marked and labelled.
    """
    figure = new_figure(6.4, 3.8)
    axis = style_axis(
        figure.subplots(),
        title="Whale curve",
        x_label="share of customers, most profitable first",
        y_label="share of total net margin",
    )
    points = curve.select(
        pl.col(customer_share).cast(pl.Float64).alias("x"),
        pl.col(profit_share).cast(pl.Float64).alias("y"),
    ).filter(pl.col("x").is_not_nan() & pl.col("y").is_not_nan())
    if points.is_empty():
        note_no_data(axis, "no customers with a profit and loss yet")
        return png_bytes(figure)
    points = points.sort("x")
    xs = np.concatenate([[0.0], floats(points, "x")])
    ys = np.concatenate([[0.0], floats(points, "y")])
    axis.plot(xs, ys, color=ACCENT, linewidth=1.6)
    axis.axhline(1.0, color=MUTED, linestyle="--", linewidth=1)
    peak = int(np.argmax(ys))
    axis.scatter([xs[peak]], [ys[peak]], color=ALERT, s=30, zorder=3)
    axis.annotate(
        f"peak {ys[peak]:.0%} of profit\nat {xs[peak]:.0%} of customers",
        (xs[peak], ys[peak]),
        xytext=(0, -30),
        textcoords="offset points",
        ha="center",
        fontsize=7,
        color=ALERT,
    )
    axis.xaxis.set_major_formatter(PercentFormatter(1.0))
    axis.yaxis.set_major_formatter(PercentFormatter(1.0))
    axis.set_xlim(0.0, 1.0)
    return png_bytes(figure)
