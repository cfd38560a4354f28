"""The fitted model scores customers by hand-checkable rules: data errors out, strategic
customers to segment 0, everyone else to the nearest centroid, with exact explanations; its
JSON artifact scores identically.
"""

import json
import math
from dataclasses import replace

import numpy as np
import polars as pl
import pytest
from scipy.spatial.distance import cdist

from seg_assets.lib.segmentation.model import (
    ASSIGNMENT_SCHEMA,
    STRATEGIC_SEGMENT_ID,
    SegmentationModel,
    transform_features,
)
from seg_assets.lib.segmentation.screening import StrategicRule
from seg_assets.lib.segmentation.settings import Bounds, FeatureSpec

FEATURES = (
    FeatureSpec(
        feature="orders", transform="log", log_offset=1.0, weight=1.0, label="order frequency"
    ),
    FeatureSpec(
        feature="margin", transform="none", log_offset=1.0, weight=4.0, label="gross margin"
    ),
)
# Prepared space: x0 = (log(1 + orders) - 1) / 0.5, x1 = (margin - 0.3) / 0.1 * sqrt(4).
# Segment 1 sits at (-2, 0), segment 2 at (2, 0), segment 5 at (0, 4).
MODEL = SegmentationModel(
    version="2026-01-abcdef0123",
    features=FEATURES,
    scaling="standard",
    medians=np.array([1.0, 0.3]),
    center=np.array([1.0, 0.3]),
    scale=np.array([0.5, 0.1]),
    weights=np.array([1.0, 4.0]),
    segment_ids=np.array([1, 2, 5]),
    segment_names=("Rare buyers", "Frequent buyers", "High margin"),
    centroids=np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 4.0]]),
    data_errors=(
        Bounds(feature="revenue", min=0.0, max=None),
        Bounds(feature="margin", min=-1.0, max=1.0),
    ),
    strategic=StrategicRule(
        feature="revenue",
        center=math.log1p(100.0),
        spread=1.0,
        min_robust_z=3.0,
        segment_name="Strategic accounts",
    ),
    borderline_margin=0.1,
    top_features=2,
)


def orders_at(x0: float) -> float:
    """Order value whose prepared first coordinate is ``x0``: log(1 + o) = 1 + 0.5 x0."""
    return math.exp(1.0 + 0.5 * x0) - 1.0


FRAME = pl.DataFrame(
    {
        "customer_key": ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"],
        # c1 (-2, 0); c2 imputed orders (0, 4); c3 two data errors; c4 outside the log domain;
        # c5 strategic (z = log(1e6 + 1) - log(101) = 9.2); c6 (1.5, 0); c7 (0.1, 0);
        # c8 both features imputed (0, 0).
        "orders": [0.0, None, 1.0, -1.0, 1.0, orders_at(1.5), orders_at(0.1), None],
        "margin": [0.3, 0.5, 1.5, 0.3, 0.3, 0.3, 0.3, None],
        "revenue": [100.0, 100.0, -5.0, 100.0, 1e6, 100.0, None, 100.0],
    }
)


def by_key(frame: pl.DataFrame) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in frame.rows()}


def test_transform_features_logs_where_configured_and_leaves_nulls_nan():
    frame = pl.DataFrame(
        {"orders": [0.0, math.e - 1.0, None, -1.0], "returns": [0.0, -0.005, 0.99, -0.02]}
    )
    features = (
        FeatureSpec(feature="orders", transform="log", log_offset=1.0, weight=1.0, label="o"),
        FeatureSpec(feature="returns", transform="log", log_offset=0.01, weight=1.0, label="r"),
    )
    transformed = transform_features(frame, features)
    # log(0.01), log(0.005), log(1.0); at or below -offset becomes NaN instead of raising
    expected = np.array(
        [[0.0, math.log(0.01)], [1.0, math.log(0.005)], [np.nan, 0.0], [np.nan, np.nan]]
    )
    np.testing.assert_allclose(transformed, expected)
    plain = transform_features(
        frame,
        (FeatureSpec(feature="returns", transform="none", log_offset=1.0, weight=1.0, label="r"),),
    )
    np.testing.assert_array_equal(plain, [[0.0], [-0.005], [0.99], [-0.02]])


def test_prepare_imputes_training_medians_then_scales_and_weights():
    transformed = np.array([[0.0, 0.3], [np.nan, 0.5], [1.75, np.nan]])
    prepared, imputed = MODEL.prepare(transformed)
    # (0 - 1) / 0.5 = -2; (0.5 - 0.3) / 0.1 * 2 = 4; median 1.0 -> 0; 1.75 -> 1.5; 0.3 -> 0
    np.testing.assert_allclose(prepared, [[-2.0, 0.0], [0.0, 4.0], [1.5, 0.0]], atol=1e-12)
    np.testing.assert_array_equal(imputed, [[False, False], [True, False], [False, True]])


