"""Keep segment ids stable between runs: match new centroids to the previous model's.

The matching minimises the total Euclidean distance between paired centroids (Hungarian
algorithm). Unmatched new segments get fresh ids above every previous one; previous ids with
no partner are retired and never reused.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from seg_assets.lib.segmentation.geometry import NOISE_LABEL, segment_centroids


@dataclass(frozen=True)
class Alignment:
    """How new segments map to previous ids.

    Attributes
    ----------
    mapping : dict of int to int
        New label to stable id.
    matched : dict of int to float
        Stable id kept from the previous model to the distance its centroid moved.
    new_ids : tuple of int
        Stable ids created for segments with no previous partner.
    retired_ids : tuple of int
        Previous ids with no partner in the new model.
    """

    mapping: dict[int, int]
    matched: dict[int, float]
    new_ids: tuple[int, ...]
    retired_ids: tuple[int, ...]

    def relabel(self, labels: np.ndarray) -> np.ndarray:
        """Labels rewritten to stable ids; noise stays -1."""
        labels = np.asarray(labels)
        return np.array([self.mapping.get(int(label), NOISE_LABEL) for label in labels], dtype=int)


def align_centroids(
    new_centroids: np.ndarray,
    previous_centroids: np.ndarray,
    new_labels: Sequence[int] | None = None,
    previous_ids: Sequence[int] | None = None,
    max_distance: float | None = None,
    next_id: int | None = None,
) -> Alignment:
    """Pair new segments with previous ones at least total centroid distance.

    Parameters
    ----------
    new_centroids : np.ndarray
        Shape (n_new, n_features), in the same prepared space as the previous centroids
        (scale new data with the previous model's scaler).
    previous_centroids : np.ndarray
        Shape (n_previous, n_features).
    new_labels : sequence of int, optional
        Label of each new centroid row; ``0 .. n_new - 1`` when omitted.
    previous_ids : sequence of int, optional
        Stable id of each previous centroid row; ``0 .. n_previous - 1`` when omitted.
    max_distance : float, optional
        A pair farther apart than this is not a match: the new segment gets a fresh id and
        the previous id is retired.
    next_id : int, optional
        First fresh id; one above the largest previous id when omitted (pass the largest id
        ever issued + 1 to avoid reusing an id retired in an earlier run).

    Returns
    -------
    Alignment
    """
    new_centroids = np.atleast_2d(np.asarray(new_centroids, dtype=float))
    previous_centroids = np.atleast_2d(np.asarray(previous_centroids, dtype=float))
    labels = list(range(len(new_centroids))) if new_labels is None else list(new_labels)
    ids = list(range(len(previous_centroids))) if previous_ids is None else list(previous_ids)
    cost = cdist(new_centroids, previous_centroids)
    rows, cols = linear_sum_assignment(cost)
    mapping: dict[int, int] = {}
    matched: dict[int, float] = {}
    for row, col in zip(rows, cols, strict=True):
        if max_distance is not None and cost[row, col] > max_distance:
            continue
        mapping[int(labels[row])] = int(ids[col])
        matched[int(ids[col])] = float(cost[row, col])
    fresh = (max(ids) + 1 if ids else 0) if next_id is None else next_id
    new_ids = []
    for label in labels:
        if int(label) not in mapping:
            mapping[int(label)] = fresh
            new_ids.append(fresh)
            fresh += 1
    retired = tuple(sorted(int(i) for i in ids if int(i) not in matched))
    return Alignment(
        mapping=dict(sorted(mapping.items())),
        matched=dict(sorted(matched.items())),
        new_ids=tuple(new_ids),
        retired_ids=retired,
    )


def align_labels(
    features: np.ndarray,
    labels: np.ndarray,
    previous_centroids: np.ndarray,
    previous_ids: Sequence[int] | None = None,
    max_distance: float | None = None,
) -> tuple[np.ndarray, Alignment]:
    """Relabel a new clustering so its segments keep the previous model's ids.

    Parameters
    ----------
    features : np.ndarray
        Prepared matrix the new labels were fitted on.
    labels : np.ndarray
        New segment per row, negative for noise.
    previous_centroids : np.ndarray
        Previous model's centroids in the same space.
    previous_ids : sequence of int, optional
        Stable id of each previous centroid.
    max_distance : float, optional
        See :func:`align_centroids`.

    Returns
    -------
    labels : np.ndarray
        Stable ids per row.
    alignment : Alignment
    """
    new_labels, centroids = segment_centroids(features, labels)
    alignment = align_centroids(
        centroids, previous_centroids, new_labels, previous_ids, max_distance
    )
    return alignment.relabel(labels), alignment
