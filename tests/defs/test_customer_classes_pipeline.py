"""fct_customer_classes on a generated data set: it builds through Dagster, holds one row per
active customer per as-of month, a one-month refresh rewrites only that month, and the planted
behavioural archetypes land in the classes they should."""

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
CLASS_MODELS = dg.AssetSelection.assets(
    dg.AssetKey(["intermediate", "int_product_velocity_classified"]),
    dg.AssetKey(["marts", "fct_customer_classes"]),
)


def _classes(database, where: str = "", params: object = None) -> pl.DataFrame:
    return read_mart(database, "marts.fct_customer_classes", where, params)


def test_the_classes_and_product_velocity_materialize_for_every_month(generated_year):
    result = generated_year["result"]
    assert result.success
    materialized = {
        (event.asset_key.to_user_string(), event.partition)
        for event in result.get_asset_materialization_events()
    }
    for key in ("intermediate/int_product_velocity_classified", "marts/fct_customer_classes"):
        assert {partition for asset, partition in materialized if asset == key} == set(
            monthly_partitions.get_partition_keys()
        )


def test_one_row_per_customer_active_in_the_window_per_as_of_month(generated_year):
    window = int(load_mart_settings()["classification"].rows["window_months"][0])
    rows = query(
        generated_year["database"],
        "select customer_key, as_of_month from marts.fct_customer_classes",
    )
    assert len(rows) == len(set(rows))
    assert set(rows) == customers_active_in_windows(generated_year["database"], window)


def test_every_row_has_a_class_of_each_kind_and_shares_that_add_up(generated_year):
    classes = _classes(generated_year["database"])
    assert set(classes["abc_class"]) == {"A", "B", "C"}
    assert set(classes["xyz_class"]) == {"X", "Y", "Z"}
    assert set(classes["demand_pattern"]) == {"smooth", "erratic", "intermittent", "lumpy"}
    for score in ("f_score", "m_score"):
        assert set(classes[score]) == {1, 2, 3, 4, 5}
    # Most active customers ordered in the as-of month itself: they tie on recency 0 and share
    # the top score, so the next score down can be empty.
    assert {1, 5} <= set(classes["r_score"]) <= {1, 2, 3, 4, 5}
    mix = classes["fast_line_share"] + classes["medium_line_share"] + classes["slow_line_share"]
    assert (mix - 1).abs().max() < 1e-9
    # Each as-of month's A, B and C customers hold all of that month's revenue once.
    assert (
        classes.group_by("as_of_month").agg(pl.col("revenue_share").sum())["revenue_share"] - 1
    ).abs().max() < 1e-9


def test_a_one_month_refresh_rewrites_only_that_month(generated_year, tmp_path):
    assert_month_refresh_rewrites_only_that_month(
        generated_year,
        tmp_path / "warehouse.duckdb",
        "marts.fct_customer_classes",
        "rfm_code",
        CLASS_MODELS,
    )


@pytest.fixture(scope="module")
def archetype_classes(generated_year) -> pl.DataFrame:
    """Classes at the latest full-window as-of month, with each customer's planted archetype."""
    classes = _classes(generated_year["database"], "where as_of_month = ?", [LATEST])
    return with_planted_archetypes(generated_year, classes)


def _share(frame: pl.DataFrame, archetype: str, column: str, values: set[str]) -> float:
    members = frame.filter(pl.col("archetype") == archetype)
    return members.filter(pl.col(column).is_in(values)).height / members.height


def _mean(frame: pl.DataFrame, archetype: str, column: str) -> float:
    return frame.filter(pl.col("archetype") == archetype)[column].mean()


def test_planted_archetypes_land_in_the_classes_they_should(archetype_classes):
    frame = archetype_classes
    assert set(frame["archetype"]) == {
        "large_steady",
        "small_frequent",
        "project_lumpy",
        "high_returns",
        "long_tail_occasional",
    }
    # Big scheduled buyers: the most A customers of any archetype, steady (X) and smooth.
    a_shares = {name: _share(frame, name, "abc_class", {"A"}) for name in set(frame["archetype"])}
    assert max(a_shares, key=a_shares.get) == "large_steady"
    assert _share(frame, "large_steady", "abc_class", {"A", "B"}) >= 0.9
    assert _share(frame, "large_steady", "xyz_class", {"X"}) >= 0.5
    assert _share(frame, "large_steady", "demand_pattern", {"smooth"}) >= 0.7
    # Project buyers: bursts with empty months between them.
    assert _share(frame, "project_lumpy", "demand_pattern", {"intermittent", "lumpy"}) >= 0.7
    assert _share(frame, "project_lumpy", "xyz_class", {"Z"}) >= 0.7
    # Small frequent buyers order most months; occasional buyers rarely and little.
    assert _share(frame, "small_frequent", "demand_pattern", {"smooth", "erratic"}) >= 0.5
    assert _share(frame, "long_tail_occasional", "abc_class", {"C"}) >= 0.8
    assert _share(frame, "long_tail_occasional", "demand_pattern", {"intermittent", "lumpy"}) >= 0.8
    # RFM: occasional buyers score lowest on frequency and money, frequent ones highest on F.
    assert _mean(frame, "long_tail_occasional", "f_score") < _mean(
        frame, "small_frequent", "f_score"
    )
    assert _mean(frame, "long_tail_occasional", "m_score") < _mean(frame, "large_steady", "m_score")
    assert _mean(frame, "long_tail_occasional", "r_score") < _mean(frame, "large_steady", "r_score")
    # Velocity mix: occasional buyers order slow movers more often than steady buyers do.
    assert _mean(frame, "long_tail_occasional", "slow_line_share") > _mean(
        frame, "large_steady", "slow_line_share"
    )
    assert _mean(frame, "large_steady", "fast_line_share") > _mean(
        frame, "long_tail_occasional", "fast_line_share"
    )
