"""Centroids and nearest-centroid assignment shared by selection, constraints and scoring.

Labels below zero mark rows that belong to no segment (HDBSCAN noise); they never get a
centroid and never count towards one.
"""

import numpy as np
from scipy.spatial.distance import cdist

NOISE_LABEL = -1


def segment_ids(labels: np.ndarray) -> np.ndarray:
    """Sorted segment ids present in ``labels``, noise (negative labels) left out.

    Parameters
    ----------
    labels : np.ndarray
        One integer label per row.

    Returns
    -------
    np.ndarray
        The distinct non-negative labels, ascending.
    """
    labels = np.asarray(labels)
    return np.unique(labels[labels >= 0])


def segment_centroids(
    features: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean of each segment's rows, optionally weighted (for example by customer volume).

    Parameters
    ----------
    features : np.ndarray
        Matrix of shape (n_rows, n_features), already prepared (scaled and weighted).
    labels : np.ndarray
        One label per row; negative labels are ignored.
    weights : np.ndarray, optional
        One non-negative weight per row. A segment whose weights sum to zero falls back
        to its unweighted mean.

    Returns
    -------
    ids : np.ndarray
        Segment ids, ascending.
    centroids : np.ndarray
        Matrix of shape (len(ids), n_features); row ``i`` is the centroid of ``ids[i]``.
    """
    features = np.asarray(features, dtype=float)
    labels = np.asarray(labels)
    ids = segment_ids(labels)
    centroids = np.empty((len(ids), features.shape[1]))
    for i, segment in enumerate(ids):
        rows = labels == segment
        w = None if weights is None else np.asarray(weights, dtype=float)[rows]
        if w is not None and w.sum() <= 0:
            w = None
        centroids[i] = np.average(features[rows], axis=0, weights=w)
    return ids, centroids


def centroid_distances(features: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Euclidean distance from every row to every centroid, shape (n_rows, n_centroids)."""
    return cdist(np.asarray(features, dtype=float), np.asarray(centroids, dtype=float))


def assign_nearest(
    features: np.ndarray,
    centroids: np.ndarray,
    ids: np.ndarray | None = None,
) -> np.ndarray:
    """Label each row with the id of its nearest centroid (lowest id wins a tie).

    Parameters
    ----------
    features : np.ndarray
        Matrix of shape (n_rows, n_features).
    centroids : np.ndarray
        Matrix of shape (n_segments, n_features).
    ids : np.ndarray, optional
        Segment id of each centroid row; ``0 .. n_segments - 1`` when omitted.

    Returns
    -------
    np.ndarray
        One segment id per row.
    """
    nearest = centroid_distances(features, centroids).argmin(axis=1)
    if ids is None:
        return nearest
    return np.asarray(ids)[nearest]
