"""PSI, KS and Jensen-Shannon against values worked out by hand."""

import math

import numpy as np
import pytest
from scipy.stats import ks_2samp

from seg_assets.lib.drift.statistics import (
    binned_shares,
    decile_edges,
    js_distance,
    ks_statistic,
    psi,
)

NAN = float("nan")


def test_decile_edges_of_one_to_ten():
    # Linear quantile q of 1..10 sits at position q * (10 - 1) = 0.9k, value 1 + 0.9k.
    edges = decile_edges(np.arange(1, 11))
    assert edges == pytest.approx([1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.3, 8.2, 9.1])


def test_decile_edges_of_a_constant_reference_are_empty():
    assert decile_edges(np.full(7, 3.0)).size == 0


def test_decile_edges_drop_nans():
    # Median of [1, 2, 3, 4]: position 0.5 * 3 = 1.5, halfway between 2 and 3.
    assert decile_edges(np.array([1, 2, NAN, 3, 4]), bins=2) == pytest.approx([2.5])


def test_decile_edges_keep_a_cut_at_the_minimum_and_drop_one_at_the_maximum():
    # Median of [0, 0, 0, 1] at position 1.5 is 0 = the minimum: kept (isolates the zeros).
    assert decile_edges(np.array([0.0, 0, 0, 1]), bins=2) == pytest.approx([0.0])
    # Median of [0, 1, 1, 1] at position 1.5 is 1 = the maximum: (1, 1] is empty, dropped.
    assert decile_edges(np.array([0.0, 1, 1, 1]), bins=2).size == 0


def test_binned_shares_are_right_closed_with_outer_bins():
    # Reference [1, 2, 3, 4], median edge 2.5: bins <1 | [1, 2.5] | (2.5, 4] | >4.
    # Values (NaN dropped): 0 -> below; 1, 2.5 -> first; 3, 4 -> second; 5 -> above; of 6.
    shares = binned_shares(np.array([0, 1, 2.5, 3, 4, 5, NAN]), np.array([1, 2, 3, 4]), bins=2)
    assert shares == pytest.approx([1 / 6, 2 / 6, 2 / 6, 1 / 6])


def test_binned_shares_of_a_constant_reference_are_below_equal_above():
    # Reference all 5: bins <5 | =5 | >5. Values 4, 5, 5, 6 -> 1, 2, 1 of 4.
    shares = binned_shares(np.array([4.0, 5, 5, 6]), np.full(3, 5.0))
    assert shares == pytest.approx([0.25, 0.5, 0.25])


def test_binned_shares_without_values_are_zeros():
    assert binned_shares(np.array([NAN]), np.array([1, 2, 3, 4]), bins=2).tolist() == [0] * 4


def test_binned_shares_need_a_reference():
    with pytest.raises(ValueError, match="reference has no non-NaN value"):
        binned_shares(np.array([1.0]), np.array([NAN]))


def test_psi_by_hand():
    # Bins <1 | [1, 2.5] | (2.5, 4] | >4. Reference [1, 2, 3, 4]: r = 0, 1/2, 1/2, 0.
    # Current [1, 2, 3]: c = 0, 2/3, 1/3, 0. Outer bins are floored on both sides: 0 terms.
    # PSI = (2/3 - 1/2) ln(4/3) + (1/3 - 1/2) ln(2/3) = (1/6)(ln 4/3 + ln 3/2) = ln(2) / 6.
    assert psi(np.array([1, 2, 3, 4]), np.array([1, 2, 3]), bins=2) == pytest.approx(
        math.log(2) / 6
    )


def test_psi_floors_an_empty_current_bin():
    # Current [1, 2]: c = 0, 1, 0, 0, so the (2.5, 4] share 0 is floored to 1e-4.
    # PSI = (1 - 0.5) ln(1 / 0.5) + (1e-4 - 0.5) ln(1e-4 / 0.5)
    #     = 0.5 ln 2 + (0.5 - 1e-4) ln 5000 = 0.34657 + 4.25775 = 4.604318...
    expected = 0.5 * math.log(2) + (0.5 - 1e-4) * math.log(5000)
    assert psi(np.array([1, 2, 3, 4]), np.array([1, 2]), bins=2) == pytest.approx(expected)
    assert expected == pytest.approx(4.604318, abs=1e-6)


def test_psi_of_identical_samples_is_zero():
    sample = np.random.default_rng(3).normal(size=200)
    assert psi(sample, sample.copy()) == 0.0


def test_psi_of_an_unchanged_constant_feature_is_zero():
    # Both all 7: shares (floored) 1e-4, 1, 1e-4 on both sides, every term 0.
    assert psi(np.full(5, 7.0), np.full(3, 7.0)) == 0.0


def test_psi_of_a_shifted_constant_feature_uses_the_outer_bin():
    # Reference all 5: r = 0, 1, 0 -> 1e-4, 1, 1e-4. Current all 6 (above): c -> 1e-4, 1e-4, 1.
    # PSI = (1e-4 - 1) ln(1e-4 / 1) + (1 - 1e-4) ln(1 / 1e-4) = 2 (1 - 1e-4) ln(1e4)
    #     = 2 * 0.9999 * 9.2103404 = 18.418839...
    value = psi(np.full(4, 5.0), np.full(2, 6.0))
    assert value == pytest.approx(2 * (1 - 1e-4) * math.log(1e4))
    assert value == pytest.approx(18.418839, abs=1e-6)


