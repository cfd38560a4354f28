"""The guard's decision with each reason to hold alone and with none, and its markdown report."""

import math
from datetime import date

import pytest
from downgrade_fixture import LEVELS, SERVING, assignment, fixture_impact

from seg_assets.lib.model_guard.decision import (
    GuardDecision,
    GuardLimits,
    decide,
    impact_markdown,
)
from seg_assets.lib.model_guard.freeze import FreezeWindow
from seg_assets.lib.model_guard.impact import ImpactLimits, downgrade_impact

YEAR_END = FreezeWindow(start=date(2026, 12, 15), end=date(2027, 1, 5), reason="year-end close")
STABLE = {"bootstrap_ari": 0.91, "holdout_ari": 0.88}
# The fixture's shares are 4/7 of customers, 23/38 of revenue, 66% of absolute margin and 75%
# of region North and of parent group G2: these limits hold exactly at them.
LIMITS = GuardLimits(
    min_bootstrap_ari=0.8,
    min_holdout_ari=0.7,
    impact=ImpactLimits(
        max_customer_share=4 / 7,
        max_revenue_share=2300 / 3800,
        max_margin_share=0.66,
        max_group_customer_share=0.75,
        min_group_customers=1,
    ),
)


def test_no_reason_publishes_and_lists_the_measured_values():
    decision = decide(STABLE, [], None, fixture_impact(), LIMITS)
    assert decision.approved
    assert decision.verdict == "published"
    assert decision.reasons == (
        "passed: bootstrap ARI 0.910 >= 0.800, holdout ARI 0.880 >= 0.700; no failed checks, "
        "no change freeze; downgrades within limits (57.1% of customers, 60.5% of revenue, "
        "66.0% of absolute margin)",
    )
    assert decision.summary() == f"published: {decision.reasons[0]}"


def test_values_equal_to_the_minimums_pass():
    decision = decide({"bootstrap_ari": 0.8, "holdout_ari": 0.7}, [], None, None, LIMITS)
    assert decision.approved
    assert "no serving assignment to compare with" in decision.reasons[0]


def held(decision: GuardDecision) -> tuple[str, ...]:
    assert not decision.approved
    assert decision.verdict == "pending_approval"
    return decision.reasons


def test_bootstrap_below_minimum():
    stability = {"bootstrap_ari": 0.75, "holdout_ari": 0.88}
    assert held(decide(stability, [], None, None, LIMITS)) == (
        "bootstrap ARI 0.750 is below the minimum 0.800",
    )


def test_holdout_a_hair_below_minimum_prints_apart():
    stability = {"bootstrap_ari": 0.91, "holdout_ari": 0.6999}
    assert held(decide(stability, [], None, None, LIMITS)) == (
        "holdout ARI 0.6999 is below the minimum 0.7000",
    )


@pytest.mark.parametrize("holdout", [None, math.nan, "n/a"])
def test_holdout_not_measured(holdout: object):
    stability = {"bootstrap_ari": 0.91, "holdout_ari": holdout}
    assert held(decide(stability, [], None, None, LIMITS)) == ("holdout ARI was not measured",)


def test_missing_stability_keys():
    assert held(decide({}, [], None, None, LIMITS)) == (
        "bootstrap ARI was not measured",
        "holdout ARI was not measured",
    )


def test_each_failed_check_is_a_reason():
    checks = ["segment_min_volume", "no_null_segment"]
    assert held(decide(STABLE, checks, None, None, LIMITS)) == (
        "quality check failed: segment_min_volume",
        "quality check failed: no_null_segment",
    )


def test_active_freeze():
    assert held(decide(STABLE, [], YEAR_END, None, LIMITS)) == (
        "inside change freeze 2026-12-15..2027-01-05 (year-end close)",
    )


def test_impact_breach():
    limits = GuardLimits(
        min_bootstrap_ari=0.8,
        min_holdout_ari=0.7,
        impact=ImpactLimits(
            max_customer_share=1.0,
            max_revenue_share=0.6,
            max_margin_share=1.0,
            max_group_customer_share=1.0,
            min_group_customers=1,
        ),
    )
    assert held(decide(STABLE, [], None, fixture_impact(), limits)) == (
        "60.5% of revenue would move to a lower service level (limit 60.0%)",
    )


def test_all_reasons_in_order():
    decision = decide(
        {"bootstrap_ari": 0.5},
        ["segment_min_volume"],
        YEAR_END,
        fixture_impact(),
        GuardLimits(
            min_bootstrap_ari=0.8,
            min_holdout_ari=0.7,
            impact=ImpactLimits(
                max_customer_share=0.5,
                max_revenue_share=1.0,
                max_margin_share=1.0,
                max_group_customer_share=1.0,
                min_group_customers=1,
            ),
        ),
    )
    assert held(decision) == (
        "bootstrap ARI 0.500 is below the minimum 0.800",
        "holdout ARI was not measured",
        "quality check failed: segment_min_volume",
        "inside change freeze 2026-12-15..2027-01-05 (year-end close)",
        "57.1% of customers (4 of 7) would move to a lower service level (limit 50.0%)",
    )
    assert decision.summary() == "pending_approval: " + "; ".join(decision.reasons)
    assert "\n" not in decision.summary()


def test_markdown_holds_decision_totals_groups_and_moves():
    decision = decide(STABLE, ["segment_min_volume"], None, fixture_impact(), LIMITS)
    report = impact_markdown(fixture_impact(), decision)
    assert "### Model guard: pending_approval" in report
    assert "- quality check failed: segment_min_volume" in report
    assert "1 new and 1 gone customer(s)" in report
    # Totals: 7 compared, 4 downgraded; revenue 3800 / 2300; margin 360 / 190.
    assert "| customers | 7 | 4 | 57.1% |" in report
    assert "| revenue | 3,800.00 | 2,300.00 | 60.5% |" in report
    assert "| margin | 360.00 | 190.00 | 66.0% (of absolute margin) |" in report
    # Regions: North 3 of 4, 2100 revenue (72.4% of 2900); South 1 of 3, 200 (22.2% of 900).
    assert "| North | 4 | 3 | 2,100.00 | 210.00 | 75.0% | 72.4% |" in report
    assert "| South | 3 | 1 | 200.00 | -20.00 | 33.3% | 22.2% |" in report
    assert report.index("| North |") < report.index("| South |")
    # Parent groups: G2 1300 (81.2% of 1600) before G1 1000 (45.5% of 2200).
    assert "| G2 | 4 | 3 | 1,300.00 | -10.00 | 75.0% | 81.2% |" in report
    assert "| G1 | 3 | 1 | 1,000.00 | 200.00 | 33.3% | 45.5% |" in report
    assert report.index("| G2 |") < report.index("| G1 |")
    # Moves.
    assert "| Strategic | Growth | 1 | 2 | 2 | 1,200.00 |" in report
    assert "| Core | Core | 1 | 3 | 1 | 600.00 |" in report
    assert "| Core | Tail | 2 | 3 | 1 | 500.00 |" in report


def test_markdown_without_downgrades():
    serving = assignment(SERVING)
    impact = downgrade_impact(serving, serving, LEVELS)
    report = impact_markdown(impact, decide(STABLE, [], None, impact, LIMITS))
    assert "### Model guard: published" in report
    assert "No region has a downgraded customer." in report
    assert "No parent group has a downgraded customer." in report
    assert "No customer would move to a lower service level." in report
