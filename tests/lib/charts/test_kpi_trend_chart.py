"""KPI trend PNGs: one KPI with its control limits, and small multiples of several."""

from datetime import date

import polars as pl
import pytest
from chart_png import ink_share, png_size, same_picture

from seg_assets.lib.charts.kpi_trend import TrendColumns, kpi_trend_png, kpi_trends_png

NAN = float("nan")
TREND = pl.DataFrame(
    {
        "month": [date(2024, m, 1) for m in (3, 1, 2, 4)],
        "value": [10.5, 10.0, NAN, 16.0],
        "expected": [10.2, None, 10.0, 10.3],
        "lower": [9.0, None, 8.8, 9.1],
        "upper": [11.4, None, 11.2, 11.5],
        "alert": [False, None, False, True],
    }
)


@pytest.mark.parametrize(
    "trend",
    [
        pytest.param(TREND, id="unsorted with NaN, warm-up and an alert"),
        pytest.param(TREND.head(1), id="a single month"),
        pytest.param(TREND.clear(), id="no months"),
    ],
)
def test_one_kpi_is_a_png(trend):
    assert ink_share(kpi_trend_png(trend, "orders per customer")) > 0.001


def test_columns_can_be_named_by_the_caller():
    renamed = TREND.rename({"month": "as_of_month", "alert": "out_of_control"})
    columns = TrendColumns(month="as_of_month", alert="out_of_control")
    drawn = kpi_trend_png(renamed, "margin", columns=columns)
    assert same_picture(drawn, kpi_trend_png(TREND, "margin"))


def _panels(names: list[str]) -> pl.DataFrame:
    return (
        pl.concat([TREND.with_columns(kpi=pl.lit(name)) for name in names])
        if names
        else (TREND.with_columns(kpi=pl.lit("")).clear())
    )


def test_small_multiples_grow_a_row_per_three_panels():
    one_row = png_size(kpi_trends_png(_panels(["a", "b", "c"]), title="KPIs"))
    two_rows = png_size(kpi_trends_png(_panels(["a", "b", "c", "d"])))
    assert two_rows[1] > one_row[1] and two_rows[0] == one_row[0]


@pytest.mark.parametrize("names", [["only kpi"], []], ids=["one panel", "no panels"])
def test_small_multiples_of_one_or_no_kpi_are_pngs(names):
    assert ink_share(kpi_trends_png(_panels(names))) > 0.001


def test_panels_can_be_kpi_and_segment():
    trends = pl.concat(
        [
            TREND.with_columns(panel=pl.lit(f"{kpi} · {segment}"))
            for kpi in ("margin", "orders")
            for segment in ("whales", "tail")
        ]
    )
    width, height = png_size(kpi_trends_png(trends, panel="panel", panels_per_row=2))
    one_row = png_size(kpi_trends_png(trends.head(8), panel="panel", panels_per_row=2))
    assert width == one_row[0] and height > one_row[1]  # four panels, two per row: two rows
