"""Model selection PNGs: inertia and silhouette curves per algorithm, the chosen one starred."""

import polars as pl
import pytest
from chart_png import ink_share, same_picture

from seg_assets.lib.charts.model_selection import elbow_png, silhouette_png

CANDIDATES = pl.DataFrame(
    {
        "candidate": ["kmeans(k=2)", "kmeans(k=3)", "ward(k=3)", "ward(k=2)", "hdbscan(m=5)"],
        "algorithm": ["kmeans", "kmeans", "ward", "ward", "hdbscan"],
        "n_segments": [2, 3, 3, 2, 4],
        "inertia": [120.0, 60.0, 64.0, 125.0, 70.0],
        "silhouette": [0.41, 0.55, float("nan"), 0.40, None],
        "chosen": [False, True, False, False, False],
    }
)


@pytest.mark.parametrize(
    "candidates",
    [
        pytest.param(CANDIDATES, id="three algorithms, NaN and null silhouettes"),
        pytest.param(CANDIDATES.head(1), id="one candidate"),
        pytest.param(CANDIDATES.clear(), id="no candidates"),
    ],
)
@pytest.mark.parametrize("chart", [elbow_png, silhouette_png])
def test_the_chart_is_a_png(chart, candidates):
    assert ink_share(chart(candidates)) > 0.001


def test_the_elbow_is_marked_when_known():
    assert not same_picture(elbow_png(CANDIDATES, elbow_segments=3), elbow_png(CANDIDATES))


def test_a_chosen_candidate_without_silhouette_is_not_starred():
    chosen_without_silhouette = CANDIDATES.with_columns(chosen=pl.col("algorithm") == "hdbscan")
    none_chosen = CANDIDATES.with_columns(chosen=pl.lit(False))
    assert same_picture(silhouette_png(chosen_without_silhouette), silhouette_png(none_chosen))
    assert not same_picture(silhouette_png(CANDIDATES), silhouette_png(none_chosen))
