"""Text line charts for asset metadata: points land where their values say."""

import pytest

from seg_assets.lib.text_charts import text_line_chart


def _plot_rows(chart: str) -> list[str]:
    return [line.split("│", 1)[1] for line in chart.splitlines() if "│" in line]


def test_points_land_in_their_rows_and_columns():
    chart = text_line_chart([0, 1, 2], [0, 10, 5], width=3, height=3)
    assert chart.startswith("```\n") and chart.endswith("\n```")
    # Top row: the maximum (x=1); middle: 5 at x=2; bottom: the zero line and 0 at x=0.
    assert _plot_rows(chart) == [" ● ", "  ●", "●──"]
    assert "10 │" in chart and " 0 │" in chart


def test_negative_values_fall_below_the_zero_line():
    rows = _plot_rows(text_line_chart([0, 1, 2], [4, 0, -4], width=3, height=3))
    assert rows == ["●  ", "─●─", "  ●"]


def test_x_and_y_captions_are_shown():
    chart = text_line_chart([0, 1], [1, 2], y_label="profit", x_label="customers")
    assert chart.splitlines()[1] == "profit"
    assert "customers" in chart.splitlines()[-2]


def test_points_and_values_must_pair_up():
    with pytest.raises(ValueError, match="as many x as y"):
        text_line_chart([0, 1], [1])
