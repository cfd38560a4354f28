"""Exact per-feature attribution of nearest-centroid choices, top drivers, surrogate rules."""

import numpy as np
import polars as pl
import pytest
from conftest import make_blobs

from seg_assets.lib.segmentation.confidence import membership_confidence
from seg_assets.lib.segmentation.explanations import (
    contrast_contributions,
    surrogate_rules,
    top_drivers,
)


def rows_matching(conditions: str, features: np.ndarray, names: list[str]) -> np.ndarray:
    """Rows satisfying a rule's conditions string, parsed back and evaluated with numpy."""
    matching = np.ones(len(features), dtype=bool)
    if conditions == "all customers":
        return matching
    for condition in conditions.split(" and "):
        name, operator, threshold = condition.split(" ")
        column = features[:, names.index(name)]
        assert operator in ("<=", ">")
        matching &= column <= float(threshold) if operator == "<=" else column > float(threshold)
    return matching


def test_contributions_add_up_to_the_squared_distance_gap():
    rng = np.random.default_rng(11)
    features = rng.normal(size=(60, 4))
    centroids = rng.normal(size=(5, 4))
    membership = membership_confidence(features, centroids)
    contributions = contrast_contributions(
        features, centroids, membership.segment, membership.runner_up
    )
    assert contributions.shape == (60, 4)
    gap = membership.runner_up_distance**2 - membership.nearest_distance**2
    np.testing.assert_allclose(contributions.sum(axis=1), gap)
    assert (contributions.sum(axis=1) >= 0).all()
    # Some single features pull towards the runner-up: the attribution is signed.
    assert (contributions < 0).any()


def test_contributions_by_hand():
    features = np.array([[1.0, 2.0], [3.0, 3.0]])
    centroids = np.array([[0.0, 0.0], [4.0, 1.0]])
    contributions = contrast_contributions(features, centroids, np.array([0, 1]), np.array([1, 1]))
    # row 0, a = (0, 0), b = (4, 1): (1-4)^2 - (1-0)^2 = 8 and (2-1)^2 - (2-0)^2 = -3;
    # 8 - 3 = 5 = d_b^2 (9 + 1) - d_a^2 (1 + 4). Row 1 has its segment as runner-up.
    np.testing.assert_allclose(contributions, [[8.0, -3.0], [0.0, 0.0]])


def test_top_drivers_rank_positive_contributions_with_their_share():
    contributions = np.array(
        [
            [8.0, -3.0, 0.0, 2.0],
            [0.0, 0.0, 0.0, 0.0],
            [1.0, 1.0, 3.0, 0.0],
            [2.0, -2.0, 0.0, 0.0],
        ]
    )
    drivers = top_drivers(contributions, ["a", "b", "c", "d"], top_n=2)
    assert drivers.schema == pl.Schema(
        {
            "row": pl.Int64,
            "rank": pl.Int64,
            "feature": pl.String,
            "contribution": pl.Float64,
            "share_of_margin": pl.Float64,
        }
    )
    assert drivers.select("row", "rank", "feature", "contribution").rows() == [
        (0, 1, "a", 8.0),
        (0, 2, "d", 2.0),
        (2, 1, "c", 3.0),
        (2, 2, "a", 1.0),  # a and b tie at 1: feature order decides
        (3, 1, "a", 2.0),
    ]
    # row totals: 7, 5 and 0 (no share of a zero margin)
    assert drivers["share_of_margin"].to_list() == pytest.approx([8 / 7, 2 / 7, 0.6, 0.2, None])


def test_top_drivers_never_lists_non_positive_contributions():
    drivers = top_drivers(np.array([[8.0, -3.0, 0.0, 2.0]]), ["a", "b", "c", "d"], top_n=4)
    assert drivers["feature"].to_list() == ["a", "d"]
    empty = top_drivers(np.zeros((3, 2)), ["a", "b"])
    assert empty.height == 0 and empty.columns == drivers.columns


def test_surrogate_rules_describe_separated_blobs():
    features, truth = make_blobs()
    labels = np.array([4, 9, 2])[truth]  # ids need not be 0 .. k-1
    names = ["orders_per_active_month", "avg_line_units"]
    surrogate = surrogate_rules(features, names, labels)
    rules = surrogate.rules
    assert surrogate.fidelity >= 0.95
    assert set(rules["segment"]) == {2, 4, 9}
    assert rules["rule_id"].to_list() == list(range(1, rules.height + 1))
    assert rules["customers"].sum() == len(features)
    covered = np.zeros(len(features), dtype=int)
    for rule in rules.iter_rows(named=True):
        matching = rows_matching(rule["conditions"], features, names)
        covered += matching
        assert matching.sum() == rule["customers"], rule["conditions"]
        hits = np.sum(labels[matching] == rule["segment"])
        assert rule["precision"] == pytest.approx(hits / matching.sum())
        assert rule["segment_recall"] == pytest.approx(hits / np.sum(labels == rule["segment"]))
    # the leaves partition the rows
    assert (covered == 1).all()


def test_repeated_bounds_on_a_feature_collapse_to_the_tightest():
    # x = 0 (10 rows), 1 (10 rows), 2 (40 rows): the root splits at 1.5, its left child at 0.5
    x = np.repeat([0.0, 1.0, 2.0], [10, 10, 40])
    features = np.column_stack([x, np.full(len(x), 7.0)])
    labels = np.repeat([0, 1, 2], [10, 10, 40])
    surrogate = surrogate_rules(features, ["x", "flat"], labels, max_depth=2, min_samples_leaf=5)
    assert surrogate.rules.rows() == [
        (1, 0, "x <= 0.5", 10, 1.0, 1.0),
        (2, 1, "x <= 1.5 and x > 0.5", 10, 1.0, 1.0),
        (3, 2, "x > 1.5", 40, 1.0, 1.0),
    ]
    assert surrogate.fidelity == 1.0


def test_depth_one_tree_is_one_threshold_both_ways(blobs):
    features, labels = blobs
    rules = surrogate_rules(features, ["f0", "f1"], labels, max_depth=1).rules
    assert rules.height == 2
    left, right = (conditions.split(" ") for conditions in rules["conditions"])
    assert left[1] == "<=" and right[1] == ">"
    assert left[0] == right[0] and left[2] == right[2]


def test_a_single_segment_is_all_customers():
    features, _ = make_blobs()
    surrogate = surrogate_rules(features, ["f0", "f1"], np.full(len(features), 3))
    assert surrogate.rules.rows() == [(1, 3, "all customers", len(features), 1.0, 1.0)]
    assert surrogate.fidelity == 1.0


def test_same_seed_same_rules():
    features, truth = make_blobs(seed=3, spread=3.0)  # overlapping, so the tree has choices
    first = surrogate_rules(features, ["f0", "f1"], truth, max_depth=4, min_samples_leaf=5)
    second = surrogate_rules(features, ["f0", "f1"], truth, max_depth=4, min_samples_leaf=5)
    assert first.rules.equals(second.rules)
    assert first.fidelity == second.fidelity
    assert first.rules.height > 3
