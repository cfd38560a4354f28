"""Distances between a reference sample and a current one: PSI, KS and Jensen-Shannon."""

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy.spatial.distance import jensenshannon


def _finite(values: np.ndarray) -> np.ndarray:
    """Flat float copy of ``values`` without NaNs."""
    flat = np.asarray(values, dtype=float).ravel()
    return flat[~np.isnan(flat)]


def decile_edges(reference: np.ndarray, bins: int = 10) -> np.ndarray:
    """Return the unique cut points of the reference at quantiles ``1/bins .. (bins-1)/bins``.

    Parameters
    ----------
    reference : np.ndarray
        Reference sample; NaNs are dropped.
    bins : int, default 10
        Number of quantile bins wanted (10 gives deciles).

    Returns
    -------
    np.ndarray
        Sorted unique cut points (``np.quantile``, method "linear") strictly below the
        reference maximum; empty for a constant or empty reference. A cut point at the
        maximum is dropped because the bin above it, ``(max, max]``, could never hold a
        value; one at the minimum is kept, as it isolates a point mass there (a
        zero-inflated feature).

    Raises
    ------
    ValueError
        If ``bins`` is below 1.
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    finite = _finite(reference)
    if finite.size == 0 or bins == 1:
        return np.empty(0)
    levels = np.arange(1, bins) / bins
    edges = np.unique(np.quantile(finite, levels, method="linear"))
    return edges[edges < finite.max()]


def binned_shares(values: np.ndarray, reference: np.ndarray, bins: int = 10) -> np.ndarray:
    """Share of ``values`` in each bin defined on the reference.

    The bins are: values strictly below the reference minimum; the right-closed bins
    ``[min, e1], (e1, e2], ..., (ek, max]`` on the cut points of :func:`decile_edges`;
    values strictly above the reference maximum. The outer bins let a feature that leaves
    the reference's range register as drift; a constant reference ``v`` gives the three
    bins below ``v``, equal to ``v`` and above ``v``.

    Parameters
    ----------
    values : np.ndarray
        Sample to bin; NaNs are dropped.
    reference : np.ndarray
        Sample the bins are defined on; NaNs are dropped.
    bins : int, default 10
        Number of quantile bins on the reference.

    Returns
    -------
    np.ndarray
        ``len(decile_edges(reference, bins)) + 3`` shares summing to 1, or all zeros when
        ``values`` has no non-NaN value.

    Raises
    ------
    ValueError
        If the reference has no non-NaN value (there is nothing to define bins on).
    """
    finite_reference = _finite(reference)
    if finite_reference.size == 0:
        raise ValueError("the reference has no non-NaN value to define bins on")
    low, high = finite_reference.min(), finite_reference.max()
    upper_bounds = np.append(decile_edges(finite_reference, bins), high)
    n_bins = upper_bounds.size + 2
    finite_values = _finite(values)
    if finite_values.size == 0:
        return np.zeros(n_bins)
    # side="left" finds the first upper bound >= value, which makes the bins right-closed.
    inner = 1 + np.searchsorted(upper_bounds, finite_values, side="left")
    index = np.where(finite_values < low, 0, np.where(finite_values > high, n_bins - 1, inner))
    return np.bincount(index, minlength=n_bins) / finite_values.size


def psi(reference: np.ndarray, current: np.ndarray, bins: int = 10, floor: float = 1e-4) -> float:
    """Compute the population stability index of ``current`` against ``reference``.

    ``sum((c - r) * ln(c / r))`` over the bins of :func:`binned_shares`, with every share
    below ``floor`` raised to ``floor`` so that an empty bin costs a large but finite amount.

    Parameters
    ----------
    reference : np.ndarray
        Reference sample (training month); NaNs are dropped.
    current : np.ndarray
        Current sample; NaNs are dropped.
    bins : int, default 10
        Number of quantile bins on the reference.
    floor : float, default 1e-4
        Smallest share used in the sum; must be positive.

    Returns
    -------
    float
        PSI, at least 0 and exactly 0 for identical distributions; NaN when either side has
        no non-NaN value.

    Raises
    ------
    ValueError
        If ``floor`` is not positive.
    """
    if not floor > 0:
        raise ValueError(f"floor must be positive, got {floor}")
    finite_reference, finite_current = _finite(reference), _finite(current)
    if finite_reference.size == 0 or finite_current.size == 0:
        return float("nan")
    reference_shares = np.maximum(binned_shares(finite_reference, finite_reference, bins), floor)
    current_shares = np.maximum(binned_shares(finite_current, finite_reference, bins), floor)
    terms = (current_shares - reference_shares) * np.log(current_shares / reference_shares)
    return float(terms.sum())


def ks_statistic(reference: np.ndarray, current: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs.

    Computed directly rather than with ``scipy.stats.ks_2samp``, which also works out a
    p-value (exact for samples under 10,000, which is slow) that drift reporting never uses.

    Parameters
    ----------
    reference, current : np.ndarray
        The two samples; NaNs are dropped.

    Returns
    -------
    float
        Statistic in [0, 1]; NaN when either side has no non-NaN value.
    """
    finite_reference = np.sort(_finite(reference))
    finite_current = np.sort(_finite(current))
    if finite_reference.size == 0 or finite_current.size == 0:
        return float("nan")
    # Both step functions only jump at sample points, so the gap peaks at one of them.
    points = np.concatenate([finite_reference, finite_current])
    reference_cdf = np.searchsorted(finite_reference, points, side="right") / finite_reference.size
    current_cdf = np.searchsorted(finite_current, points, side="right") / finite_current.size
    return float(np.abs(reference_cdf - current_cdf).max())


def js_distance(reference_labels: Sequence, current_labels: Sequence) -> float:
    """Jensen-Shannon distance between two category frequency distributions.

    Parameters
    ----------
    reference_labels, current_labels : Sequence
        Category of each row; ``None`` counts as a category of its own.

    Returns
    -------
    float
        Square root of the Jensen-Shannon divergence in base 2, over the union of the
        categories: 0 for the same frequencies, 1 for disjoint categories; NaN when either
        side is empty.
    """
    reference_counts, current_counts = Counter(reference_labels), Counter(current_labels)
    if not reference_counts or not current_counts:
        return float("nan")
    # A Counter keeps first-seen order, so mixed types and None need no sorting.
    categories = list(reference_counts | current_counts)
    reference_frequencies = np.array([reference_counts[c] for c in categories], dtype=float)
    current_frequencies = np.array([current_counts[c] for c in categories], dtype=float)
    distance = jensenshannon(reference_frequencies, current_frequencies, base=2)
    # Rounding can push disjoint distributions a hair past 1.
    return float(np.clip(distance, 0.0, 1.0))
