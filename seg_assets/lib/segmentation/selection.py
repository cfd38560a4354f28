"""Candidate clusterings (k-means, Ward, HDBSCAN) scored, and one chosen by a stated rule.

The rule, in order:

1. A candidate is eligible when its number of segments is within ``[min_segments,
   max_segments]``, its smallest segment holds at least ``min_share`` of the volume, at most
   ``max_noise_share`` of the volume is HDBSCAN noise, and its silhouette is defined.
2. Among eligible candidates the highest silhouette wins. Candidates within
   ``silhouette_tolerance`` of the best are a tie, settled by the segment count closest to
   the elbow of the inertia curve (the k farthest from the chord joining the curve's ends,
   as in Kneedle), then by fewer segments, then by the lower Davies-Bouldin index (tighter,
   better separated segments), then by algorithm order as given.
3. When no candidate is eligible, the best silhouette among those with a defined silhouette
   is returned with ``meets_constraints=False`` and the reason; the caller then merges small
   segments (:func:`seg_assets.lib.segmentation.constraints.enforce_min_share`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans
from sklearn.metrics import davies_bouldin_score, silhouette_score

from seg_assets.lib.segmentation.geometry import (
    NOISE_LABEL,
    assign_nearest,
    segment_centroids,
    segment_ids,
)

Algorithm = Literal["kmeans", "ward", "hdbscan"]
ALGORITHMS: tuple[Algorithm, ...] = ("kmeans", "ward", "hdbscan")


# HDBSCAN's smallest min_cluster_size tried, and the cap on its density neighbourhood.
HDBSCAN_MIN_SIZE = 5
HDBSCAN_MAX_MIN_SAMPLES = 25


class NoCandidateModelError(ValueError):
    """No candidate clustering produced at least two segments to compare."""


@dataclass(frozen=True)
class Candidate:
    """One fitted clustering and its quality metrics.

    Attributes
    ----------
    algorithm : str
        ``"kmeans"``, ``"ward"`` or ``"hdbscan"``.
    parameter : int
        Number of segments asked for (k-means, Ward) or ``min_cluster_size`` (HDBSCAN).
    n_segments : int
        Segments found, noise excluded.
    labels : np.ndarray
        Segment per row, canonical order (0 is the largest by row count; -1 is noise).
    inertia : float
        Sum of squared distances of rows to their segment's centroid, noise rows counted in
        their nearest segment (as published).
    silhouette : float
        Mean silhouette on the (seeded) sample, noise in its nearest segment; NaN if undefined.
    davies_bouldin : float
        Davies-Bouldin index on all rows, noise in its nearest segment (lower is better); NaN
        if undefined.
    smallest_share : float
        Smallest segment's share of total volume.
    noise_share : float
        Share of total volume left as noise (HDBSCAN only; 0 otherwise).
    rejection : str
        Why the candidate is not eligible; empty when it is.
    """

    algorithm: Algorithm
    parameter: int
    n_segments: int
    labels: np.ndarray
    inertia: float
    silhouette: float
    davies_bouldin: float
    smallest_share: float
    noise_share: float
    rejection: str

    @property
    def eligible(self) -> bool:
        """True when the candidate passed every constraint of the selection rule."""
        return not self.rejection

    @property
    def name(self) -> str:
        """Short label such as ``kmeans(k=3)`` or ``hdbscan(min_cluster_size=15)``."""
        key = "min_cluster_size" if self.algorithm == "hdbscan" else "k"
        return f"{self.algorithm}({key}={self.parameter})"


@dataclass(frozen=True)
class ModelSelection:
    """Every candidate's metrics, the one chosen and why.

    Attributes
    ----------
    chosen : Candidate
    candidates : tuple of Candidate
        In fitting order.
    elbow_segments : int or None
        Segment count at the knee of the inertia curve (k-means, else Ward).
    meets_constraints : bool
        False when no candidate was eligible and the best available one was returned.
    reason : str
        The choice in words.
    """

    chosen: Candidate
    candidates: tuple[Candidate, ...]
    elbow_segments: int | None
    meets_constraints: bool
    reason: str

    def metrics(self) -> pl.DataFrame:
        """One row per candidate with its metrics, eligibility and whether it was chosen."""
        return pl.DataFrame(
            {
                "candidate": [c.name for c in self.candidates],
                "algorithm": [c.algorithm for c in self.candidates],
                "parameter": [c.parameter for c in self.candidates],
                "n_segments": [c.n_segments for c in self.candidates],
                "inertia": [c.inertia for c in self.candidates],
                "silhouette": [c.silhouette for c in self.candidates],
                "davies_bouldin": [c.davies_bouldin for c in self.candidates],
                "smallest_share": [c.smallest_share for c in self.candidates],
                "noise_share": [c.noise_share for c in self.candidates],
                "eligible": [c.eligible for c in self.candidates],
                "rejection": [c.rejection for c in self.candidates],
                "chosen": [c is self.chosen for c in self.candidates],
            }
        )


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Renumber segments by decreasing size (ties by first row), keeping noise at -1.

    Parameters
    ----------
    labels : np.ndarray
        Any integer labels, negative for noise.

    Returns
    -------
    np.ndarray
        Labels ``0 .. n_segments - 1`` with 0 the largest segment.
    """
    labels = np.asarray(labels)
    ids, first, counts = np.unique(labels[labels >= 0], return_index=True, return_counts=True)
    order = sorted(range(len(ids)), key=lambda i: (-counts[i], first[i]))
    mapping = {int(ids[i]): new for new, i in enumerate(order)}
    return np.array([mapping.get(int(label), NOISE_LABEL) for label in labels], dtype=int)


