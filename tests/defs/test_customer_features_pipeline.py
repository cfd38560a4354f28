"""fct_customer_features on a generated data set: it builds through Dagster for every month,
holds one row per active customer per as-of month, a one-month refresh rewrites only that month,
and the planted behavioural archetypes are separated in the directions they were planted."""

from datetime import date

import dagster as dg
import polars as pl
import pytest
from conftest import (
    assert_month_refresh_rewrites_only_that_month,
    customers_active_in_windows,
    query,
    read_mart,
    with_planted_archetypes,
)

from seg_assets.defs.partitions import monthly_partitions
from seg_assets.lib.mart_settings import load_mart_settings

MONTHS = 12
# The last generated month: its 12-month window covers the whole generated history.
LATEST = date(2025, 10, 1)
FEATURES = dg.AssetKey(["marts", "fct_customer_features"])
ARCHETYPES = {
    "large_steady",
    "small_frequent",
    "project_lumpy",
    "high_returns",
    "long_tail_occasional",
}


def _features(database, where: str = "", params: object = None) -> pl.DataFrame:
    return read_mart(database, "marts.fct_customer_features", where, params)


def test_the_feature_mart_materializes_for_every_month(generated_year):
    result = generated_year["result"]
    assert result.success
    partitions = {
        event.partition
        for event in result.get_asset_materialization_events()
        if event.asset_key == FEATURES
    }
    assert partitions == set(monthly_partitions.get_partition_keys())


def test_one_row_per_customer_active_in_the_window_per_as_of_month(generated_year):
    window = int(load_mart_settings()["features"].rows["window_months"][0])
    rows = query(
        generated_year["database"],
        "select customer_key, as_of_month from marts.fct_customer_features",
    )
    assert len(rows) == len(set(rows))
    assert set(rows) == customers_active_in_windows(generated_year["database"], window)


def test_features_agree_with_the_marts_they_come_from(generated_year):
    database = generated_year["database"]
    features = _features(database)
    # Every feature is filled where its inputs exist: orders always, revenue where shipped.
    assert features["order_frequency"].null_count() == 0
    assert (features["order_frequency"] > 0).all()
    assert features["abc_class"].null_count() == 0  # same window length as the classes
    shares = features["fast_mover_share"] + features["slow_mover_share"]
    assert (shares <= 1 + 1e-9).all()
    # With the default 12-month windows, the sums at the 12th month are the whole history's
    # up to it.
    [(revenue, cost_to_serve)] = query(
        database,
        "select (select sum(shipped_revenue) from marts.fct_customer_months"
        "  where order_month <= $latest),"
        " (select sum(cost_to_serve) from marts.fct_customer_cost_to_serve_months"
        "  where cost_month <= $latest and customer_key in"
        "  (select customer_key from marts.fct_customer_months where order_month <= $latest))",
        {"latest": LATEST},
    )
    latest = features.filter(pl.col("as_of_month") == LATEST)
    assert latest["shipped_revenue"].sum() == revenue
    assert latest["cost_to_serve"].sum() == cost_to_serve
    # Margins hang together: net = gross - cost-to-serve share.
    margins = latest.drop_nulls("net_margin_pct")
    assert (
        margins["gross_margin_pct"]
        - margins["cost_to_serve_pct_revenue"]
        - margins["net_margin_pct"]
    ).abs().max() < 1e-9


def test_a_one_month_refresh_rewrites_only_that_month(generated_year, tmp_path):
    assert_month_refresh_rewrites_only_that_month(
        generated_year,
        tmp_path / "warehouse.duckdb",
        "marts.fct_customer_features",
        "abc_class",
        dg.AssetSelection.assets(FEATURES),
    )


@pytest.fixture(scope="module")
def archetype_features(generated_year) -> pl.DataFrame:
    """Features at the latest full-window as-of month, with each customer's planted archetype."""
    features = _features(generated_year["database"], "where as_of_month = ?", [LATEST])
    return with_planted_archetypes(generated_year, features)


def _means(frame: pl.DataFrame, column: str) -> dict[str, float]:
    means = frame.group_by("archetype").agg(pl.col(column).cast(pl.Float64).mean())
    return dict(zip(means["archetype"], means[column], strict=True))


def _highest(frame: pl.DataFrame, column: str) -> str:
    means = _means(frame, column)
    return max(means, key=means.get)


def _lowest(frame: pl.DataFrame, column: str) -> str:
    means = _means(frame, column)
    return min(means, key=means.get)


def _share(frame: pl.DataFrame, archetype: str, column: str, values: set[str]) -> float:
    members = frame.filter(pl.col("archetype") == archetype)
    return members.filter(pl.col(column).is_in(values)).height / members.height


def test_planted_archetypes_are_separated_in_the_feature_mart(archetype_features):
    frame = archetype_features
    assert set(frame["archetype"]) == ARCHETYPES
    # Big scheduled buyers: the most revenue and volume, the most A customers, steady demand.
    assert _highest(frame, "revenue") == "large_steady"
    assert _highest(frame, "ordered_units") == "large_steady"
    assert _share(frame, "large_steady", "abc_class", {"A", "B"}) >= 0.9
    assert _lowest(frame, "demand_cv") == "large_steady"
    # Bulk buyers spread their cost to serve over the most revenue.
    cost_share = _means(frame, "cost_to_serve_pct_revenue")
    assert set(sorted(cost_share, key=cost_share.get)[:2]) == {"large_steady", "project_lumpy"}
    # The biggest orders are project orders (about 12 lines of 22 units), then large_steady's.
    for size in ("avg_order_value", "avg_order_units", "avg_order_lines"):
        means = _means(frame, size)
        assert sorted(means, key=means.get)[-2:] == ["large_steady", "project_lumpy"], size
    # Small frequent buyers: the most orders a month, the smallest orders, and a cost to serve
    # per revenue above every archetype with material orders (only the occasional buyers', a
    # couple of orders a year, is higher).
    assert _highest(frame, "order_frequency") == "small_frequent"
    assert _lowest(frame, "avg_order_units") == "small_frequent"
    assert cost_share["small_frequent"] > max(
        cost_share[name] for name in ("large_steady", "project_lumpy", "high_returns")
    )
    # Returners: the highest returns rate, several times anyone else's.
    returns = _means(frame, "returns_rate")
    assert max(returns, key=returns.get) == "high_returns"
    assert returns["high_returns"] > 3 * max(
        value for name, value in returns.items() if name != "high_returns"
    )
    # Project buyers: bursts with empty months between them, all Z; their demand varies more
    # than that of every archetype that orders most months.
    assert _share(frame, "project_lumpy", "xyz_class", {"Z"}) >= 0.9
    assert _share(frame, "project_lumpy", "demand_pattern", {"intermittent", "lumpy"}) >= 0.9
    volatility = _means(frame, "demand_cv")
    assert volatility["project_lumpy"] > max(
        volatility[name] for name in ("large_steady", "small_frequent", "high_returns")
    )
    # Occasional buyers: the fewest orders, the most slow movers, C customers; they pay later
    # than the steady and the frequent buyers (project buyers have the longest terms).
    assert _lowest(frame, "order_frequency") == "long_tail_occasional"
    assert _highest(frame, "slow_mover_share") == "long_tail_occasional"
    assert _share(frame, "long_tail_occasional", "abc_class", {"C"}) >= 0.8
    days = _means(frame, "days_to_pay")
    assert days["long_tail_occasional"] > max(days["large_steady"], days["small_frequent"])
