"""The whale curve PNG: drawn from ranked customers, unsorted, with gaps, or none at all."""

import polars as pl
import pytest
from chart_png import ink_share, png_size, same_picture

from seg_assets.lib.charts.whale_curve import whale_curve_png


def test_the_curve_of_three_customers_is_a_png():
    curve = pl.DataFrame(
        {"customer_share": [2 / 3, 1 / 3, 1.0], "cumulative_profit_share": [1.05, 0.82, 1.0]}
    )
    width, height = png_size(whale_curve_png(curve))
    assert width > height


def test_other_column_names_and_a_nan_share_are_accepted():
    curve = pl.DataFrame({"x": [0.5, 1.0], "y": [float("nan"), 1.0]})
    renamed = whale_curve_png(curve, customer_share="x", profit_share="y")
    named = curve.rename({"x": "customer_share", "y": "cumulative_profit_share"})
    assert same_picture(renamed, whale_curve_png(named))


@pytest.mark.parametrize(
    "shares",
    [pytest.param([], id="no customers"), pytest.param([None, None], id="zero total margin")],
)
def test_no_curve_to_draw_still_gives_a_picture(shares):
    curve = pl.DataFrame(
        {"customer_share": [0.5, 1.0][: len(shares)], "cumulative_profit_share": shares},
        schema={"customer_share": pl.Float64, "cumulative_profit_share": pl.Float64},
    )
    drawn = whale_curve_png(curve)
    assert ink_share(drawn) > 0.001  # axes and the note, not a blank image
    full = pl.DataFrame({"customer_share": [0.5, 1.0], "cumulative_profit_share": [0.8, 1.0]})
    assert not same_picture(drawn, whale_curve_png(full))