def fit_labels(
    features: np.ndarray,
    algorithm: Algorithm,
    parameter: int,
    random_state: int = 0,
    n_init: int = 10,
    max_fit_rows: int | None = None,
) -> np.ndarray:
    """Fit one clustering and return canonical labels.

    Parameters
    ----------
    features : np.ndarray
        Prepared matrix, shape (n_rows, n_features).
    algorithm : {"kmeans", "ward", "hdbscan"}
    parameter : int
        Number of segments (k-means, Ward) or ``min_cluster_size`` (HDBSCAN).
    random_state : int
        Seed of k-means initialisation (Ward and HDBSCAN are deterministic).
    n_init : int
        k-means restarts; the run with the lowest inertia is kept.
    max_fit_rows : int, optional
        Ward and HDBSCAN are fitted on a seeded sample of this many rows when there are more
        (Ward needs memory quadratic in rows); the other rows join their nearest segment.

    Returns
    -------
    np.ndarray
        See :func:`canonical_labels`.
    """
    features = np.asarray(features, dtype=float)
    if algorithm != "kmeans" and max_fit_rows is not None and len(features) > max_fit_rows:
        rng = np.random.default_rng(random_state)
        sample = np.sort(rng.choice(len(features), size=max_fit_rows, replace=False))
        # A minimum cluster size is a count of rows: scale it to the sample.
        sample_parameter = (
            max(HDBSCAN_MIN_SIZE, round(parameter * max_fit_rows / len(features)))
            if algorithm == "hdbscan"
            else parameter
        )
        sample_labels = fit_labels(
            features[sample], algorithm, sample_parameter, random_state, n_init
        )
        ids, centroids = segment_centroids(features[sample], sample_labels)
        if not len(ids):
            return np.full(len(features), NOISE_LABEL)
        labels = assign_nearest(features, centroids, ids)
        labels[sample] = sample_labels
        return canonical_labels(labels)
    if algorithm == "kmeans":
        model = KMeans(n_clusters=parameter, n_init=n_init, random_state=random_state)
    elif algorithm == "ward":
        model = AgglomerativeClustering(n_clusters=parameter, linkage="ward")
    elif algorithm == "hdbscan":
        # min_samples defaults to min_cluster_size: hundreds of neighbours per row, which
        # costs quadratic time and smooths densities away; a few dozen is the usual choice.
        model = HDBSCAN(
            min_cluster_size=parameter,
            min_samples=min(parameter, HDBSCAN_MAX_MIN_SAMPLES),
            copy=True,
        )
    else:
        raise ValueError(f"unknown algorithm {algorithm!r}; use one of {ALGORITHMS}")
    return canonical_labels(model.fit_predict(features))


def within_segment_inertia(features: np.ndarray, labels: np.ndarray) -> float:
    """Sum of squared Euclidean distances of rows to their segment centroid, noise excluded."""
    features = np.asarray(features, dtype=float)
    labels = np.asarray(labels)
    ids, centroids = segment_centroids(features, labels)
    total = 0.0
    for segment, centroid in zip(ids, centroids, strict=True):
        total += float(((features[labels == segment] - centroid) ** 2).sum())
    return total


def volume_shares(labels: np.ndarray, volume: np.ndarray | None = None) -> dict[int, float]:
    """Share of total volume (rows when ``volume`` is None) held by each label, noise included."""
    labels = np.asarray(labels)
    volume = np.ones(len(labels)) if volume is None else np.asarray(volume, dtype=float)
    total = volume.sum()
    return {int(label): float(volume[labels == label].sum() / total) for label in np.unique(labels)}


