"""Model selection PNGs: inertia and silhouette curves per algorithm, the chosen one starred."""

import polars as pl
import pytest
from chart_png import png_size

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
    png_size(chart(candidates))


def test_the_elbow_is_marked_when_known():
    png_size(elbow_png(CANDIDATES, elbow_segments=3))


def test_a_chosen_candidate_without_silhouette_is_not_starred():
    png_size(silhouette_png(CANDIDATES.with_columns(chosen=pl.col("algorithm") == "hdbscan")))
