"""Screening: data errors (inclusive bounds, log domain, one row per broken rule) and the
strategic-outlier rule (robust z-score of log1p values), on hand-computed numbers.
"""

import math

import numpy as np
import polars as pl
import pytest

from seg_assets.lib.segmentation.screening import EXCLUDED_COLUMNS, StrategicRule, data_errors
from seg_assets.lib.segmentation.settings import Bounds, FeatureSpec

BOUNDS = (
    Bounds(feature="revenue", min=0.01, max=None),
    Bounds(feature="margin", min=-1.0, max=1.0),
)
FEATURES = (
    FeatureSpec(feature="orders", transform="log", log_offset=1.0, weight=1.0, label="orders"),
    FeatureSpec(feature="returns", transform="log", log_offset=0.01, weight=1.0, label="returns"),
    FeatureSpec(feature="margin", transform="none", log_offset=1.0, weight=1.0, label="margin"),
)
# Rule order: revenue min (0), margin min (1), margin max (2), orders log (3), returns log (4).
FRAME = pl.DataFrame(
    {
        "revenue": [0.01, 0.0, None, 50.0, 1e9],
        "margin": [1.0, -1.5, None, 2.0, -1.0],
        "orders": [-0.5, -1.0, None, 3.0, -0.999],
        "returns": [0.0, 0.2, None, -0.01, -0.0099],
    }
)


def test_each_broken_rule_is_one_row_ordered_by_row_then_rule():
    errors = data_errors(FRAME, BOUNDS, FEATURES)
    assert errors.schema == pl.Schema(EXCLUDED_COLUMNS)
    assert errors.rows() == [
        (1, "revenue", 0.0, "revenue below the minimum 0.01"),
        (1, "margin", -1.5, "margin below the minimum -1"),
        (1, "orders", -1.0, "orders at or below -1, outside the log transform's domain"),
        (3, "margin", 2.0, "margin above the maximum 1"),
        (3, "returns", -0.01, "returns at or below -0.01, outside the log transform's domain"),
    ]


def test_bounds_are_inclusive_and_nulls_never_break_a_rule():
    errors = data_errors(FRAME, BOUNDS, FEATURES)
    flagged = set(errors.get_column("row").to_list())
    # Row 0 sits exactly on revenue's minimum and margin's maximum; row 4 on margin's minimum
    # and just inside both log domains; row 2 is all null.
    assert flagged == {1, 3}


def test_integer_columns_are_compared_as_numbers():
    frame = pl.DataFrame({"days_late": [-400, -366, 730, 731]}, schema={"days_late": pl.Int32})
    errors = data_errors(frame, (Bounds(feature="days_late", min=-366, max=730),), ())
    assert errors.rows() == [
        (0, "days_late", -400.0, "days_late below the minimum -366"),
        (3, "days_late", 731.0, "days_late above the maximum 730"),
    ]


def test_no_rules_or_no_breaks_give_an_empty_frame_of_the_same_columns():
    none_checked = data_errors(
        FRAME,
        (),
        (FeatureSpec(feature="margin", transform="none", log_offset=1.0, weight=1.0, label="m"),),
    )
    assert none_checked.is_empty()
    assert none_checked.schema == pl.Schema(EXCLUDED_COLUMNS)
    clean = data_errors(FRAME.head(1), BOUNDS, FEATURES)
    assert clean.is_empty()
    assert clean.columns == list(EXCLUDED_COLUMNS)


def test_a_nan_is_treated_like_a_null_whichever_bound_is_set():
    # transform_features and the imputation read NaN as missing, and StrategicRule ignores
    # it; data_errors should too. Polars orders NaN above every number, so today a NaN
    # breaks a maximum (reported as "above the maximum 1") but never a minimum.
    frame = pl.DataFrame({"margin": [math.nan, 0.5], "revenue": [math.nan, 10.0]})
    errors = data_errors(
        frame,
        (
            Bounds(feature="margin", min=-1.0, max=1.0),
            Bounds(feature="revenue", min=0.01, max=None),
        ),
        (),
    )
    assert errors.is_empty(), errors.rows()


# log1p of [-3 (clipped to 0), 1, 3, 7, 15] is [0, 1, 2, 3, 4] x ln 2: the median is 2 ln 2,
# the absolute deviations are [2, 1, 0, 1, 2] x ln 2, so the MAD is ln 2.
VALUES = np.array([-3.0, 1.0, 3.0, 7.0, 15.0, np.nan])
LN2 = math.log(2.0)


def test_fit_takes_median_and_scaled_mad_of_log1p_values_ignoring_nulls():
    rule = StrategicRule.fit(VALUES, "revenue", 3.5, "Strategic accounts")
    assert rule.feature == "revenue" and rule.segment_name == "Strategic accounts"
    assert rule.center == pytest.approx(2 * LN2)
    assert rule.spread == pytest.approx(1.4826 * LN2)
    assert rule.min_robust_z == 3.5
    # 255 -> 8 ln 2: (8 - 2) / 1.4826 = 4.047; 63 -> 6 ln 2: 4 / 1.4826 = 2.698.
    np.testing.assert_allclose(
        rule.robust_z(np.array([255.0, 63.0, 3.0])), [6 / 1.4826, 4 / 1.4826, 0.0], atol=1e-12
    )
    assert rule.is_strategic(np.array([255.0, 63.0, 3.0])).tolist() == [True, False, False]


def test_the_threshold_is_strict_and_nulls_are_never_strategic():
    fitted = StrategicRule.fit(VALUES, "revenue", 3.5, "Strategic accounts")
    at_threshold = float(fitted.robust_z(np.array([255.0]))[0])
    rule = StrategicRule("revenue", fitted.center, fitted.spread, at_threshold, "S")
    assert rule.is_strategic(np.array([255.0, 256.0])).tolist() == [False, True]
    z = rule.robust_z(np.array([np.nan, 1e12]))
    assert np.isnan(z[0]) and z[1] > at_threshold
    assert rule.is_strategic(np.array([np.nan, 1e12])).tolist() == [False, True]


def test_zero_mad_falls_back_to_scaled_mean_absolute_deviation():
    # log1p: five times ln 2 and once ln 4: median ln 2, deviations [0] * 5 + [ln 2], MAD 0,
    # mean absolute deviation ln 2 / 6.
    rule = StrategicRule.fit(np.array([1.0, 1.0, 1.0, 1.0, 1.0, 3.0]), "revenue", 3.5, "S")
    assert rule.center == pytest.approx(LN2)
    assert rule.spread == pytest.approx(1.253314 * LN2 / 6)

    constant = StrategicRule.fit(np.array([5.0, 5.0, 5.0]), "revenue", 3.5, "S")
    assert (constant.center, constant.spread) == (pytest.approx(math.log(6.0)), 1.0)
    empty = StrategicRule.fit(np.array([np.nan, np.nan]), "revenue", 3.5, "S")
    assert (empty.center, empty.spread) == (0.0, 1.0)
    assert empty.is_strategic(np.array([np.nan])).tolist() == [False]