def knee_point(segment_counts: Sequence[int], inertias: Sequence[float]) -> int | None:
    """Segment count at the knee of a decreasing inertia curve (max distance to the chord).

    Both axes are scaled to [0, 1]; the knee is the point farthest below the straight line
    from the first to the last point. None when fewer than three points are given.

    Parameters
    ----------
    segment_counts : sequence of int
        Ascending.
    inertias : sequence of float
        Inertia at each count.

    Returns
    -------
    int or None
    """
    x = np.asarray(segment_counts, dtype=float)
    y = np.asarray(inertias, dtype=float)
    if len(x) < 3 or y[0] == y[-1]:
        return None
    xn = (x - x[0]) / (x[-1] - x[0])
    yn = (y - y[-1]) / (y[0] - y[-1])
    # chord runs from (0, 1) to (1, 0): distance below it is proportional to 1 - xn - yn
    return int(x[int(np.argmax(1.0 - xn - yn))])


def _silhouette(features: np.ndarray, labels: np.ndarray, sample: np.ndarray) -> float:
    rows = sample[labels[sample] >= 0]
    present = np.unique(labels[rows])
    if len(present) < 2 or len(present) >= len(rows):
        return float("nan")
    return float(silhouette_score(features[rows], labels[rows]))


def _davies_bouldin(features: np.ndarray, labels: np.ndarray) -> float:
    rows = labels >= 0
    if len(np.unique(labels[rows])) < 2:
        return float("nan")
    return float(davies_bouldin_score(features[rows], labels[rows]))


def default_min_cluster_sizes(n_rows: int, min_share: float) -> tuple[int, ...]:
    """HDBSCAN ``min_cluster_size`` grid: half, one and two times the minimum share of rows."""
    sizes = {
        max(HDBSCAN_MIN_SIZE, round(n_rows * min_share * factor)) for factor in (0.5, 1.0, 2.0)
    }
    return tuple(sorted(size for size in sizes if size < n_rows))


def _noise_to_nearest(features: np.ndarray, labels: np.ndarray) -> np.ndarray:
    noise = labels < 0
    ids = segment_ids(labels)
    if not noise.any() or not len(ids):
        return labels
    _, centroids = segment_centroids(features, labels)
    published = labels.copy()
    published[noise] = assign_nearest(features[noise], centroids, ids)
    return published


def evaluate_candidate(
    features: np.ndarray,
    algorithm: Algorithm,
    parameter: int,
    labels: np.ndarray,
    sample: np.ndarray,
    volume: np.ndarray | None,
    min_segments: int,
    max_segments: int,
    min_share: float,
    max_noise_share: float,
) -> Candidate:
    """Metrics and eligibility of one fitted clustering (see the module rule).

    Silhouette, Davies-Bouldin and inertia are measured on the assignment as it would be
    published, noise rows joining their nearest segment: scoring a density method on its
    confident core alone would flatter it against methods that must place everyone.
    """
    shares = volume_shares(labels, volume)
    noise_share = shares.pop(NOISE_LABEL, 0.0)
    n_segments = len(shares)
    smallest = min(shares.values()) if shares else 0.0
    published = _noise_to_nearest(features, labels)
    silhouette = _silhouette(features, published, sample)
    rejection = []
    if not min_segments <= n_segments <= max_segments:
        rejection.append(f"{n_segments} segments outside [{min_segments}, {max_segments}]")
    if smallest < min_share:
        rejection.append(f"smallest segment holds {smallest:.1%} < {min_share:.1%} of volume")
    if noise_share > max_noise_share:
        rejection.append(f"noise holds {noise_share:.1%} > {max_noise_share:.1%} of volume")
    if np.isnan(silhouette):
        rejection.append("silhouette undefined")
    return Candidate(
        algorithm=algorithm,
        parameter=parameter,
        n_segments=n_segments,
        labels=labels,
        inertia=within_segment_inertia(features, published),
        silhouette=silhouette,
        davies_bouldin=_davies_bouldin(features, published),
        smallest_share=smallest,
        noise_share=noise_share,
        rejection="; ".join(rejection),
    )


def _elbow(candidates: Sequence[Candidate], algorithms: Sequence[Algorithm]) -> int | None:
    for algorithm in ("kmeans", "ward"):
        if algorithm in algorithms:
            curve = sorted((c.parameter, c.inertia) for c in candidates if c.algorithm == algorithm)
            return knee_point([k for k, _ in curve], [i for _, i in curve])
    return None