def test_score_assigns_excludes_and_sets_strategic_customers_apart():
    scored = MODEL.score(FRAME)
    assignments = scored.assignments
    assert assignments.schema == pl.Schema(ASSIGNMENT_SCHEMA)
    assert assignments.get_column("customer_key").to_list() == [
        "c1",
        "c2",
        "c5",
        "c6",
        "c7",
        "c8",
    ]
    rows = by_key(assignments.drop("confidence_margin"))
    # key: segment, name, kind, runner-up, borderline, imputed
    assert rows["c1"] == (1, "Rare buyers", "cluster", 2, False, None)
    # c2 sits on segment 5 and sqrt(20) from both others: the lower id is runner-up
    assert rows["c2"] == (5, "High margin", "cluster", 1, False, "orders")
    assert rows["c5"] == (0, "Strategic accounts", "strategic", None, False, None)
    assert rows["c6"] == (2, "Frequent buyers", "cluster", 1, False, None)
    assert rows["c7"] == (2, "Frequent buyers", "cluster", 1, True, None)
    assert rows["c8"] == (1, "Rare buyers", "cluster", 2, True, "orders, margin")

    margins = dict(assignments.select("customer_key", "confidence_margin").iter_rows())
    # (d2 - d1) / (d2 + d1): c1 (4 - 0) / 4, c2 (sqrt 20 - 0) / sqrt 20,
    # c6 (3.5 - 0.5) / 4, c7 (2.1 - 1.9) / 4, c8 2 and 2 -> 0; strategic is 1
    assert margins == pytest.approx(
        {
            "c1": 1.0,
            "c2": 1.0,
            "c5": 1.0,
            "c6": 0.75,
            "c7": 0.05,
            "c8": 0.0,
        }
    )
    # The clustered rows are those neither excluded nor strategic, in frame order.
    np.testing.assert_array_equal(scored.clustered, [0, 1, 5, 6, 7])
    np.testing.assert_allclose(
        scored.prepared, [[-2.0, 0.0], [0.0, 4.0], [1.5, 0.0], [0.1, 0.0], [0.0, 0.0]], atol=1e-9
    )


def test_every_broken_rule_is_one_excluded_row_with_the_customer_key():
    excluded = MODEL.score(FRAME).excluded
    assert excluded.columns == ["customer_key", "feature", "value", "reason"]
    assert excluded.rows() == [
        ("c3", "revenue", -5.0, "revenue below the minimum 0"),
        ("c3", "margin", 1.5, "margin above the maximum 1"),
        ("c4", "orders", -1.0, "orders at or below -1, outside the log transform's domain"),
    ]


def test_a_data_error_wins_over_strategic_and_nulls_are_never_strategic():
    frame = pl.DataFrame(
        {
            "customer_key": ["big_but_broken", "no_revenue"],
            "orders": [0.0, 0.0],
            "margin": [5.0, 0.3],
            "revenue": [1e9, None],
        }
    )
    scored = MODEL.score(frame)
    assert scored.excluded.get_column("customer_key").to_list() == ["big_but_broken"]
    assert scored.assignments.rows() == [
        ("no_revenue", 1, "Rare buyers", "cluster", 2, 1.0, False, None)
    ]


def test_explanations_list_positive_contributions_that_add_up_to_the_distance_gap():
    scored = MODEL.score(FRAME)
    explanations = scored.explanations
    assert explanations.columns == [
        "customer_key",
        "rank",
        "feature",
        "contribution",
        "share_of_margin",
    ]
    # c1: orders (-2 - 2)^2 - 0 = 16. c2: margin 16 - 0, orders (0 + 2)^2 - 0 = 4.
    # c6: orders (1.5 + 2)^2 - (1.5 - 2)^2 = 12. c7: orders 2.1^2 - 1.9^2 = 0.8.
    # c8 is halfway between its two nearest segments: nothing pulls it, no driver.
    expected = [
        ("c1", 1, "orders", 16.0, 1.0),
        ("c2", 1, "margin", 16.0, 0.8),
        ("c2", 2, "orders", 4.0, 0.2),
        ("c6", 1, "orders", 12.0, 1.0),
        ("c7", 1, "orders", 0.8, 1.0),
    ]
    assert explanations.height == len(expected)
    for row, want in zip(explanations.rows(), expected, strict=True):
        assert row[:3] == want[:3]
        assert row[3:] == pytest.approx(want[3:])

    # The listed contributions add up to d_runner_up^2 - d_assigned^2 (none is negative here).
    assignments = scored.assignments.filter(pl.col("segment_kind") == "cluster")
    distances = cdist(scored.prepared, MODEL.centroids)
    column = {1: 0, 2: 1, 5: 2}
    clustered_keys = FRAME.get_column("customer_key").gather(scored.clustered).to_list()
    sums = dict(explanations.group_by("customer_key").agg(pl.col("contribution").sum()).rows())
    for position, key in enumerate(clustered_keys):
        segment, runner_up = (
            assignments.filter(pl.col("customer_key") == key)
            .select("segment_id", "runner_up_segment_id")
            .row(0)
        )
        gap = (
            distances[position, column[runner_up]] ** 2 - distances[position, column[segment]] ** 2
        )
        assert sums.get(key, 0.0) == pytest.approx(gap, abs=1e-9)


