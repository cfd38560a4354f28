"""Bootstrap, holdout and feature-noise stability: near 1 on separated blobs, lower on noise."""

import numpy as np

from seg_assets.lib.segmentation.selection import fit_labels
from seg_assets.lib.segmentation.stability import (
    bootstrap_stability,
    holdout_stability,
    perturbation_sensitivity,
)


def test_bootstrap_is_near_one_on_blobs_and_clearly_lower_on_noise(blobs, uniform_noise):
    features, _ = blobs
    reference = fit_labels(features, "kmeans", 3)
    on_blobs = bootstrap_stability(features, reference, "kmeans", 3, n_resamples=10)
    assert on_blobs.scores.shape == (10,)
    assert on_blobs.mean > 0.97

    noise_reference = fit_labels(uniform_noise, "kmeans", 3)
    on_noise = bootstrap_stability(uniform_noise, noise_reference, "kmeans", 3, n_resamples=10)
    assert on_noise.mean < 0.7
    assert on_noise.mean < on_blobs.mean - 0.3
    low, median, high = on_noise.quantiles()
    assert low <= median <= high


def test_bootstrap_works_for_ward_and_hdbscan(blobs):
    features, _ = blobs
    for algorithm, parameter in (("ward", 3), ("hdbscan", 15)):
        reference = fit_labels(features, algorithm, parameter)
        result = bootstrap_stability(features, reference, algorithm, parameter, n_resamples=5)
        assert result.mean > 0.9, algorithm


def test_holdout_assignment_agrees_with_a_joint_fit_on_blobs(blobs):
    features, _ = blobs
    result = holdout_stability(features, "kmeans", 3, holdout_share=0.3)
    assert result.ari > 0.97
    assert len(result.holdout_rows) == 45 and len(result.train_rows) == 105
    assert set(result.holdout_rows).isdisjoint(result.train_rows)


def test_perturbation_hits_the_feature_the_segments_hinge_on():
    # blobs separated along x only; y is pure noise
    rng = np.random.default_rng(5)
    x = np.repeat([0.0, 10.0, 20.0], 50) + rng.normal(0, 1.0, 150)
    features = np.column_stack([x, rng.normal(0, 1.0, 150)])
    reference = fit_labels(features, "kmeans", 3)
    mild = perturbation_sensitivity(features, reference, "kmeans", 3, noise_fraction=0.1)
    assert mild.shape == (2,) and (mild > 0.95).all()
    strong = perturbation_sensitivity(features, reference, "kmeans", 3, noise_fraction=1.0)
    assert strong[0] < 0.5 < 0.9 < strong[1]


def test_same_seed_same_stability(uniform_noise):
    reference = fit_labels(uniform_noise, "kmeans", 3)
    first = bootstrap_stability(uniform_noise, reference, "kmeans", 3, 5, random_state=4)
    second = bootstrap_stability(uniform_noise, reference, "kmeans", 3, 5, random_state=4)
    np.testing.assert_array_equal(first.scores, second.scores)
    a = holdout_stability(uniform_noise, "kmeans", 3, random_state=4)
    b = holdout_stability(uniform_noise, "kmeans", 3, random_state=4)
    assert a.ari == b.ari
    np.testing.assert_array_equal(
        perturbation_sensitivity(uniform_noise, reference, "kmeans", 3, random_state=4),
        perturbation_sensitivity(uniform_noise, reference, "kmeans", 3, random_state=4),
    )
