"""Scaling, feature weights, null imputation and the robust-z outlier split, on paper-sized data."""

import numpy as np
import polars as pl
import pytest

from seg_assets.lib.segmentation.preparation import (
    FeatureMatrixError,
    apply_scaler,
    feature_weight_vector,
    impute_median,
    prepare_features,
    robust_z,
    scale_features,
    split_outliers,
    weight_features,
)

# mean 5, population std 2; median 4.5, q25 4, q75 5.5 (linear interpolation), IQR 1.5
TEXTBOOK = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]


def test_standard_scaling_uses_mean_and_population_std():
    frame = pl.DataFrame({"order_frequency": TEXTBOOK})
    scaled, scaler = scale_features(frame, "standard")
    np.testing.assert_allclose(scaled[:, 0], [-1.5, -0.5, -0.5, -0.5, 0.0, 0.0, 1.0, 2.0])
    assert scaler.feature_names == ("order_frequency",)
    np.testing.assert_allclose([scaler.center[0], scaler.scale[0]], [5.0, 2.0])


def test_robust_scaling_uses_median_and_iqr():
    scaled, scaler = scale_features(np.array(TEXTBOOK)[:, None], "robust")
    expected = (np.array(TEXTBOOK) - 4.5) / 1.5
    np.testing.assert_allclose(scaled[:, 0], expected)
    np.testing.assert_allclose([scaler.center[0], scaler.scale[0]], [4.5, 1.5])


def test_a_constant_feature_scales_to_zero_and_params_replay_on_new_rows():
    matrix = np.column_stack([TEXTBOOK, np.full(8, 3.0)])
    scaled, scaler = scale_features(matrix, "robust", columns=["revenue", "dso"])
    assert np.all(scaled[:, 1] == 0.0)
    np.testing.assert_allclose(apply_scaler(np.array([[6.0, 4.0]]), scaler), [[1.0, 1.0]])


def test_unknown_method_and_missing_columns_are_refused():
    with pytest.raises(ValueError, match="unknown scaling method"):
        scale_features(np.ones((3, 1)), "minmax")  # type: ignore[arg-type]
    with pytest.raises(FeatureMatrixError, match="dso"):
        scale_features(pl.DataFrame({"revenue": [1.0]}), columns=["dso"])


def test_weight_two_doubles_a_features_share_of_squared_distance():
    a, b = np.array([[0.0, 0.0]]), np.array([[1.0, 1.0]])
    weights = [2.0, 1.0]
    weighted_a, weighted_b = weight_features(a, weights), weight_features(b, weights)
    squared = float(((weighted_a - weighted_b) ** 2).sum())
    assert squared == pytest.approx(2.0 * 1.0 + 1.0 * 1.0)
    dropped = weight_features(b, [0.0, 1.0]) - weight_features(a, [0.0, 1.0])
    assert float((dropped**2).sum()) == pytest.approx(1.0)


def test_weights_by_name_default_to_one_and_unknown_names_fail():
    names = ("revenue", "dso", "returns_rate")
    np.testing.assert_allclose(feature_weight_vector({"dso": 3.0}, names), [1.0, 3.0, 1.0])
    with pytest.raises(FeatureMatrixError, match="margin"):
        feature_weight_vector({"margin": 2.0}, names)
    with pytest.raises(FeatureMatrixError, match=">= 0"):
        feature_weight_vector([1.0, -1.0, 1.0], names)


def test_nulls_are_imputed_with_the_median_and_reported():
    frame = pl.DataFrame({"revenue": [1.0, None, 3.0, 10.0], "dso": [5, 6, None, 8]})
    prepared = prepare_features(frame, method="standard")
    imputation = prepared.imputation
    np.testing.assert_allclose(imputation.medians, [3.0, 6.0])
    np.testing.assert_allclose(imputation.values, [[1, 5], [3, 6], [3, 6], [10, 8]])
    np.testing.assert_array_equal(imputation.imputed_rows, [1, 2])
    assert imputation.imputed[1, 0] and imputation.imputed[2, 1]
    assert imputation.imputed.sum() == 2
    assert not np.isnan(prepared.matrix).any()


def test_an_all_null_column_is_filled_with_zero():
    imputation = impute_median(np.array([[np.nan, 1.0], [np.nan, 2.0]]))
    np.testing.assert_allclose(imputation.values[:, 0], [0.0, 0.0])


def test_prepare_features_weights_after_scaling():
    frame = pl.DataFrame({"a": TEXTBOOK, "b": TEXTBOOK})
    prepared = prepare_features(frame, method="standard", weights={"b": 4.0})
    np.testing.assert_allclose(prepared.matrix[:, 1], 2.0 * prepared.matrix[:, 0])


def test_outliers_are_flagged_by_robust_z():
    # median 10, MAD 1 -> z = (x - 10) / 1.4826; 50 is ~27 sigma, 12 is ~1.35
    volume = [10.0, 11.0, 9.0, 10.0, 12.0, 8.0, 10.0, 50.0]
    steady = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    split = split_outliers(np.column_stack([volume, steady]), z_threshold=3.5)
    assert split.robust_z[7, 0] == pytest.approx(40.0 / 1.4826)
    assert split.robust_z[4, 0] == pytest.approx(2.0 / 1.4826)
    np.testing.assert_array_equal(split.outlier_rows, [7])
    np.testing.assert_array_equal(split.inlier_rows, [0, 1, 2, 3, 4, 5, 6])
    assert split.extreme_features[7].tolist() == [True, False]
    assert not split_outliers(np.column_stack([volume, steady]), min_features=2).is_outlier.any()


def test_robust_z_falls_back_to_mean_absolute_deviation_and_ignores_scaling():
    column = np.array([[5.0], [5.0], [5.0], [5.0], [5.0], [6.0]])
    # MAD is 0; mean absolute deviation 1/6 -> z = 1 / (1.253314 / 6)
    assert robust_z(column)[5, 0] == pytest.approx(6.0 / 1.253314)
    np.testing.assert_allclose(robust_z(column * 7.0 + 3.0), robust_z(column))
    assert np.all(robust_z(np.full((4, 1), 2.0)) == 0.0)
