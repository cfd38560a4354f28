"""Hungarian alignment keeps segment ids across runs, including a new and a retired segment."""

import numpy as np
import pytest

from seg_assets.lib.segmentation.alignment import align_centroids, align_labels
from seg_assets.lib.segmentation.geometry import segment_centroids

PREVIOUS = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])


def test_permuted_labels_are_mapped_back(blobs):
    features, truth = blobs
    permuted = np.array([2, 0, 1])[truth]
    _, previous = segment_centroids(features, truth)
    aligned, alignment = align_labels(features, permuted, previous)
    np.testing.assert_array_equal(aligned, truth)
    assert alignment.mapping == {0: 1, 1: 2, 2: 0}
    assert alignment.new_ids == () and alignment.retired_ids == ()


def test_three_to_four_segments_gets_a_fresh_id():
    new = np.array([[0.0, 10.2], [10.0, 10.0], [0.1, 0.0], [9.9, 0.1]])
    alignment = align_centroids(new, PREVIOUS, previous_ids=[5, 6, 7])
    assert alignment.mapping == {0: 7, 1: 8, 2: 5, 3: 6}
    assert alignment.new_ids == (8,)
    assert alignment.retired_ids == ()
    assert alignment.matched[5] == pytest.approx(0.1)


def test_four_to_three_retires_the_unmatched_id_and_far_matches_are_refused():
    previous = np.vstack([PREVIOUS, [[10.0, 10.0]]])
    alignment = align_centroids(PREVIOUS[[2, 0, 1]], previous)
    assert alignment.mapping == {0: 2, 1: 0, 2: 1}
    assert alignment.retired_ids == (3,)

    moved = np.array([[0.0, 0.0], [10.0, 0.0], [30.0, 30.0]])
    far = align_centroids(moved, PREVIOUS, max_distance=5.0, next_id=12)
    assert far.mapping == {0: 0, 1: 1, 2: 12}
    assert far.new_ids == (12,) and far.retired_ids == (2,)


def test_noise_stays_noise_when_relabelled():
    alignment = align_centroids(PREVIOUS[[1, 0]], PREVIOUS[:2])
    np.testing.assert_array_equal(alignment.relabel(np.array([0, -1, 1])), [1, -1, 0])
