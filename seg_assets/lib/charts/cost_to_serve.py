"""Cost to serve by segment as a PNG: one point per segment with its confidence interval."""

import numpy as np
import polars as pl

from seg_assets.lib.charts.png import new_figure, png_bytes
from seg_assets.lib.charts.style import ACCENT, INK, floats, note_no_data, style_axis


def cost_to_serve_png(
    costs: pl.DataFrame,
    segment: str = "segment_name",
    estimate: str = "cost_to_serve",
    low: str = "low",
    high: str = "high",
    value_label: str = "cost to serve per customer (EUR)",
    title: str = "Cost to serve by segment",
) -> bytes:
    """A dot per segment at its estimate, with a horizontal bar from ``low`` to ``high``.

    Parameters
    ----------
    costs : polars.DataFrame
        One row per segment, drawn top to bottom in the frame's order.
    segment : str
        Column with the segment's label.
    estimate : str
        Column with the point estimate; a null or NaN estimate leaves the row without a dot.
    low, high : str
        Columns with the interval's bounds, in the estimate's unit. A row with either bound
        null or NaN is drawn without an interval.
    value_label : str
        Caption of the value axis.
    title : str
        Caption above the chart.

    Returns
    -------
    bytes
        A PNG.
    """
    figure = new_figure(6.4, 1.4 + 0.35 * max(costs.height, 1))
    axis = style_axis(figure.subplots(), title=title, x_label=value_label)
    if costs.is_empty():
        note_no_data(axis, "no segments")
        return png_bytes(figure)
    rows = np.arange(costs.height)
    middle, lower, upper = floats(costs, estimate), floats(costs, low), floats(costs, high)
    with_interval = ~(np.isnan(lower) | np.isnan(upper))
    # Bars drawn as segments between the bounds: an estimate outside its interval still shows.
    axis.hlines(rows[with_interval], lower[with_interval], upper[with_interval], color=INK)
    axis.scatter(middle, rows, color=ACCENT, s=28, zorder=3)
    axis.set_yticks(rows, [str(label) for label in costs.get_column(segment).to_list()])
    axis.set_ylim(costs.height - 0.5, -0.5)  # first row on top
    return png_bytes(figure)
