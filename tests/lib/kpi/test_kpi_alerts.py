"""Alerts over the KPI mart: each watched series is judged on its own, and only the side that
matters for a KPI alerts."""

import datetime as dt

import polars as pl

from seg_assets.lib.kpi.alerts import control_chart
from seg_assets.lib.kpi.settings import AlertSettings

MONTHS = [dt.date(2025, month, 1) for month in range(1, 9)]
STEADY = [0.90, 0.91, 0.89, 0.90, 0.91, 0.89, 0.90]
COST = [10.0, 11.0, 9.0, 10.0, 11.0, 9.0, 10.0]
SETTINGS = AlertSettings(
    smoothing=0.3,
    sigmas=3,
    min_history_months=6,
    dimensions=("segment",),
    kpis={"otif_rate_requested": "below", "cost_to_serve_per_order": "above"},
)


def _series(dimension: str, member: str, otif: list, cost: list) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "month": MONTHS,
            "dimension": dimension,
            "member_key": member,
            "member_name": f"name {member}",
            "otif_rate_requested": otif,
            "cost_to_serve_per_order": cost,
        }
    )


def test_a_fall_in_otif_alerts_and_a_fall_in_cost_does_not():
    months = pl.concat(
        [
            _series("segment", "1", [*STEADY, 0.60], [*COST, 4.0]),
            _series("segment", "2", [*STEADY, 0.90], [*COST, 10.0]),
            _series("all", "all", [*STEADY, 0.10], [*COST, 99.0]),
        ]
    )
    chart = control_chart(months, SETTINGS)
    assert set(chart.get_column("dimension")) == {"segment"}  # 'all' is not watched here
    assert chart.height == 2 * 2 * 2  # two segments x two KPIs x the two judged months
    flagged = chart.filter(pl.col("direction").is_not_null())
    assert flagged.select("member_key", "kpi", "direction", "is_alert").rows() == [
        ("1", "otif_rate_requested", "below", True),
        ("1", "cost_to_serve_per_order", "below", False),  # cheaper is not an alert
    ]
    [alert] = flagged.filter("is_alert").iter_rows(named=True)
    assert (alert["month"], alert["member_name"]) == (MONTHS[-1], "name 1")
    assert alert["lower_limit"] < alert["expected"] < alert["upper_limit"]


def test_months_without_a_value_are_not_judged():
    months = _series("segment", "1", [None, *STEADY], [None] * 8).with_columns(
        pl.col("cost_to_serve_per_order").cast(pl.Float64)
    )
    chart = control_chart(months, SETTINGS)
    assert chart.get_column("month").to_list() == [MONTHS[-1]]


def test_catch_all_members_are_not_judged():
    # 'unsegmented' holds every customer before the first segmented month, a few after.
    months = _series("segment", "unsegmented", [*STEADY, 0.10], [*COST, 99.0])
    assert control_chart(months, SETTINGS).is_empty()
