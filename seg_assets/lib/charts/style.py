"""The look every PNG chart shares: colours, axis captions, light grid, an empty-data note."""

import numpy as np
import polars as pl
from matplotlib.axes import Axes

INK = "#37474f"
MUTED = "#90a4ae"
ACCENT = "#1565c0"
ALERT = "#c62828"
BAND = "#bbdefb"
# One colour per series (algorithm, segment), in order of appearance.
SERIES = ("#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457", "#5d4037")


def style_axis(axis: Axes, title: str = "", x_label: str = "", y_label: str = "") -> Axes:
    """Captions in small type, a light grid behind the data, no top or right frame.

    Parameters
    ----------
    axis : matplotlib.axes.Axes
        The panel to style.
    title, x_label, y_label : str
        Captions; an empty string leaves that caption out.

    Returns
    -------
    matplotlib.axes.Axes
        ``axis``, styled.
    """
    axis.set_title(title, fontsize=9, color=INK)
    axis.set_xlabel(x_label, fontsize=8, color=INK)
    axis.set_ylabel(y_label, fontsize=8, color=INK)
    axis.tick_params(labelsize=7, colors=INK)
    axis.grid(True, color="#eceff1", linewidth=0.8)
    axis.set_axisbelow(True)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    return axis


def note_no_data(axis: Axes, message: str = "no data yet") -> None:
    """Write ``message`` in the middle of an empty panel instead of blank axes.

    Parameters
    ----------
    axis : matplotlib.axes.Axes
        The panel with nothing to draw.
    message : str
        What to say.
    """
    axis.text(0.5, 0.5, message, ha="center", va="center", color=MUTED, transform=axis.transAxes)
    axis.set_xticks([])
    axis.set_yticks([])


def floats(frame: pl.DataFrame, column: str) -> np.ndarray:
    """``column`` of ``frame`` as float64, nulls as NaN (matplotlib leaves gaps at NaN).

    Parameters
    ----------
    frame : polars.DataFrame
        The chart's input.
    column : str
        A numeric column of ``frame``.

    Returns
    -------
    numpy.ndarray
        One float per row.
    """
    return frame.get_column(column).cast(pl.Float64).fill_null(float("nan")).to_numpy()


def plot_series(
    axis: Axes,
    frame: pl.DataFrame,
    series: str,
    x: str,
    y: str,
    joined: tuple[str, ...] | None = None,
) -> dict[str, str]:
    """One coloured series per value of ``series``, in order of first appearance, with a legend.

    Parameters
    ----------
    axis : matplotlib.axes.Axes
        The panel to draw on.
    frame : polars.DataFrame
        Long format: one row per point.
    series, x, y : str
        Columns: the series label, and the point's coordinates (numeric). Points with a null or
        NaN ``y`` are left out.
    joined : tuple of str, optional
        Series drawn as lines through their points sorted by ``x``; the others as points only
        (their ``x`` is not an ordered parameter). All series are joined when omitted.

    Returns
    -------
    dict of str to str
        The colour of each series drawn.
    """
    colours: dict[str, str] = {}
    for index, label in enumerate(frame.get_column(series).unique(maintain_order=True)):
        rows = frame.filter(
            (pl.col(series) == label) & pl.col(y).cast(pl.Float64).is_not_nan()
        ).sort(x)
        colour = colours[label] = SERIES[index % len(SERIES)]
        style = "-o" if joined is None or label in joined else "o"
        axis.plot(floats(rows, x), floats(rows, y), style, color=colour, markersize=4, label=label)
    if colours:
        axis.legend(fontsize=7, frameon=False)
    return colours
