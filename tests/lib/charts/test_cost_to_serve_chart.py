"""The cost to serve PNG: a point per segment, intervals where both bounds are known."""

import polars as pl
import pytest
from chart_png import ink_share, png_size, same_picture

from seg_assets.lib.charts.cost_to_serve import cost_to_serve_png

SCHEMA = {"segment_name": pl.String, "cost_to_serve": pl.Float64, "low": pl.Float64}


def _costs(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={**SCHEMA, "high": pl.Float64}, orient="row")


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(
            [
                ("whales", 42.0, 35.0, 50.0),
                ("regulars", 18.5, 16.0, 21.0),
                ("tail", 9.0, 4.0, 15.0),
            ],
            id="three segments",
        ),
        pytest.param([("everyone", 20.0, 18.0, 22.0)], id="one segment"),
        pytest.param([("new", 12.0, None, None), ("old", 8.0, 7.0, 9.5)], id="empty interval"),
        pytest.param([("new", float("nan"), 1.0, 2.0)], id="NaN estimate"),
        pytest.param([], id="no segments"),
    ],
)
def test_the_chart_is_a_png(rows):
    assert ink_share(cost_to_serve_png(_costs(rows))) > 0.001


def test_more_segments_make_a_taller_chart():
    one = png_size(cost_to_serve_png(_costs([("a", 1.0, 0.5, 1.5)])))
    many = png_size(cost_to_serve_png(_costs([(str(i), 1.0, 0.5, 1.5) for i in range(8)])))
    assert many[1] > one[1] and many[0] == one[0]


def test_columns_can_be_named_by_the_caller():
    costs = pl.DataFrame({"seg": ["a"], "mean": [3.0], "p05": [2.0], "p95": [4.0]})
    drawn = cost_to_serve_png(costs, segment="seg", estimate="mean", low="p05", high="p95")
    assert same_picture(drawn, cost_to_serve_png(_costs([("a", 3.0, 2.0, 4.0)])))