def select_model(
    features: np.ndarray,
    min_segments: int = 2,
    max_segments: int = 8,
    algorithms: Sequence[Algorithm] = ("kmeans", "ward", "hdbscan"),
    min_cluster_sizes: Sequence[int] | None = None,
    volume: np.ndarray | None = None,
    min_share: float = 0.05,
    max_noise_share: float = 0.10,
    silhouette_sample_size: int = 2000,
    silhouette_tolerance: float = 0.01,
    random_state: int = 0,
    n_init: int = 10,
    max_fit_rows: int | None = None,
) -> ModelSelection:
    """Fit every candidate, score it and choose one by the rule in the module docstring.

    Parameters
    ----------
    features : np.ndarray
        Prepared matrix (imputed, scaled, weighted), shape (n_rows, n_features).
    min_segments, max_segments : int
        Range of k for k-means and Ward, and the allowed segment count for every algorithm.
    algorithms : sequence of {"kmeans", "ward", "hdbscan"}
        Families to try; their order settles exact ties.
    min_cluster_sizes : sequence of int, optional
        HDBSCAN grid; :func:`default_min_cluster_sizes` when omitted.
    volume : np.ndarray, optional
        Weight of each row (for example units or revenue) for the share constraints; each
        row counts 1 when omitted.
    min_share : float
        Smallest share of volume a segment may hold.
    max_noise_share : float
        Largest share of volume HDBSCAN may leave unassigned.
    silhouette_sample_size : int
        Rows drawn (seeded, without replacement) to compute silhouettes when there are more;
        every candidate is scored on the same sample.
    silhouette_tolerance : float
        Silhouettes this close to the best count as a tie.
    random_state : int
        Seed for k-means and the silhouette sample.
    n_init : int
        k-means restarts.
    max_fit_rows : int, optional
        Sample size for Ward and HDBSCAN fits, see :func:`fit_labels`.

    Returns
    -------
    ModelSelection
    """
    features = np.asarray(features, dtype=float)
    n_rows = len(features)
    rng = np.random.default_rng(random_state)
    sample = (
        np.sort(rng.choice(n_rows, size=silhouette_sample_size, replace=False))
        if n_rows > silhouette_sample_size
        else np.arange(n_rows)
    )
    grid: list[tuple[Algorithm, int]] = []
    for algorithm in algorithms:
        if algorithm == "hdbscan":
            sizes = min_cluster_sizes or default_min_cluster_sizes(n_rows, min_share)
            grid.extend((algorithm, size) for size in sizes)
        else:
            ks = range(min_segments, min(max_segments, n_rows - 1) + 1)
            grid.extend((algorithm, k) for k in ks)
    candidates = tuple(
        evaluate_candidate(
            features,
            algorithm,
            parameter,
            fit_labels(features, algorithm, parameter, random_state, n_init, max_fit_rows),
            sample,
            volume,
            min_segments,
            max_segments,
            min_share,
            max_noise_share,
        )
        for algorithm, parameter in grid
    )
    elbow = _elbow(candidates, algorithms)
    eligible = [c for c in candidates if c.eligible]
    meets_constraints = bool(eligible)
    pool = eligible or [c for c in candidates if not np.isnan(c.silhouette)]
    if not pool:
        raise NoCandidateModelError(
            f"none of {len(candidates)} candidate clusterings of {n_rows} rows found two or more "
            "segments; check the features are not constant and lower min_cluster_size"
        )
    best = max(c.silhouette for c in pool)
    ties = [c for c in pool if c.silhouette >= best - silhouette_tolerance]
    order = {name: i for i, name in enumerate(algorithms)}

    def tie_break(c: Candidate) -> tuple[float, int, float, int]:
        distance = abs(c.n_segments - elbow) if elbow is not None else 0
        davies_bouldin = c.davies_bouldin if not np.isnan(c.davies_bouldin) else np.inf
        return (distance, c.n_segments, davies_bouldin, order[c.algorithm])

    chosen = min(ties, key=tie_break)
    reason = (
        f"{chosen.name}: {chosen.n_segments} segments, silhouette {chosen.silhouette:.3f}, "
        f"Davies-Bouldin {chosen.davies_bouldin:.3f}, smallest segment "
        f"{chosen.smallest_share:.1%} of volume"
    )
    if not meets_constraints:
        reason += (
            f"; no candidate met every constraint, so this is the best silhouette of "
            f"{len(pool)} and needs small segments merged ({chosen.rejection})"
        )
    elif len(ties) > 1:
        reason += (
            f"; best silhouette among {len(eligible)} eligible candidates, "
            f"{len(ties)} within {silhouette_tolerance} of it, tie settled by closeness to "
            f"the inertia elbow at {elbow} segments, then fewer segments, then the lower"
            " Davies-Bouldin index"
        )
    else:
        reason += f"; best silhouette among {len(eligible)} eligible candidates"
    return ModelSelection(
        chosen=chosen,
        candidates=candidates,
        elbow_segments=elbow,
        meets_constraints=meets_constraints,
        reason=reason,
    )
