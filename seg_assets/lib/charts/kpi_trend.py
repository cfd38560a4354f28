"""KPI trends as PNGs: the monthly value against its EWMA expectation and control limits."""

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, DateFormatter

from seg_assets.lib.charts.png import new_figure, png_bytes
from seg_assets.lib.charts.style import (
    ACCENT,
    ALERT,
    BAND,
    INK,
    floats,
    note_no_data,
    style_axis,
)


@dataclass(frozen=True)
class TrendColumns:
    """Column names of a KPI trend frame: one row per month (and panel, for small multiples).

    Attributes
    ----------
    month : str
        The month (a date), one row per month.
    value : str
        The KPI's observed value; null or NaN leaves a gap.
    expected : str
        The EWMA expectation for the month.
    lower, upper : str
        The control limits around ``expected``; null where not yet defined (warm-up months).
    alert : str
        Boolean, true where the value is outside its limits; null counts as false.
    """

    month: str = "month"
    value: str = "value"
    expected: str = "expected"
    lower: str = "lower"
    upper: str = "upper"
    alert: str = "alert"


TREND_COLUMNS = TrendColumns()


def _draw_trend(axis: Axes, trend: pl.DataFrame, columns: TrendColumns) -> None:
    """Control band, expectation (dashed), value (line and dots), alerts as red rings."""
    trend = trend.sort(columns.month)
    months = trend.get_column(columns.month).to_list()
    value, expected = floats(trend, columns.value), floats(trend, columns.expected)
    lower, upper = floats(trend, columns.lower), floats(trend, columns.upper)
    alert = trend.get_column(columns.alert).fill_null(False).to_numpy().astype(bool)
    axis.fill_between(months, lower, upper, color=BAND, alpha=0.7, linewidth=0, label="limits")
    axis.plot(months, expected, "--", color=INK, linewidth=1, label="expected")
    axis.plot(months, value, "-o", color=ACCENT, markersize=3, linewidth=1.3, label="value")
    if alert.any():
        axis.scatter(
            np.array(months, dtype=object)[alert],
            value[alert],
            s=60,
            facecolors="none",
            edgecolors=ALERT,
            linewidths=1.6,
            zorder=4,
            label="alert",
        )
    axis.xaxis.set_major_locator(AutoDateLocator(minticks=2, maxticks=6))
    axis.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
    axis.tick_params(axis="x", rotation=45)


def kpi_trend_png(trend: pl.DataFrame, kpi: str, columns: TrendColumns = TREND_COLUMNS) -> bytes:
    """One KPI's monthly trend with its EWMA control limits, months out of limits ringed red.

    Parameters
    ----------
    trend : polars.DataFrame
        One row per month, columns named as in ``columns`` (see :class:`TrendColumns`).
    kpi : str
        The KPI's name, used as the title.
    columns : TrendColumns, optional
        Column names of ``trend``.

    Returns
    -------
    bytes
        A PNG.
    """
    figure = new_figure(6.4, 3.4)
    axis = style_axis(figure.subplots(), title=kpi)
    if trend.is_empty():
        note_no_data(axis)
        return png_bytes(figure)
    _draw_trend(axis, trend, columns)
    axis.legend(fontsize=7, frameon=False, ncols=4)
    return png_bytes(figure)


def kpi_trends_png(
    trends: pl.DataFrame,
    panel: str = "kpi",
    columns: TrendColumns = TREND_COLUMNS,
    panels_per_row: int = 3,
    title: str = "",
) -> bytes:
    """Small multiples: one trend panel per value of ``panel`` (a KPI, or a KPI and segment).

    Parameters
    ----------
    trends : polars.DataFrame
        Long format: one row per panel and month, columns as in ``columns`` plus ``panel``.
    panel : str
        Column whose values name the panels, drawn in order of first appearance. Each panel
        keeps its own value scale (KPIs differ in unit).
    columns : TrendColumns, optional
        Column names of the trend.
    panels_per_row : int
        Panels side by side before a new row starts.
    title : str
        Caption above all panels.

    Returns
    -------
    bytes
        A PNG.
    """
    names = trends.get_column(panel).unique(maintain_order=True).to_list() if trends.height else []
    across = max(1, min(panels_per_row, len(names)))
    down = max(1, math.ceil(len(names) / across))
    figure = new_figure(3.2 * across, 2.3 * down + 0.4)
    axes = list(figure.subplots(down, across, squeeze=False).flat)
    if not names:
        note_no_data(style_axis(axes[0]))
    for axis, name in zip(axes, names, strict=False):
        rows = trends.filter(pl.col(panel) == name)
        _draw_trend(style_axis(axis, title=str(name)), rows, columns)
    for axis in axes[max(len(names), 1) :]:  # the first panel carries the no-data note
        axis.set_visible(False)
    if title:
        figure.suptitle(title, fontsize=10)
    return png_bytes(figure)