def test_explanations_list_at_most_top_features_per_customer():
    scored = replace(MODEL, top_features=1).score(FRAME)
    assert scored.explanations.group_by("customer_key").len().get_column("len").max() == 1
    assert scored.explanations.filter(pl.col("customer_key") == "c2").rows() == [
        ("c2", 1, "margin", pytest.approx(16.0), pytest.approx(0.8))
    ]


def test_json_round_trip_scores_identically():
    text = MODEL.to_json()
    restored = SegmentationModel.from_json(text)
    assert restored.to_json() == text
    assert restored.version == MODEL.version
    assert restored.features == MODEL.features
    assert restored.data_errors == MODEL.data_errors
    assert restored.strategic == MODEL.strategic
    np.testing.assert_array_equal(restored.centroids, MODEL.centroids)
    before, after = MODEL.score(FRAME), restored.score(FRAME)
    assert after.assignments.equals(before.assignments)
    assert after.excluded.equals(before.excluded)
    assert after.explanations.equals(before.explanations)

    plain = replace(MODEL, strategic=None, data_errors=())
    restored_plain = SegmentationModel.from_json(plain.to_json())
    assert restored_plain.strategic is None and restored_plain.data_errors == ()
    assert restored_plain.score(FRAME).assignments.equals(plain.score(FRAME).assignments)


def test_from_json_refuses_an_unknown_format():
    document = json.loads(MODEL.to_json())
    document["format"] = 2
    with pytest.raises(ValueError, match="format 2 is not 1"):
        SegmentationModel.from_json(json.dumps(document))
    del document["format"]
    with pytest.raises(ValueError, match="format None"):
        SegmentationModel.from_json(json.dumps(document))


def test_without_a_strategic_rule_the_largest_customer_is_clustered():
    scored = replace(MODEL, strategic=None).score(FRAME)
    c5 = scored.assignments.filter(pl.col("customer_key") == "c5")
    # orders 1 -> log 2 -> x0 = (0.693 - 1) / 0.5 = -0.61, margin 0.3 -> 0: nearest segment 1
    assert c5.select("segment_id", "segment_kind").row(0) == (1, "cluster")
    assert (scored.assignments.get_column("segment_kind") == "cluster").all()
    assert STRATEGIC_SEGMENT_ID not in replace(MODEL, strategic=None).names_by_id


def test_names_by_id_and_source_columns():
    assert MODEL.names_by_id == {
        1: "Rare buyers",
        2: "Frequent buyers",
        5: "High margin",
        0: "Strategic accounts",
    }
    # features, then bounded columns, then the strategic feature, each once
    assert MODEL.source_columns == ("orders", "margin", "revenue")
    other = replace(MODEL, data_errors=(Bounds(feature="days_late", min=None, max=730),))
    assert other.source_columns == ("orders", "margin", "days_late", "revenue")


def test_centroids_in_space_of_another_model_keep_their_raw_position():
    other = replace(
        MODEL,
        center=np.array([0.0, 0.0]),
        scale=np.array([1.0, 1.0]),
        weights=np.array([1.0, 1.0]),
    )
    # raw = centroid / sqrt(w) * scale + center: (-2, 0) -> (0, 0.3); (2, 0) -> (2, 0.3);
    # (0, 4) -> (1, 0.5)
    np.testing.assert_allclose(MODEL.raw_centroids(), [[0.0, 0.3], [2.0, 0.3], [1.0, 0.5]])
    np.testing.assert_allclose(
        MODEL.centroids_in_space_of(other), [[0.0, 0.3], [2.0, 0.3], [1.0, 0.5]]
    )
    # Into its own space, a model's centroids come back unchanged.
    np.testing.assert_allclose(MODEL.centroids_in_space_of(MODEL), MODEL.centroids, atol=1e-12)
    # A zero-weight feature contributes nothing in the other space.
    dropped = replace(other, weights=np.array([1.0, 0.0]))
    np.testing.assert_allclose(MODEL.centroids_in_space_of(dropped)[:, 1], 0.0)
