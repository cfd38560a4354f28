"""Downgrade impact on the nine hand-made customers of ``downgrade_fixture`` (table there)."""

import polars as pl
import pytest
from downgrade_fixture import CANDIDATE, LEVELS, SERVING, assignment, fixture_impact
from polars.testing import assert_frame_equal

from seg_assets.lib.model_guard.impact import (
    AssignmentFrameError,
    DowngradeImpact,
    ImpactLimits,
    ImpactTotals,
    ServiceLevels,
    downgrade_impact,
    impact_breaches,
)


@pytest.fixture
def impact() -> DowngradeImpact:
    return fixture_impact()


def test_levels_of_segments_tiers_and_positions():
    assert LEVELS.level_of_segment("Growth") == 2
    assert LEVELS.level_of_segment("Legacy") == 5
    assert LEVELS.level_of_segment(None) == 5
    assert LEVELS.level_of_tier("C") == 3
    assert LEVELS.level_of_tier("Z") == 5
    # min(Core 3, tier A 1) = 1; without a tier only the segment counts.
    assert LEVELS.level_of("Core", "A") == 1
    assert LEVELS.level_of("Core", None) == 3
    assert LEVELS.level_of("Core", "") == 3
    # An unlisted tier (5) never worsens a segment's level: min(Growth 2, 5) = 2.
    assert LEVELS.level_of("Growth", "Z") == 2


def test_totals_cover_customers_in_both_assignments(impact: DowngradeImpact):
    # Compared: c1..c7 (c8 gone, c9 new).
    # revenue 1000 + 800 + 500 + 300 + 400 + 200 + 600 = 3800
    # margin  200 + 100 - 50 + 30 + 40 - 20 + 60 = 360
    assert impact.total == ImpactTotals(customers=7, revenue=3800.0, margin=360.0)
    assert impact.new_customers == 1
    assert impact.gone_customers == 1


def test_downgraded_are_c1_c3_c6_c7(impact: DowngradeImpact):
    # c2 (Growth/A -> Core/A) keeps level 1 through tier A: not downgraded.
    # revenue 1000 + 500 + 200 + 600 = 2300; margin 200 - 50 - 20 + 60 = 190
    assert impact.downgraded == ImpactTotals(customers=4, revenue=2300.0, margin=190.0)
    assert impact.customer_share == pytest.approx(4 / 7)  # 57.14%
    assert impact.revenue_share == pytest.approx(2300 / 3800)  # 60.53%
    # |margin| downgraded 200 + 50 + 20 + 60 = 330; all 200+100+50+30+40+20+60 = 500
    assert impact.margin_share == pytest.approx(330 / 500)  # 66%


def test_by_region(impact: DowngradeImpact):
    # North: c1 c2 c3 c7, downgraded c1 c3 c7: revenue 1000+500+600 = 2100 of
    #   1000+800+500+600 = 2900, margin 200-50+60 = 210.
    # South: c4 c5 c6, downgraded c6: revenue 200 of 300+400+200 = 900, margin -20.
    expected = pl.DataFrame(
        {
            "region": ["North", "South"],
            "customers": [4, 3],
            "downgraded_customers": [3, 1],
            "downgraded_revenue": [2100.0, 200.0],
            "downgraded_margin": [210.0, -20.0],
            "customer_share": [3 / 4, 1 / 3],
            "revenue_share": [2100 / 2900, 200 / 900],
        }
    )
    assert_frame_equal(impact.by_region, expected)


def test_by_parent_group(impact: DowngradeImpact):
    # G2: c3 c4 c6 c7, downgraded c3 c6 c7: revenue 500+200+600 = 1300 of
    #   500+300+200+600 = 1600, margin -50-20+60 = -10.
    # G1: c1 c2 c5, downgraded c1: revenue 1000 of 1000+800+400 = 2200, margin 200.
    expected = pl.DataFrame(
        {
            "parent_group": ["G2", "G1"],
            "customers": [4, 3],
            "downgraded_customers": [3, 1],
            "downgraded_revenue": [1300.0, 1000.0],
            "downgraded_margin": [-10.0, 200.0],
            "customer_share": [3 / 4, 1 / 3],
            "revenue_share": [1300 / 1600, 1000 / 2200],
        }
    )
    assert_frame_equal(impact.by_parent_group, expected)


def test_moves_of_downgraded_customers_only(impact: DowngradeImpact):
    # c1, c6 Strategic -> Growth (1 -> 2): 1000 + 200; c7 Core/A -> Core (1 -> 3): 600;
    # c3 Core/B -> Tail/C (2 -> 3): 500. c2 and c4 moved segment but were not downgraded.
    expected = pl.DataFrame(
        {
            "from_segment": ["Strategic", "Core", "Core"],
            "to_segment": ["Growth", "Core", "Tail"],
            "from_level": [1, 1, 2],
            "to_level": [2, 3, 3],
            "customers": [2, 1, 1],
            "revenue": [1200.0, 600.0, 500.0],
        }
    )
    assert_frame_equal(impact.moves, expected)


def test_same_assignment_downgrades_nobody():
    serving = assignment(SERVING)
    # The same customers against themselves: nobody is downgraded.
    unchanged = downgrade_impact(serving, serving, LEVELS)
    assert unchanged.downgraded == ImpactTotals(0, 0.0, 0.0)
    assert (unchanged.customer_share, unchanged.revenue_share, unchanged.margin_share) == (0, 0, 0)
    assert unchanged.moves.is_empty()
    assert unchanged.by_region["downgraded_customers"].to_list() == [0, 0]


