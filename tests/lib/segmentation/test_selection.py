"""Model selection on three separated blobs: k=3 chosen, every candidate reported, rules kept."""

import numpy as np
import pytest

from seg_assets.lib.segmentation.selection import (
    canonical_labels,
    fit_labels,
    knee_point,
    select_model,
)


def test_three_blobs_give_three_segments_and_every_candidate_is_reported(blobs):
    features, truth = blobs
    selection = select_model(features, min_segments=2, max_segments=6, min_cluster_sizes=(8, 15))
    assert selection.chosen.n_segments == 3
    assert selection.chosen.name == "kmeans(k=3)"
    assert selection.elbow_segments == 3
    assert selection.meets_constraints
    assert "silhouette" in selection.reason and "kmeans(k=3)" in selection.reason
    np.testing.assert_array_equal(selection.chosen.labels, canonical_labels(truth))

    names = [c.name for c in selection.candidates]
    assert names == [
        *(f"kmeans(k={k})" for k in range(2, 7)),
        *(f"ward(k={k})" for k in range(2, 7)),
        "hdbscan(min_cluster_size=8)",
        "hdbscan(min_cluster_size=15)",
    ]
    table = selection.metrics()
    assert table.height == len(names)
    assert table["chosen"].sum() == 1
    for column in ("inertia", "silhouette", "davies_bouldin"):
        assert table[column].is_not_null().all() and table[column].is_finite().all()
    kmeans = table.filter(table["algorithm"] == "kmeans")
    assert kmeans["inertia"].is_sorted(descending=True)
    assert kmeans["silhouette"].arg_max() == 1  # k=3
    assert kmeans["davies_bouldin"].arg_min() == 1


def test_segment_range_is_respected(blobs):
    features, _ = blobs
    at_most_two = select_model(features, min_segments=2, max_segments=2, algorithms=("kmeans",))
    assert at_most_two.chosen.n_segments == 2
    assert [c.parameter for c in at_most_two.candidates] == [2]
    at_least_four = select_model(features, 4, 6, algorithms=("kmeans", "ward", "hdbscan"))
    assert at_least_four.chosen.n_segments >= 4
    hdbscan = [c for c in at_least_four.candidates if c.algorithm == "hdbscan"]
    assert hdbscan and all("outside [4, 6]" in c.rejection for c in hdbscan)


def test_minimum_share_of_volume_rules_out_a_tiny_segment(blobs):
    features, truth = blobs
    volume = np.where(truth == 2, 0.01, 1.0)  # third blob holds 0.5% of volume
    selection = select_model(features, 2, 5, algorithms=("kmeans",), volume=volume)
    by_k = {c.parameter: c for c in selection.candidates}
    assert "smallest segment holds" in by_k[3].rejection
    assert selection.chosen.smallest_share >= 0.05
    assert selection.chosen.n_segments == 2
    assert selection.meets_constraints


def test_when_nothing_is_eligible_the_best_is_returned_and_flagged(blobs):
    features, _ = blobs
    selection = select_model(features, 2, 4, algorithms=("kmeans",), min_share=0.5)
    assert not selection.meets_constraints
    assert selection.chosen.n_segments == 3
    assert "merged" in selection.reason


def test_knee_by_maximum_distance_to_the_chord():
    # normalised: 1 - x - y = 0, .388, .457, .229, 0 -> knee at 3
    assert knee_point([1, 2, 3, 4, 5], [100.0, 40.0, 10.0, 8.0, 6.0]) == 3
    assert knee_point([2, 3], [10.0, 5.0]) is None


def test_canonical_labels_put_the_largest_segment_first():
    np.testing.assert_array_equal(
        canonical_labels(np.array([5, 9, 9, -1, 5, 9])), [1, 0, 0, -1, 1, 0]
    )


def test_same_seed_same_selection(blobs):
    features, _ = blobs
    noisy = features + np.random.default_rng(3).normal(0, 3.0, size=features.shape)
    first = select_model(noisy, 2, 6, silhouette_sample_size=100, random_state=11)
    second = select_model(noisy, 2, 6, silhouette_sample_size=100, random_state=11)
    assert first.reason == second.reason
    assert first.metrics().equals(second.metrics())
    for a, b in zip(first.candidates, second.candidates, strict=True):
        np.testing.assert_array_equal(a.labels, b.labels)


def test_unknown_algorithm_is_refused(blobs):
    with pytest.raises(ValueError, match="unknown algorithm"):
        fit_labels(blobs[0], "spectral", 3)  # type: ignore[arg-type]
