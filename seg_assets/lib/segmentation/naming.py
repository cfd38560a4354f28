"""Readable segment names from centroid profiles, such as "High order frequency, low line size".

A name lists the features on which a segment's centroid sits farthest from the population,
in standard units. Names stay distinct: colliding names grow one term at a time, then get
the segment id appended.
"""

from collections.abc import Mapping, Sequence

import numpy as np

TYPICAL_NAME = "Typical customers"


def profile_z_scores(centroids_raw: np.ndarray, population: np.ndarray) -> np.ndarray:
    """How far each centroid sits from the population mean, in population standard deviations.

    Parameters
    ----------
    centroids_raw : np.ndarray
        Shape (n_segments, n_features), in the population's units.
    population : np.ndarray
        Shape (n_rows, n_features).

    Returns
    -------
    np.ndarray
        Shape (n_segments, n_features); 0 for a feature with no spread in the population.
    """
    centroids_raw = np.atleast_2d(np.asarray(centroids_raw, dtype=float))
    population = np.atleast_2d(np.asarray(population, dtype=float))
    mean = population.mean(axis=0)
    std = population.std(axis=0)
    spread = std > 0
    return np.where(spread, (centroids_raw - mean) / np.where(spread, std, 1.0), 0.0)


def _terms(z: np.ndarray, feature_labels: Sequence[str], min_abs_z: float) -> list[str]:
    """``high <label>`` / ``low <label>`` for qualifying features, most distinctive first."""
    # Stable sort on -|z| keeps ties in feature order; z == 0 is never distinctive.
    order = np.argsort(-np.abs(z), kind="stable")
    return [
        f"{'high' if z[f] > 0 else 'low'} {feature_labels[f]}"
        for f in order
        if abs(z[f]) >= min_abs_z and z[f] != 0
    ]


def _joined(terms: list[str], length: int) -> str:
    """Join the first ``length`` terms into a name, first letter capitalised."""
    if not terms:
        return TYPICAL_NAME
    name = ", ".join(terms[:length])
    # Not str.capitalize: that would lower-case acronyms inside the labels.
    return name[0].upper() + name[1:]


def segment_names(
    profile_z: np.ndarray,
    feature_labels: Sequence[str],
    ids: Sequence[int],
    keep: Mapping[int, str] | None = None,
    max_terms: int = 2,
    min_abs_z: float = 0.5,
) -> dict[int, str]:
    """Name each segment after its most distinctive features, keeping every name distinct.

    Parameters
    ----------
    profile_z : np.ndarray
        Shape (len(ids), n_features): row ``i`` is how far the centroid of ``ids[i]`` sits
        from the population on each feature, in standard units (see
        :func:`profile_z_scores`).
    feature_labels : sequence of str
        Readable label of each feature, such as ``"order frequency"``.
    ids : sequence of int
        Segment id of each row of ``profile_z``.
    keep : mapping of int to str, optional
        Names that must not change (segments matched to a previous model). Every name in
        it is reserved, including those of ids absent from ``ids``, so a retired
        segment's name is not handed to a new one.
    max_terms : int
        Terms in a name before any lengthening to break a collision.
    min_abs_z : float
        Features closer to the population than this (in absolute z) are not named; a
        segment with none is called "Typical customers".

    Returns
    -------
    dict of int to str
        Name of each id in ``ids``.
    """
    profile_z = np.atleast_2d(np.asarray(profile_z, dtype=float))
    ids = [int(i) for i in ids]
    keep = {int(i): name for i, name in (keep or {}).items()}
    if profile_z.shape != (len(ids), len(feature_labels)):
        raise ValueError(
            f"segment_names got a profile of shape {profile_z.shape} "
            f"for {len(ids)} ids and {len(feature_labels)} feature labels"
        )
    terms = {
        segment: _terms(row, feature_labels, min_abs_z)
        for segment, row in zip(ids, profile_z, strict=True)
        if segment not in keep
    }
    lengths = {segment: min(max_terms, len(t)) for segment, t in terms.items()}

    def current() -> dict[int, str]:
        return {segment: _joined(terms[segment], lengths[segment]) for segment in terms}

    def colliding(names: dict[int, str]) -> set[int]:
        taken = [*names.values(), *keep.values()]
        return {segment for segment, name in names.items() if taken.count(name) > 1}

    # Lengths only grow and are capped by the qualifying terms, so this ends.
    while True:
        growable = [s for s in colliding(current()) if lengths[s] < len(terms[s])]
        if not growable:
            break
        for segment in growable:
            lengths[segment] += 1
    names = current()
    for segment in colliding(names):
        names[segment] = f"{names[segment]} (segment {segment})"
    return {segment: keep[segment] if segment in keep else names[segment] for segment in ids}
