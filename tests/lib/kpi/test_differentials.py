"""Segment differentials on hand-computed fixtures: the point figures, degenerate intervals
when a segment has one customer, and significance that follows the data."""

import numpy as np
import polars as pl
import pytest

from seg_assets.lib.kpi.differentials import BootstrapSettings, segment_differentials

SETTINGS = BootstrapSettings(bootstrap_resamples=400, confidence=0.9, seed=3)


def _customers(rows):
    return pl.DataFrame(
        rows,
        schema=[
            "segment_id",
            "segment_name",
            "revenue",
            "cost_of_goods",
            "cost_to_serve",
            "orders",
        ],
        orient="row",
    )


ONE_EACH = _customers([(1, "Big", 1000, 600, 100, 10), (2, "Small", 200, 120, 60, 20)])


def _row(frame: pl.DataFrame, **where) -> dict:
    [row] = frame.filter(**where).iter_rows(named=True)
    return row


def test_point_figures_are_ratios_of_sums():
    result = segment_differentials(ONE_EACH, SETTINGS)
    big = {
        r["measure"]: r["value"] for r in result.segments.filter(segment_id=1).iter_rows(named=True)
    }
    assert big == pytest.approx(
        {"cost_to_serve_pct_revenue": 0.1, "cost_to_serve_per_order": 10, "net_margin_pct": 0.3}
    )
    pair = _row(result.pairs, measure="cost_to_serve_pct_revenue")
    assert (pair["segment_a"], pair["segment_b"]) == (1, 2)
    assert (pair["value_a"], pair["value_b"]) == pytest.approx((0.1, 0.3))
    assert pair["difference"] == pytest.approx(-0.2)
    assert pair["ratio"] == pytest.approx(1 / 3)


def test_a_single_customer_segment_has_a_point_interval():
    result = segment_differentials(ONE_EACH, SETTINGS)
    small = _row(result.segments, segment_id=2, measure="cost_to_serve_per_order")
    assert (small["low"], small["value"], small["high"]) == pytest.approx((3.0, 3.0, 3.0))
    pair = _row(result.pairs, measure="net_margin_pct")  # 0.3 against 0.1
    assert (pair["difference_low"], pair["difference_high"]) == pytest.approx((0.2, 0.2))
    assert pair["is_significant"]


def test_two_customer_intervals_stay_within_the_possible_resamples():
    customers = _customers([(1, "A", 100, 0, 10, 1), (1, "A", 100, 0, 30, 1)])
    result = segment_differentials(customers, SETTINGS)
    row = _row(result.segments, measure="cost_to_serve_per_order")
    # Resamples hold customer one twice (10), each once (20) or customer two twice (30).
    assert 10 <= row["low"] <= row["value"] == 20 <= row["high"] <= 30


def test_segments_drawn_alike_differ_insignificantly_and_unlike_ones_significantly():
    rng = np.random.default_rng(0)
    revenue = rng.lognormal(6, 0.5, 600)
    alike = _customers(
        [
            (1 + i % 2, f"S{1 + i % 2}", r, 0.6 * r, 0.1 * r * rng.uniform(0.8, 1.2), 5)
            for i, r in enumerate(revenue)
        ]
    )
    pair = _row(segment_differentials(alike, SETTINGS).pairs, measure="cost_to_serve_pct_revenue")
    assert pair["difference_low"] < 0 < pair["difference_high"]
    assert not pair["is_significant"]
    unlike = alike.with_columns(
        pl.when(pl.col("segment_id") == 2)
        .then(pl.col("cost_to_serve") * 1.5)
        .otherwise(pl.col("cost_to_serve"))
    )
    pair = _row(segment_differentials(unlike, SETTINGS).pairs, measure="cost_to_serve_pct_revenue")
    assert pair["difference_high"] < 0 and pair["is_significant"]
    assert pair["ratio_low"] < pair["ratio"] < pair["ratio_high"] < 1


def test_no_revenue_gives_nulls_not_errors():
    customers = _customers([(1, "A", 0, 0, 10, 0), (2, "B", 100, 50, 10, 2)])
    result = segment_differentials(customers, SETTINGS)
    row = _row(result.segments, segment_id=1, measure="cost_to_serve_pct_revenue")
    assert row["value"] is None and row["low"] is None
    assert _row(result.pairs, measure="cost_to_serve_per_order")["difference"] is None


def test_the_same_seed_gives_the_same_intervals():
    first = segment_differentials(ONE_EACH, SETTINGS).pairs
    assert first.equals(segment_differentials(ONE_EACH, SETTINGS).pairs)
