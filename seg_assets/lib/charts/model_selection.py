"""Model selection's charts as PNGs: the elbow (inertia) and silhouette curves of the candidates."""

import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from seg_assets.lib.charts.png import new_figure, png_bytes
from seg_assets.lib.charts.style import ALERT, floats, note_no_data, plot_series, style_axis

# Algorithms whose parameter is the number of segments: their points form a curve. The others
# (HDBSCAN, whose parameter is a minimum cluster size) are shown as points.
SEGMENT_COUNT_ALGORITHMS = ("kmeans", "ward")


def _candidate_chart(
    candidates: pl.DataFrame, algorithm: str, segments: str, metric: str, title: str, label: str
) -> tuple[Figure, Axes]:
    """``metric`` against segments, a series per algorithm; a note when there are none."""
    figure = new_figure(6.4, 3.6)
    axis = style_axis(figure.subplots(), title=title, x_label="segments", y_label=label)
    if candidates.is_empty():
        note_no_data(axis, "no candidate models")
    else:
        plot_series(axis, candidates, algorithm, segments, metric, SEGMENT_COUNT_ALGORITHMS)
        axis.xaxis.get_major_locator().set_params(integer=True)
    return figure, axis


def elbow_png(
    candidates: pl.DataFrame,
    algorithm: str = "algorithm",
    segments: str = "n_segments",
    inertia: str = "inertia",
    elbow_segments: int | None = None,
) -> bytes:
    """Inertia against the number of segments, one curve per algorithm.

    Parameters
    ----------
    candidates : polars.DataFrame
        One row per candidate clustering, as in ``segmentation.model_candidates`` or
        :meth:`seg_assets.lib.segmentation.selection.ModelSelection.metrics`.
    algorithm, segments, inertia : str
        Columns: the algorithm's name, the segments found, the within-segment inertia.
    elbow_segments : int, optional
        The knee of the inertia curve, drawn as a dotted vertical line when given.

    Returns
    -------
    bytes
        A PNG.
    """
    figure, axis = _candidate_chart(
        candidates,
        algorithm,
        segments,
        inertia,
        title="Elbow: inertia by number of segments",
        label="within-segment inertia",
    )
    if elbow_segments is not None and not candidates.is_empty():
        axis.axvline(elbow_segments, color="#78909c", linestyle=":", linewidth=1)
    return png_bytes(figure)


def silhouette_png(
    candidates: pl.DataFrame,
    algorithm: str = "algorithm",
    segments: str = "n_segments",
    silhouette: str = "silhouette",
    chosen: str = "chosen",
    candidate: str = "candidate",
) -> bytes:
    """Mean silhouette against the number of segments per algorithm; the chosen model starred.

    Parameters
    ----------
    candidates : polars.DataFrame
        One row per candidate clustering, as in ``segmentation.model_candidates``.
    algorithm, segments, silhouette : str
        Columns: the algorithm's name, the segments found, the mean silhouette (null or NaN
        where undefined: those candidates are left out).
    chosen : str
        Boolean column, true for the candidate the selection rule picked.
    candidate : str
        Column with the candidate's label (``kmeans(k=3)``), written beside the star.

    Returns
    -------
    bytes
        A PNG.
    """
    figure, axis = _candidate_chart(
        candidates,
        algorithm,
        segments,
        silhouette,
        title="Silhouette by number of segments (higher is better)",
        label="mean silhouette",
    )
    picked = candidates.filter(
        pl.col(chosen).fill_null(False) & pl.col(silhouette).cast(pl.Float64).is_not_nan()
    )
    if picked.height:
        x, y = floats(picked, segments)[0], floats(picked, silhouette)[0]
        axis.scatter([x], [y], marker="*", s=160, color=ALERT, zorder=4)
        axis.annotate(
            f"chosen: {picked.get_column(candidate)[0]}",
            (x, y),
            xytext=(8, 6),
            textcoords="offset points",
            fontsize=7,
            color=ALERT,
        )
        axis.margins(x=0.2)  # room for the label
    return png_bytes(figure)
