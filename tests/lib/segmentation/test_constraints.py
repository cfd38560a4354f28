"""Minimum share of volume: merges into the nearest volume-weighted centroid, and the merge log."""

import numpy as np
import pytest

from seg_assets.lib.segmentation.constraints import (
    SegmentMerge,
    enforce_min_share,
    segment_volume_shares,
    verify_min_share,
)

# segment 0: x=0 (volume 9) and x=4 (volume 1) -> weighted centroid 0.4, unweighted 2
# segment 1: x=10 (volume 10); segment 2: x=5.5 (volume 0.5), 0.5 / 20.5 = 2.4% of volume
FEATURES = np.array([[0.0], [4.0], [10.0], [5.5]])
LABELS = np.array([0, 0, 1, 2])
VOLUME = np.array([9.0, 1.0, 10.0, 0.5])


def test_shares_and_violations():
    shares = segment_volume_shares(LABELS, VOLUME)
    assert shares == pytest.approx({0: 10 / 20.5, 1: 10 / 20.5, 2: 0.5 / 20.5})
    violations = verify_min_share(LABELS, VOLUME, 0.05)
    assert [(v.segment, v.required) for v in violations] == [(2, 0.05)]
    assert violations[0].share == pytest.approx(0.5 / 20.5)
    assert verify_min_share(LABELS, VOLUME, 0.02) == []


def test_tiny_segment_merges_into_nearest_weighted_centroid():
    # weighted: |5.5 - 0.4| = 5.1 to segment 0, |5.5 - 10| = 4.5 to segment 1 -> segment 1
    # (unweighted centroids would have sent it to segment 0, 3.5 away)
    result = enforce_min_share(FEATURES, LABELS, VOLUME, 0.05)
    np.testing.assert_array_equal(result.labels, [0, 0, 1, 1])
    assert result.merges == (
        SegmentMerge(
            source=2,
            target=1,
            source_share=pytest.approx(0.5 / 20.5),
            target_share_after=pytest.approx(10.5 / 20.5),
            distance=pytest.approx(4.5),
        ),
    )
    assert verify_min_share(result.labels, VOLUME, 0.05) == []
    np.testing.assert_array_equal(LABELS, [0, 0, 1, 2])  # input untouched


def test_merges_repeat_smallest_first_and_stop_when_all_fit():
    features = np.array([[0.0], [10.0], [1.0], [9.0], [20.0]])
    labels = np.array([0, 1, 2, 3, 4])
    volume = np.array([40.0, 40.0, 1.0, 2.0, 17.0])  # shares 40, 40, 1, 2, 17 %
    result = enforce_min_share(features, labels, volume, 0.05)
    assert [(m.source, m.target) for m in result.merges] == [(2, 0), (3, 1)]
    np.testing.assert_array_equal(result.labels, [0, 1, 0, 1, 4])


def test_noise_is_never_merged_and_one_segment_is_the_floor():
    labels = np.array([0, -1, 1])
    result = enforce_min_share(np.array([[0.0], [5.0], [1.0]]), labels, np.ones(3), 0.9)
    # equal shares: the lowest id is the one merged away
    np.testing.assert_array_equal(result.labels, [1, -1, 1])
    assert len(result.merges) == 1
