"""Segment names from centroid z-profiles: order, sign, cut-off, collisions and kept names."""

import numpy as np

from seg_assets.lib.segmentation.naming import profile_z_scores, segment_names

LABELS = ["order frequency", "line size", "tenure"]


def test_terms_by_distinctiveness_with_their_sign():
    names = segment_names(np.array([[1.2, -2.0, 0.1], [0.0, 0.3, 0.9]]), LABELS, [4, 7])
    assert names == {4: "Low line size, high order frequency", 7: "High tenure"}


def test_ties_follow_feature_order_and_max_terms_caps_the_name():
    profile = np.array([[-1.0, 1.0, 1.0]])
    assert segment_names(profile, LABELS, [0]) == {0: "Low order frequency, high line size"}
    assert segment_names(profile, LABELS, [0], max_terms=3) == {
        0: "Low order frequency, high line size, high tenure"
    }
    assert segment_names(profile, LABELS, [0], max_terms=1) == {0: "Low order frequency"}


def test_min_abs_z_cut_and_typical_customers():
    profile = np.array([[0.6, -0.4, 0.0]])
    assert segment_names(profile, LABELS, [1]) == {1: "High order frequency"}
    assert segment_names(profile, LABELS, [1], min_abs_z=0.4) == {
        1: "High order frequency, low line size"
    }
    assert segment_names(profile, LABELS, [1], min_abs_z=0.7) == {1: "Typical customers"}


def test_labels_keep_their_own_capitals():
    names = segment_names(np.array([[-1.0]]), ["SKU count"], [0])
    assert names == {0: "Low SKU count"}
    names = segment_names(np.array([[1.0]]), ["SKU count"], [0])
    assert names == {0: "High SKU count"}


def test_collisions_grow_one_term_at_a_time():
    profile = np.array(
        [
            [2.0, 1.0, 0.6],  # High order frequency, high line size, high tenure
            [2.0, 1.0, -0.6],  # High order frequency, high line size, low tenure
            [2.0, -1.0, 0.0],  # High order frequency, low line size
            [0.0, 0.0, 3.0],  # High tenure
        ]
    )
    names = segment_names(profile, LABELS, [0, 1, 2, 3], max_terms=1)
    assert names == {
        0: "High order frequency, high line size, high tenure",
        1: "High order frequency, high line size, low tenure",
        2: "High order frequency, low line size",
        3: "High tenure",
    }


def test_collisions_that_cannot_grow_get_the_segment_id():
    profile = np.array([[2.0, 0.0, 0.0], [2.0, 0.0, 0.0], [2.0, 0.9, 0.0], [0.1, 0, 0], [0, 0, 0]])
    names = segment_names(profile, LABELS, [3, 8, 9, 10, 11], max_terms=1)
    assert names == {
        3: "High order frequency (segment 3)",
        8: "High order frequency (segment 8)",
        9: "High order frequency, high line size",
        10: "Typical customers (segment 10)",
        11: "Typical customers (segment 11)",
    }


def test_kept_names_stay_and_are_not_reused():
    profile = np.array([[2.0, 1.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
    keep = {5: "High order frequency", 6: "Big spenders", 99: "Low tenure"}
    names = segment_names(profile, LABELS, [5, 6, 7, 8], keep=keep, max_terms=1)
    assert names == {
        5: "High order frequency",  # kept even though it collides with segment 6's profile
        6: "Big spenders",
        7: "Low tenure (segment 7)",  # 99 is retired but its name stays reserved
        8: "Typical customers",
    }
    grown = segment_names(profile[:2], LABELS, [5, 6], keep={5: "High order frequency"})
    assert grown == {5: "High order frequency", 6: "High order frequency, high line size"}
    grown = segment_names(
        profile[:2], LABELS, [5, 6], keep={5: "High order frequency"}, max_terms=1
    )
    assert grown == {5: "High order frequency", 6: "High order frequency, high line size"}


def test_profile_z_scores_by_hand_with_a_constant_column():
    population = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]])
    centroids = np.array([[5.0, 5.0], [1.0, 7.0], [3.0, 4.0]])
    # mean (3, 5); population std of column 0 = sqrt((4 + 0 + 4) / 3) = 1.63299; column 1 flat
    np.testing.assert_allclose(
        profile_z_scores(centroids, population),
        [[1.2247449, 0.0], [-1.2247449, 0.0], [0.0, 0.0]],
        rtol=1e-6,
    )
