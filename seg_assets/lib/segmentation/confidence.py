"""How firmly each customer belongs to its segment: the margin between the two nearest centroids."""

from dataclasses import dataclass

import numpy as np

from seg_assets.lib.segmentation.geometry import centroid_distances

DEFAULT_BORDERLINE_MARGIN = 0.1


@dataclass(frozen=True)
class Membership:
    """Nearest segment and the margin of each row.

    Attributes
    ----------
    segment : np.ndarray
        Id of the nearest centroid.
    runner_up : np.ndarray
        Id of the second-nearest centroid (same as ``segment`` with a single centroid).
    nearest_distance, runner_up_distance : np.ndarray
        ``d1`` and ``d2``.
    margin : np.ndarray
        ``(d2 - d1) / (d2 + d1)`` in [0, 1]: 0 halfway between two centroids, 1 on a
        centroid; 0 when both distances are 0, 1 when there is a single centroid.
    borderline : np.ndarray
        True where ``margin < threshold``.
    """

    segment: np.ndarray
    runner_up: np.ndarray
    nearest_distance: np.ndarray
    runner_up_distance: np.ndarray
    margin: np.ndarray
    borderline: np.ndarray


def normalised_margin(nearest: np.ndarray, runner_up: np.ndarray) -> np.ndarray:
    """``(d2 - d1) / (d2 + d1)``, defined as 0 where both distances are 0."""
    nearest = np.asarray(nearest, dtype=float)
    runner_up = np.asarray(runner_up, dtype=float)
    total = nearest + runner_up
    return np.where(total > 0, (runner_up - nearest) / np.where(total > 0, total, 1.0), 0.0)


def membership_confidence(
    features: np.ndarray,
    centroids: np.ndarray,
    ids: np.ndarray | None = None,
    borderline_threshold: float = DEFAULT_BORDERLINE_MARGIN,
) -> Membership:
    """Margin between the nearest and the second-nearest centroid for every row.

    Parameters
    ----------
    features : np.ndarray
        Prepared matrix, shape (n_rows, n_features).
    centroids : np.ndarray
        Shape (n_segments, n_features).
    ids : np.ndarray, optional
        Segment id of each centroid; ``0 .. n_segments - 1`` when omitted.
    borderline_threshold : float
        Rows with a margin below this are flagged borderline.

    Returns
    -------
    Membership
    """
    distances = centroid_distances(features, centroids)
    ids = np.arange(distances.shape[1]) if ids is None else np.asarray(ids)
    order = np.argsort(distances, axis=1, kind="stable")
    rows = np.arange(len(distances))
    first = order[:, 0]
    second = order[:, 1] if distances.shape[1] > 1 else first
    d1 = distances[rows, first]
    if distances.shape[1] > 1:
        d2 = distances[rows, second]
        margin = normalised_margin(d1, d2)
    else:
        d2 = d1
        margin = np.ones(len(d1))
    return Membership(
        segment=ids[first],
        runner_up=ids[second],
        nearest_distance=d1,
        runner_up_distance=d2,
        margin=margin,
        borderline=margin < borderline_threshold,
    )
