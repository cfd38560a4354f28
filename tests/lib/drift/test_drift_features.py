"""Per-feature PSI/KS and per-column Jensen-Shannon frames, against hand-worked values."""

import math

import numpy as np
import polars as pl
import pytest

from seg_assets.lib.drift.features import categorical_drift, feature_drift

NAN = float("nan")
REFERENCE = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [4.0, 5.0]])


def test_feature_drift_by_hand():
    # orders: reference [1, 2, 3, 4] vs [1, 2, 3] with bins=2 -> PSI ln(2) / 6 (see
    # test_drift_statistics.test_psi_by_hand); ECDF gaps at 1, 2, 3: 1/12, 1/6, 1/4 -> KS 1/4.
    # lines: constant 5 on both sides -> PSI 0, KS 0.
    current = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    drift = feature_drift(REFERENCE, current, ["orders", "lines"], bins=2)
    assert drift.schema == pl.Schema({"feature": pl.String, "psi": pl.Float64, "ks": pl.Float64})
    assert drift["feature"].to_list() == ["orders", "lines"]
    assert drift["psi"].to_list() == pytest.approx([math.log(2) / 6, 0.0])
    assert drift["ks"].to_list() == pytest.approx([0.25, 0.0])


def test_feature_drift_of_a_one_row_month():
    # orders: [5] above reference max 4: PSI 2 (0.5 - 1e-4) ln 5000 + (1 - 1e-4) ln 1e4
    #   = 17.724909; KS at 4 is 1 vs 0 = 1.
    # lines: constant 5 -> [6]: PSI 2 (1 - 1e-4) ln 1e4 = 18.418839; KS at 5 is 1 vs 0 = 1.
    drift = feature_drift(REFERENCE, np.array([[5.0, 6.0]]), ["orders", "lines"], bins=2)
    assert drift["psi"].to_list() == pytest.approx(
        [
            2 * (0.5 - 1e-4) * math.log(5000) + (1 - 1e-4) * math.log(1e4),
            2 * (1 - 1e-4) * math.log(1e4),
        ]
    )
    assert drift["ks"].to_list() == pytest.approx([1.0, 1.0])


def test_feature_drift_without_values_is_null():
    # lines is all NaN this month: nothing to compare, null (DuckDB sorts NaN above numbers).
    current = np.array([[1.0, NAN], [2.0, NAN], [3.0, NAN]])
    drift = feature_drift(REFERENCE, current, ["orders", "lines"], bins=2)
    assert drift.row(1) == ("lines", None, None)


def test_feature_drift_rejects_a_matrix_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"current must be a matrix .* got shape \(2,\)"):
        feature_drift(REFERENCE, np.array([1.0, 5.0]), ["orders", "lines"])
    with pytest.raises(ValueError, match=r"reference must be a matrix .*3 columns"):
        feature_drift(REFERENCE, REFERENCE, ["orders", "lines", "weight"])


def test_categorical_drift_by_hand():
    # channel: p = (web 1, shop 0), q = (1/2, 1/2) -> sqrt(3/2 - 3/4 log2 3) = 0.557923.
    # region: {n, None} vs {s}: disjoint -> 1.
    reference = pl.DataFrame({"channel": ["web", "web"], "region": ["n", None]})
    current = pl.DataFrame({"channel": ["web", "shop"], "region": ["s", "s"]})
    drift = categorical_drift(reference, current, ["channel", "region"])
    assert drift.schema == pl.Schema({"feature": pl.String, "js": pl.Float64})
    assert drift["feature"].to_list() == ["channel", "region"]
    assert drift["js"].to_list() == pytest.approx([math.sqrt(1.5 - 0.75 * math.log2(3)), 1.0])


def test_categorical_drift_of_an_empty_month_is_null():
    reference = pl.DataFrame({"channel": ["web"]})
    current = pl.DataFrame({"channel": []}, schema={"channel": pl.String})
    assert categorical_drift(reference, current, ["channel"])["js"].to_list() == [None]


def test_categorical_drift_names_a_missing_column():
    reference = pl.DataFrame({"channel": ["web"], "region": ["n"]})
    current = pl.DataFrame({"channel": ["web"]})
    with pytest.raises(ValueError, match=r"current frame lacks categorical column.*region"):
        categorical_drift(reference, current, ["channel", "region"])
