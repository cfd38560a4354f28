"""Minimum segment size by volume: merge the smallest segment into its nearest one until all fit.

Shares are of the total volume of all rows, noise (negative labels) included, so a segment
must carry ``min_share`` of the whole customer base. Noise rows are never merged.
"""

from dataclasses import dataclass

import numpy as np

from seg_assets.lib.segmentation.geometry import segment_centroids, segment_ids

DEFAULT_MIN_SHARE = 0.05


@dataclass(frozen=True)
class ShareViolation:
    """A segment holding less than the required share of volume."""

    segment: int
    share: float
    required: float


@dataclass(frozen=True)
class SegmentMerge:
    """One merge: ``source`` (too small) folded into ``target`` (nearest weighted centroid).

    Attributes
    ----------
    source, target : int
        Segment ids; the target keeps its id.
    source_share : float
        Volume share of the source before the merge.
    target_share_after : float
        Volume share of the target after the merge.
    distance : float
        Euclidean distance between the two volume-weighted centroids.
    """

    source: int
    target: int
    source_share: float
    target_share_after: float
    distance: float


@dataclass(frozen=True)
class MergeResult:
    """Labels after enforcing the minimum share, and the merges in the order made."""

    labels: np.ndarray
    merges: tuple[SegmentMerge, ...]


def segment_volume_shares(labels: np.ndarray, volume: np.ndarray) -> dict[int, float]:
    """Share of total volume held by each segment (noise left out of the result).

    Parameters
    ----------
    labels : np.ndarray
        Segment per row, negative for noise.
    volume : np.ndarray
        Non-negative weight per row.

    Returns
    -------
    dict of int to float
        Segment id to share, ascending ids.
    """
    labels = np.asarray(labels)
    volume = np.asarray(volume, dtype=float)
    total = volume.sum()
    if total <= 0:
        raise ValueError("total volume is zero; segment shares are undefined")
    return {int(s): float(volume[labels == s].sum() / total) for s in segment_ids(labels)}


def verify_min_share(
    labels: np.ndarray,
    volume: np.ndarray,
    min_share: float = DEFAULT_MIN_SHARE,
) -> list[ShareViolation]:
    """Segments below the minimum share of volume, smallest first (empty when all pass).

    Parameters
    ----------
    labels : np.ndarray
        Segment per row, negative for noise.
    volume : np.ndarray
        Weight per row (for example units or revenue).
    min_share : float
        Required share, 0.05 by default.

    Returns
    -------
    list of ShareViolation
    """
    shares = segment_volume_shares(labels, volume)
    violations = [
        ShareViolation(segment=s, share=share, required=min_share)
        for s, share in shares.items()
        if share < min_share
    ]
    return sorted(violations, key=lambda v: (v.share, v.segment))


def enforce_min_share(
    features: np.ndarray,
    labels: np.ndarray,
    volume: np.ndarray,
    min_share: float = DEFAULT_MIN_SHARE,
) -> MergeResult:
    """Merge the smallest-volume segment into its nearest neighbour until every segment fits.

    Each round recomputes volume-weighted centroids, takes the segment with the least volume
    (lowest id on a tie) and, if it is below ``min_share``, relabels its rows to the segment
    whose weighted centroid is nearest. It stops when the smallest segment fits or a single
    segment is left. Surviving segments keep their ids (gaps are left for alignment).

    Parameters
    ----------
    features : np.ndarray
        Prepared matrix, shape (n_rows, n_features).
    labels : np.ndarray
        Segment per row, negative for noise.
    volume : np.ndarray
        Non-negative weight per row.
    min_share : float
        Required share of total volume.

    Returns
    -------
    MergeResult
    """
    labels = np.array(labels, copy=True)
    volume = np.asarray(volume, dtype=float)
    merges: list[SegmentMerge] = []
    while True:
        shares = segment_volume_shares(labels, volume)
        if len(shares) < 2:
            break
        source = min(shares, key=lambda s: (shares[s], s))
        if shares[source] >= min_share:
            break
        ids, centroids = segment_centroids(features, labels, volume)
        position = {int(s): i for i, s in enumerate(ids)}
        distances = np.linalg.norm(centroids - centroids[position[source]], axis=1)
        distances[position[source]] = np.inf
        target = int(ids[int(np.argmin(distances))])
        labels[labels == source] = target
        merges.append(
            SegmentMerge(
                source=source,
                target=target,
                source_share=shares[source],
                target_share_after=shares[source] + shares[target],
                distance=float(distances[position[target]]),
            )
        )
    return MergeResult(labels=labels, merges=tuple(merges))