def test_revenue_and_groups_come_from_the_candidate():
    serving = assignment(SERVING).with_columns(revenue=pl.lit(1.0), region=pl.lit("Old"))
    impact = downgrade_impact(serving, assignment(CANDIDATE), LEVELS)
    assert impact.total.revenue == 3800.0
    assert impact.by_region["region"].to_list() == ["North", "South"]


def test_all_null_tiers_and_null_groups():
    # Tiers all null (dtype Null): levels are the segments'. c1 Strategic 1 -> Growth 2.
    levels = ServiceLevels(segments={"Strategic": 1, "Growth": 2}, tiers={}, default=9)
    before = pl.DataFrame(
        {
            "customer_key": [1, 2],
            "segment_name": ["Strategic", "Growth"],
            "tier": [None, None],
            "revenue": [10, 30],
            "margin": [0, 0],
            "region": [None, None],
            "parent_group": ["P", None],
        }
    )
    after = before.with_columns(segment_name=pl.lit("Growth"))
    impact = downgrade_impact(before, after, levels)
    assert impact.downgraded == ImpactTotals(customers=1, revenue=10.0, margin=0.0)
    assert impact.revenue_share == pytest.approx(10 / 40)
    # No margin at all: the margin share is 0, not a division by zero.
    assert impact.margin_share == 0.0
    assert impact.by_region["region"].to_list() == [None]
    assert impact.by_parent_group["parent_group"].to_list() == ["P", None]


def test_nobody_in_common():
    impact = downgrade_impact(assignment(SERVING).head(0), assignment(CANDIDATE), LEVELS)
    assert impact.total == ImpactTotals(0, 0.0, 0.0)
    assert (impact.customer_share, impact.revenue_share, impact.margin_share) == (0, 0, 0)
    assert impact.new_customers == 8
    assert impact.by_region.is_empty()


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (assignment(SERVING).drop("tier", "margin"), "before assignment lacks column"),
        (pl.concat([assignment(SERVING), assignment(SERVING).head(2)]), r"\['c1', 'c2'\]"),
        (
            assignment(SERVING).with_columns(customer_key=pl.lit(None, pl.String)),
            "without a customer_key",
        ),
    ],
)
def test_malformed_assignment_is_refused(frame: pl.DataFrame, message: str):
    with pytest.raises(AssignmentFrameError, match=message):
        downgrade_impact(frame, assignment(CANDIDATE), LEVELS)


# The measured shares of the fixture, as limits: exactly at every limit.
AT_LIMITS = ImpactLimits(
    max_customer_share=4 / 7,
    max_revenue_share=2300 / 3800,
    max_margin_share=0.66,
    max_group_customer_share=0.75,
    min_group_customers=1,
)


def test_shares_equal_to_limits_are_within(impact: DowngradeImpact):
    assert impact_breaches(impact, AT_LIMITS) == []


def test_every_share_just_above_its_limit_is_named(impact: DowngradeImpact):
    limits = ImpactLimits(
        max_customer_share=0.57,
        max_revenue_share=0.60,
        max_margin_share=0.65,
        max_group_customer_share=0.74,
        min_group_customers=1,
    )
    assert impact_breaches(impact, limits) == [
        "57.1% of customers (4 of 7) would move to a lower service level (limit 57.0%)",
        "60.5% of revenue would move to a lower service level (limit 60.0%)",
        "66.0% of absolute margin would move to a lower service level (limit 65.0%)",
        "75.0% of the customers of region North (3 of 4) would move to a lower service level "
        "(limit 74.0%)",
        "75.0% of the customers of parent group G2 (3 of 4) would move to a lower service "
        "level (limit 74.0%)",
    ]


def test_figures_a_hair_apart_print_apart(impact: DowngradeImpact):
    limits = ImpactLimits(
        max_customer_share=1.0,
        max_revenue_share=1.0,
        max_margin_share=0.6599,
        max_group_customer_share=1.0,
        min_group_customers=1,
    )
    # 66.0% vs 65.99%: one decimal would print both as 66.0%.
    assert impact_breaches(impact, limits) == [
        "66.00% of absolute margin would move to a lower service level (limit 65.99%)"
    ]


def test_small_groups_are_not_held_to_the_group_limit(impact: DowngradeImpact):
    limits = ImpactLimits(
        max_customer_share=1.0,
        max_revenue_share=1.0,
        max_margin_share=1.0,
        max_group_customer_share=0.3,
        min_group_customers=4,
    )
    # South and G1 (3 customers each, 1/3 downgraded > 30%) are too small to count.
    breaches = impact_breaches(impact, limits)
    assert [breach.split(" (")[0] for breach in breaches] == [
        "75.0% of the customers of region North",
        "75.0% of the customers of parent group G2",
    ]
    limits = limits.model_copy(update={"min_group_customers": 5})
    assert impact_breaches(impact, limits) == []


@pytest.mark.parametrize(
    ("entry", "value"),
    [
        ("max_revenue_share", 1.5),
        ("max_customer_share", 0.0),
        ("max_group_customer_share", -0.1),
        ("min_group_customers", 0),
    ],
)
def test_limits_must_be_shares_and_a_positive_count(entry: str, value: float):
    with pytest.raises(ValueError, match=entry):
        ImpactLimits(**{entry: value})
