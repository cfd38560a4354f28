"""The segment migration matrix as a PNG heatmap: customers moving from one segment to another."""

import numpy as np
import polars as pl

from seg_assets.lib.charts.png import new_figure, png_bytes
from seg_assets.lib.charts.style import note_no_data, style_axis


def migration_matrix(
    moves: pl.DataFrame,
    from_segment: str = "from_segment_name",
    to_segment: str = "to_segment_name",
    customers: str = "customers",
) -> tuple[list[str], list[str], np.ndarray]:
    """Counts of ``moves`` as a dense from x to matrix, absent pairs and nulls counted as 0.

    Parameters
    ----------
    moves : polars.DataFrame
        Long format, as ``kpi.fct_segment_migration`` for one pair of versions or months: one
        row per (from segment, to segment) with the customers moving; repeated pairs add up.
    from_segment, to_segment, customers : str
        Columns: the segment left, the segment joined, the customers making that move.

    Returns
    -------
    tuple
        Row labels (from segments) and column labels (to segments), and the counts with one row
        per from segment. Both axes follow one order, the first appearance of a label on either
        side (from side first), so a segment sits at the same position on both and the stayers
        form the diagonal.
    """
    froms = [str(s) for s in moves.get_column(from_segment).unique(maintain_order=True)]
    tos = [str(t) for t in moves.get_column(to_segment).unique(maintain_order=True)]
    order = list(dict.fromkeys([*froms, *tos]))
    sources = [label for label in order if label in froms]
    targets = [label for label in order if label in tos]
    counts = np.zeros((len(sources), len(targets)))
    for source, target, count in moves.select(from_segment, to_segment, customers).rows():
        if count is not None and count == count:  # NaN is not equal to itself
            counts[sources.index(str(source)), targets.index(str(target))] += count
    return sources, targets, counts


def migration_png(
    moves: pl.DataFrame,
    from_segment: str = "from_segment_name",
    to_segment: str = "to_segment_name",
    customers: str = "customers",
    title: str = "Customers moving between segments",
) -> bytes:
    """Heatmap of :func:`migration_matrix`, each cell annotated with its count.

    Colour is the share of the from segment's customers (row share), so the moves of small
    segments stay visible next to large ones; the number written is the count.

    Parameters
    ----------
    moves : polars.DataFrame
        See :func:`migration_matrix`.
    from_segment, to_segment, customers : str
        See :func:`migration_matrix`.
    title : str
        Caption above the chart.

    Returns
    -------
    bytes
        A PNG.
    """
    sources, targets, counts = migration_matrix(moves, from_segment, to_segment, customers)
    figure = new_figure(1.8 + 0.8 * max(len(targets), 2), 1.6 + 0.45 * max(len(sources), 2))
    axis = style_axis(figure.subplots(), title=title, x_label="to segment", y_label="from segment")
    if not sources:
        note_no_data(axis, "no migrations")
        return png_bytes(figure)
    axis.grid(False)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    image = axis.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    for (row, column), count in np.ndenumerate(counts):
        colour = "white" if shares[row, column] > 0.6 else "#263238"
        axis.text(column, row, f"{count:,.0f}", ha="center", va="center", fontsize=7, color=colour)
    axis.set_xticks(range(len(targets)), targets, rotation=30, ha="right")
    axis.set_yticks(range(len(sources)), sources)
    colour_bar = figure.colorbar(image, ax=axis, fraction=0.05)
    colour_bar.set_label("share of from segment", fontsize=7)
    colour_bar.ax.tick_params(labelsize=7)
    return png_bytes(figure)
