"""The migration heatmap: long moves become a dense matrix, drawn and annotated as a PNG."""

import numpy as np
import polars as pl
import pytest
from chart_png import ink_share

from seg_assets.lib.charts.migration import migration_matrix, migration_png

MOVES = pl.DataFrame(
    {
        "from_segment_name": ["whales", "whales", "tail", "new customer", "tail"],
        "to_segment_name": ["whales", "tail", "tail", "tail", "no longer segmented"],
        "customers": [40, 5, 120, 30, None],
    }
)


def test_absent_pairs_and_null_counts_are_zero():
    sources, targets, counts = migration_matrix(MOVES)
    assert sources == ["whales", "tail", "new customer"]
    assert targets == ["whales", "tail", "no longer segmented"]
    np.testing.assert_array_equal(counts, [[40, 5, 0], [0, 120, 0], [0, 30, 0]])


def test_a_segment_sits_at_the_same_position_on_both_axes():
    # The first row moves to "tail" before "whales": the columns still follow the rows' order.
    moves = pl.DataFrame(
        {
            "from_segment_name": ["whales", "whales", "tail", "new customer"],
            "to_segment_name": ["tail", "whales", "tail", "fresh"],
            "customers": [1, 2, 3, 4],
        }
    )
    sources, targets, counts = migration_matrix(moves)
    assert sources == ["whales", "tail", "new customer"]
    assert targets == ["whales", "tail", "fresh"]
    np.testing.assert_array_equal(np.diag(counts), [2, 3, 4])


def test_repeated_pairs_add_up_and_nan_counts_are_skipped():
    moves = pl.DataFrame({"a": ["x", "x", "x"], "b": ["y", "y", "y"], "n": [1.0, 2.0, np.nan]})
    assert migration_matrix(moves, "a", "b", "n")[2].tolist() == [[3.0]]


@pytest.mark.parametrize(
    "moves",
    [
        pytest.param(MOVES, id="several segments"),
        pytest.param(MOVES.head(1), id="one segment"),
        pytest.param(MOVES.clear(), id="no moves"),
    ],
)
def test_the_heatmap_is_a_png(moves):
    assert ink_share(migration_png(moves)) > 0.001
