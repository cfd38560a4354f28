"""The KPI layer in Dagster on generated data: the marts add up across dimensions, alerts and
their checks run, differentials cover every pair, and the charts are PNGs in the metadata."""

from math import comb

import dagster as dg
from chart_png import markdown_png, png_size
from conftest import materialization_metadata, query

from seg_assets.lib.kpi.settings import load_kpi_settings


def test_every_dimension_splits_the_same_orders(generated_year):
    rows = query(
        generated_year["database"],
        "select month, dimension, sum(orders), sum(measured_orders)"
        " from kpi.fct_segment_kpi_months group by all",
    )
    totals: dict = {}
    for month, dimension, orders, measured in rows:
        totals.setdefault(month, {})[dimension] = (orders, measured)
    assert len(totals) == 14
    for by_dimension in totals.values():
        assert set(by_dimension) == {"segment", "tier", "region", "all"}
        assert len(set(by_dimension.values())) == 1
    [(fulfilled,)] = query(
        generated_year["database"], "select count(*) from kpi.fct_order_fulfilment"
    )
    assert sum(by_dimension["all"][0] for by_dimension in totals.values()) == fulfilled


def test_rates_are_fractions_and_segments_appear_once_segmented(generated_year):
    [(low, high, segments, unsegmented_after)] = query(
        generated_year["database"],
        "select min(least(otif_rate_requested, fill_rate_units, perfect_order_rate)),"
        " max(greatest(otif_rate_requested, fill_rate_units, perfect_order_rate)),"
        " count(distinct member_key) filter (where dimension = 'segment'"
        "  and member_key <> 'unsegmented'),"
        " count(*) filter (where member_key = 'unsegmented' and orders > 0"
        "  and month >= (select min(as_of_month) from segmentation.customer_segments))"
        " from kpi.fct_segment_kpi_months",
    )
    assert 0 <= low <= high <= 1
    assert segments >= 3
    assert unsegmented_after <= 3  # customers excluded as data errors in a segmented month


def test_alerts_have_a_check_per_watched_kpi_and_a_trend_chart(generated_year):
    result = generated_year["result"]
    watched = load_kpi_settings().alerts.kpis
    checks = {
        e.check_name: e
        for e in result.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey(["kpi", "kpi_alerts"])
    }
    assert set(checks) == {f"{kpi}_in_control" for kpi in watched}
    assert {check.severity for check in checks.values()} == {dg.AssetCheckSeverity.WARN}
    metadata = materialization_metadata(result, ["kpi", "kpi_alerts"])
    png_size(markdown_png(metadata["kpi_trends"], "KPI trends with control limits"))
    [(alerts, wrong_side)] = query(
        generated_year["database"],
        "select count(*), count(*) filter (where direction is null) from kpi.kpi_alerts",
    )
    assert metadata["dagster/row_count"] == alerts and wrong_side == 0


def test_differentials_cover_every_pair_of_segments_each_month(generated_year):
    rows = query(
        generated_year["database"],
        "select month, count(*), count(distinct measure),"
        " (select count(distinct segment_id) from segmentation.customer_segments as s"
        "  where s.as_of_month = d.month)"
        " from kpi.fct_segment_differentials as d group by month",
    )
    assert rows
    for _, pairs, measures, segments in rows:
        assert pairs == comb(segments, 2) * measures == comb(segments, 2) * 3
    [(inverted,)] = query(
        generated_year["database"],
        "select count(*) from kpi.fct_segment_differentials"
        " where difference_low > difference_high or ratio_low > ratio_high",
    )
    assert inverted == 0
    chart = materialization_metadata(generated_year["result"], ["kpi", "fct_segment_differentials"])
    width, height = png_size(
        markdown_png(chart["cost_to_serve_by_segment"], "cost to serve by segment with intervals")
    )
    assert width > 0 and height > 0


def test_the_migration_heatmap_is_a_png(generated_year):
    metadata = materialization_metadata(
        generated_year["result"], ["kpi", "fct_segment_migration_months"]
    )
    width, height = png_size(markdown_png(metadata["migration_matrix"], "migration matrix"))
    assert width > 0 and height > 0


def test_migration_and_concentration_agree_on_segment_sizes(generated_year):
    mismatched = query(
        generated_year["database"],
        "with arrivals as (select month, to_segment_id, sum(customers) as customers"
        " from kpi.fct_segment_migration_months where to_segment_id is not null group by all)"
        " select * from arrivals inner join kpi.fct_segment_concentration_months as c"
        " on arrivals.month = c.month and arrivals.to_segment_id = c.segment_id"
        " where arrivals.customers <> c.customers",
    )
    assert mismatched == []