def test_psi_of_a_one_row_month():
    # Reference [1, 2, 3, 4]: r -> 1e-4, 1/2, 1/2, 1e-4. Current [5] (above): c -> 1e-4, 1e-4,
    # 1e-4, 1. PSI = 2 (1e-4 - 0.5) ln(1e-4 / 0.5) + (1 - 1e-4) ln(1 / 1e-4)
    #              = 2 (0.5 - 1e-4) ln 5000 + 0.9999 ln 1e4 = 8.51550 + 9.20942 = 17.724909...
    expected = 2 * (0.5 - 1e-4) * math.log(5000) + (1 - 1e-4) * math.log(1e4)
    assert psi(np.array([1, 2, 3, 4]), np.array([5]), bins=2) == pytest.approx(expected)
    assert expected == pytest.approx(17.724909, abs=1e-6)


def test_psi_ignores_nans():
    # Same samples as test_psi_by_hand once the NaNs are dropped: ln(2) / 6.
    value = psi(np.array([1, NAN, 2, 3, 4]), np.array([NAN, 1, 2, 3]), bins=2)
    assert value == pytest.approx(math.log(2) / 6)


def test_psi_without_values_on_either_side_is_nan():
    assert math.isnan(psi(np.array([1.0, 2]), np.array([NAN, NAN])))
    assert math.isnan(psi(np.array([NAN]), np.array([1.0, 2])))
    assert math.isnan(psi(np.array([]), np.array([1.0])))


def test_psi_is_never_negative():
    # Each floored term (c - r) ln(c / r) has both factors of the same sign.
    rng = np.random.default_rng(20240601)
    for _ in range(20):
        reference = rng.normal(rng.normal(), rng.uniform(0.5, 2), size=rng.integers(1, 300))
        current = rng.normal(rng.normal(), rng.uniform(0.5, 2), size=rng.integers(1, 300))
        assert psi(reference, current, bins=int(rng.integers(2, 12))) >= 0


def test_psi_rejects_a_non_positive_floor():
    with pytest.raises(ValueError, match="floor must be positive"):
        psi(np.array([1.0]), np.array([1.0]), floor=0)


def test_ks_by_hand():
    # At 1: 1/3 vs 0; at 2: 2/3 vs 1/3; at 3: 1 vs 2/3; at 4: 1 vs 1. Largest gap 1/3.
    assert ks_statistic(np.array([1, 2, 3]), np.array([2, 3, 4])) == pytest.approx(1 / 3)


def test_ks_of_a_one_row_month():
    # ECDF of [1, 2, 3, 4] vs [3]: at 2 it is 1/2 vs 0, at 3 it is 3/4 vs 1. Largest gap 1/2.
    assert ks_statistic(np.array([1, 2, 3, 4]), np.array([3])) == pytest.approx(0.5)


def test_ks_ignores_nans_and_is_nan_without_values():
    assert ks_statistic(np.array([1, NAN, 2, 3]), np.array([2, 3, 4, NAN])) == pytest.approx(1 / 3)
    assert math.isnan(ks_statistic(np.array([NAN]), np.array([1.0])))
    assert math.isnan(ks_statistic(np.array([1.0]), np.array([])))


def test_ks_matches_scipy_with_ties():
    rng = np.random.default_rng(7)
    for _ in range(10):
        reference = rng.integers(0, 6, size=rng.integers(1, 60)).astype(float)
        current = rng.integers(1, 8, size=rng.integers(1, 60)).astype(float)
        expected = ks_2samp(reference, current).statistic
        assert ks_statistic(reference, current) == pytest.approx(expected)


def test_js_of_the_same_frequencies_is_zero():
    # Both half "a", half "b" whatever the counts and order.
    assert js_distance(["a", "b"], ["b", "a", "a", "b"]) == 0.0


def test_js_of_disjoint_categories_is_one():
    # m = (1/2, 1/2): each side's KL to m is log2(2) = 1, JSD = 1, distance 1.
    assert js_distance(["a", "a"], ["b", "c"]) == pytest.approx(1.0)


def test_js_by_hand():
    # p = (1, 0), q = (1/2, 1/2), m = (3/4, 1/4).
    # KL(p||m) = log2(4/3) = 2 - log2 3; KL(q||m) = 1/2 log2(2/3) + 1/2 log2 2 = 1 - 1/2 log2 3.
    # JSD = (KL(p||m) + KL(q||m)) / 2 = 3/2 - 3/4 log2 3 = 0.311278; distance sqrt = 0.557923.
    expected = math.sqrt(1.5 - 0.75 * math.log2(3))
    assert js_distance(["a", "a"], ["a", "b"]) == pytest.approx(expected)
    assert expected == pytest.approx(0.557923, abs=1e-6)


def test_js_counts_none_as_a_category():
    # p = (a: 1/2, None: 1/2), q = (a: 1, None: 0): the same pair as test_js_by_hand, swapped.
    assert js_distance(["a", None], ["a", "a"]) == pytest.approx(
        math.sqrt(1.5 - 0.75 * math.log2(3))
    )


def test_js_of_an_empty_side_is_nan():
    assert math.isnan(js_distance([], ["a"]))
    assert math.isnan(js_distance(["a"], []))
