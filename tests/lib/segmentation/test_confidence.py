"""Membership margin (d2 - d1) / (d2 + d1) and the borderline flag on points placed by hand."""

import numpy as np
import pytest

from seg_assets.lib.segmentation.confidence import membership_confidence, normalised_margin

CENTROIDS = np.array([[0.0, 0.0], [10.0, 0.0]])


def test_margin_on_a_line_between_two_centroids():
    points = np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 0.0], [4.6, 0.0], [5.0, 0.0], [8.0, 0.0]])
    membership = membership_confidence(points, CENTROIDS, ids=np.array([3, 7]))
    # d1, d2: (0, 10) (2, 8) (4, 6) (4.6, 5.4) (5, 5) (2, 8)
    np.testing.assert_allclose(membership.margin, [1.0, 0.6, 0.2, 0.08, 0.0, 0.6])
    np.testing.assert_array_equal(membership.segment, [3, 3, 3, 3, 3, 7])
    np.testing.assert_array_equal(membership.runner_up, [7, 7, 7, 7, 7, 3])
    np.testing.assert_allclose(membership.nearest_distance, [0, 2, 4, 4.6, 5, 2])
    assert membership.borderline.tolist() == [False, False, False, True, True, False]


def test_threshold_moves_the_borderline():
    points = np.array([[4.0, 0.0]])
    assert membership_confidence(points, CENTROIDS, borderline_threshold=0.25).borderline[0]
    assert not membership_confidence(points, CENTROIDS, borderline_threshold=0.2).borderline[0]


def test_degenerate_cases():
    assert normalised_margin(np.array([0.0]), np.array([0.0]))[0] == 0.0
    single = membership_confidence(np.array([[3.0, 4.0]]), CENTROIDS[:1])
    assert single.margin[0] == pytest.approx(1.0)
    assert single.nearest_distance[0] == pytest.approx(5.0)
