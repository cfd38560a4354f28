"""Would the segments survive other data? Bootstrap, holdout and feature-noise checks (ARI).

Each check refits the chosen algorithm with the chosen parameter and compares labels with the
adjusted Rand index, which ignores label names: 1 is the same partition, about 0 is chance.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import adjusted_rand_score

from seg_assets.lib.segmentation.geometry import assign_nearest, segment_centroids
from seg_assets.lib.segmentation.selection import Algorithm, fit_labels


@dataclass(frozen=True)
class BootstrapStability:
    """ARI of each bootstrap refit against the full-data labels.

    Attributes
    ----------
    scores : np.ndarray
        One ARI per resample, in draw order.
    """

    scores: np.ndarray

    @property
    def mean(self) -> float:
        """Mean ARI over resamples."""
        return float(self.scores.mean())

    @property
    def std(self) -> float:
        """Standard deviation of the ARI over resamples."""
        return float(self.scores.std())

    def quantiles(self, q: tuple[float, ...] = (0.05, 0.5, 0.95)) -> np.ndarray:
        """ARI quantiles of the bootstrap distribution."""
        return np.quantile(self.scores, q)


@dataclass(frozen=True)
class HoldoutStability:
    """Holdout rows labelled two ways, and how well the two agree.

    Attributes
    ----------
    ari : float
        ARI on the holdout rows between nearest-centroid assignment (model fitted on the
        training rows) and clustering them together with the training rows; NaN when the
        training rows yield no segment.
    train_rows, holdout_rows : np.ndarray
        Indices of each part.
    """

    ari: float
    train_rows: np.ndarray
    holdout_rows: np.ndarray


def bootstrap_stability(
    features: np.ndarray,
    reference_labels: np.ndarray,
    algorithm: Algorithm,
    parameter: int,
    n_resamples: int = 20,
    random_state: int = 0,
    n_init: int = 10,
    max_fit_rows: int | None = None,
) -> BootstrapStability:
    """Refit on rows drawn with replacement; compare with the full-data labels.

    Each resample draws ``n_rows`` rows with replacement; the ARI is computed on the
    distinct rows drawn (a duplicated row counts once, with the label of its first copy).

    Parameters
    ----------
    features : np.ndarray
        Prepared matrix the reference labels were fitted on.
    reference_labels : np.ndarray
        Labels of the chosen model on all rows.
    algorithm : {"kmeans", "ward", "hdbscan"}
    parameter : int
        Segments (k-means, Ward) or ``min_cluster_size`` (HDBSCAN).
    n_resamples : int
        Number of bootstrap fits.
    random_state : int
        Seed of the resampling; resample ``b`` fits k-means with seed ``random_state + b``.
    n_init : int
        k-means restarts.
    max_fit_rows : int, optional
        Sample size for Ward and HDBSCAN fits (see ``selection.fit_labels``).

    Returns
    -------
    BootstrapStability
    """
    features = np.asarray(features, dtype=float)
    reference_labels = np.asarray(reference_labels)
    rng = np.random.default_rng(random_state)
    n_rows = len(features)
    scores = np.empty(n_resamples)
    for b in range(n_resamples):
        drawn = rng.integers(0, n_rows, size=n_rows)
        labels = fit_labels(
            features[drawn], algorithm, parameter, random_state + b, n_init, max_fit_rows
        )
        distinct, first = np.unique(drawn, return_index=True)
        scores[b] = adjusted_rand_score(reference_labels[distinct], labels[first])
    return BootstrapStability(scores=scores)


def holdout_stability(
    features: np.ndarray,
    algorithm: Algorithm,
    parameter: int,
    holdout_share: float = 0.3,
    random_state: int = 0,
    n_init: int = 10,
    max_fit_rows: int | None = None,
) -> HoldoutStability:
    """Fit on a random share, assign the rest by nearest centroid, compare with a joint fit.

    Parameters
    ----------
    features : np.ndarray
        Prepared matrix.
    algorithm : {"kmeans", "ward", "hdbscan"}
    parameter : int
        Segments or ``min_cluster_size``.
    holdout_share : float
        Share of rows held out.
    random_state : int
        Seed of the split and of k-means.
    n_init : int
        k-means restarts.
    max_fit_rows : int, optional
        Sample size for Ward and HDBSCAN fits (see ``selection.fit_labels``).

    Returns
    -------
    HoldoutStability
    """
    features = np.asarray(features, dtype=float)
    rng = np.random.default_rng(random_state)
    order = rng.permutation(len(features))
    n_holdout = max(1, round(holdout_share * len(features)))
    holdout, train = np.sort(order[:n_holdout]), np.sort(order[n_holdout:])
    train_labels = fit_labels(
        features[train], algorithm, parameter, random_state, n_init, max_fit_rows
    )
    ids, centroids = segment_centroids(features[train], train_labels)
    if not len(ids):
        # The training part found no segment at all (density method, all noise).
        return HoldoutStability(ari=float("nan"), train_rows=train, holdout_rows=holdout)
    predicted = assign_nearest(features[holdout], centroids, ids)
    joint = fit_labels(features, algorithm, parameter, random_state, n_init, max_fit_rows)
    return HoldoutStability(
        ari=float(adjusted_rand_score(joint[holdout], predicted)),
        train_rows=train,
        holdout_rows=holdout,
    )


def perturbation_sensitivity(
    features: np.ndarray,
    reference_labels: np.ndarray,
    algorithm: Algorithm,
    parameter: int,
    noise_fraction: float = 0.1,
    random_state: int = 0,
    n_init: int = 10,
    max_fit_rows: int | None = None,
) -> np.ndarray:
    """ARI against the reference after adding noise to one feature at a time.

    Feature ``j`` gets Gaussian noise with standard deviation ``noise_fraction`` times its
    own standard deviation; the model is refitted and compared with the reference labels.
    A low ARI for a feature means the segments hinge on small changes in it.

    Parameters
    ----------
    features : np.ndarray
        Prepared matrix.
    reference_labels : np.ndarray
        Labels of the chosen model on unperturbed rows.
    algorithm : {"kmeans", "ward", "hdbscan"}
    parameter : int
        Segments or ``min_cluster_size``.
    noise_fraction : float
        Noise level as a share of each feature's standard deviation (0.1 = 10%).
    random_state : int
        Seed of the noise and of k-means.
    n_init : int
        k-means restarts.
    max_fit_rows : int, optional
        Sample size for Ward and HDBSCAN fits (see ``selection.fit_labels``).

    Returns
    -------
    np.ndarray
        One ARI per feature, in column order.
    """
    features = np.asarray(features, dtype=float)
    rng = np.random.default_rng(random_state)
    spread = features.std(axis=0)
    scores = np.empty(features.shape[1])
    for j in range(features.shape[1]):
        perturbed = features.copy()
        perturbed[:, j] += rng.normal(0.0, noise_fraction * spread[j], size=len(features))
        labels = fit_labels(perturbed, algorithm, parameter, random_state, n_init, max_fit_rows)
        scores[j] = adjusted_rand_score(reference_labels, labels)
    return scores
