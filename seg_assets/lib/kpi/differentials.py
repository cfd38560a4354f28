"""Cost-to-serve and margin differences between segments, with bootstrap confidence intervals.

Each segment's figure is a ratio of sums over its customers (cost to serve / revenue, cost to
serve / orders, net margin / revenue). Customers are resampled with replacement within each
segment (a stratified bootstrap: segments are independent samples), so a difference between
two segments carries the sampling noise of both; the interval is the percentile interval of
the resampled differences (and ratios). A difference whose interval excludes zero is called
significant.
"""

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import polars as pl

from seg_assets.lib.config import ConfigModel, NonNegativeInt, PositiveInt, Probability

# What each measure sums: numerator and denominator columns of the customer frame.
SUMMED = ("revenue", "cost_of_goods", "cost_to_serve", "orders")
MEASURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    # sums[..., i] follows SUMMED.
    "cost_to_serve_pct_revenue": lambda sums: _ratio(sums[..., 2], sums[..., 0]),
    "cost_to_serve_per_order": lambda sums: _ratio(sums[..., 2], sums[..., 3]),
    "net_margin_pct": lambda sums: _ratio(sums[..., 0] - sums[..., 1] - sums[..., 2], sums[..., 0]),
}
SEGMENT_INTERVAL_SCHEMA = {
    "segment_id": pl.Int32,
    "segment_name": pl.String,
    "measure": pl.String,
    "customers": pl.Int64,
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
}
PAIR_SCHEMA = {
    "segment_a": pl.Int32,
    "segment_a_name": pl.String,
    "segment_b": pl.Int32,
    "segment_b_name": pl.String,
    "measure": pl.String,
    "value_a": pl.Float64,
    "value_b": pl.Float64,
    "difference": pl.Float64,
    "difference_low": pl.Float64,
    "difference_high": pl.Float64,
    "ratio": pl.Float64,
    "ratio_low": pl.Float64,
    "ratio_high": pl.Float64,
    "is_significant": pl.Boolean,
}
# Columns of kpi.fct_segment_differentials: the month, then PAIR_SCHEMA.
PAIR_COLUMN_DESCRIPTIONS = {
    "month": "Published month (first day); figures over the features window ending with it.",
    "segment_a": "First segment of the pair (the lower id).",
    "segment_a_name": "Its name in the month.",
    "segment_b": "Second segment of the pair.",
    "segment_b_name": "Its name in the month.",
    "measure": "cost_to_serve_pct_revenue (sum of cost to serve / sum of revenue),"
    " cost_to_serve_per_order (currency) or net_margin_pct (a fraction of revenue).",
    "value_a": "The measure over segment_a's customers.",
    "value_b": "The measure over segment_b's customers.",
    "difference": "value_a - value_b.",
    "difference_low": "Lower bound of the difference's bootstrap percentile interval.",
    "difference_high": "Upper bound of the difference's bootstrap percentile interval.",
    "ratio": "value_a / value_b; null unless value_b is positive.",
    "ratio_low": "Lower bound of the ratio's bootstrap percentile interval.",
    "ratio_high": "Upper bound of the ratio's bootstrap percentile interval.",
    "is_significant": "The difference's interval excludes zero.",
}


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is not positive."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan
        )


class BootstrapSettings(ConfigModel):
    """How many resamples, the interval's confidence and the seed (``differentials`` of
    ``config/kpi.yaml``)."""

    bootstrap_resamples: PositiveInt
    confidence: Probability
    seed: NonNegativeInt

    @property
    def resamples(self) -> int:
        """Customers resampled with replacement this many times within each segment."""
        return self.bootstrap_resamples


@dataclass(frozen=True)
class SegmentDifferentials:
    """Per segment: each measure with its interval; per pair: differences and ratios."""

    segments: pl.DataFrame
    pairs: pl.DataFrame


def _resampled_sums(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``resamples x len(SUMMED)`` sums of the rows of ``values`` drawn with replacement."""
    rows = values.shape[0]
    sums = np.empty((resamples, values.shape[1]))
    # Chunks keep the index matrix near a few million entries for large segments.
    chunk = max(1, 4_000_000 // max(rows, 1))
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        drawn = rng.integers(0, rows, size=(stop - start, rows))
        sums[start:stop] = values[drawn].sum(axis=1)
    return sums


def _interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile interval of the finite samples (NaN when none is finite)."""
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def segment_differentials(
    customers: pl.DataFrame, settings: BootstrapSettings
) -> SegmentDifferentials:
    """Each segment's measures and every pair's differences, with bootstrap intervals.

    Parameters
    ----------
    customers
        One row per customer: ``segment_id``, ``segment_name`` and the ``SUMMED`` columns
        (revenue, cost_of_goods, cost_to_serve over one window; orders in it). Nulls count as
        zero.
    settings
        Resamples, confidence and seed (the same inputs and seed give the same intervals).

    Returns
    -------
    SegmentDifferentials
        ``segments`` (``SEGMENT_INTERVAL_SCHEMA``) and ``pairs`` (``PAIR_SCHEMA``, one row per
        pair of segments a < b and measure; difference = a - b, ratio = a / b). A figure
        whose denominator is not positive (no revenue, no orders, a ratio to a negative
        margin) is null.
    """
    rng = np.random.default_rng(settings.seed)
    names = dict(customers.group_by("segment_id").agg(pl.col("segment_name").max()).iter_rows())
    observed: dict[int, np.ndarray] = {}
    resampled: dict[int, np.ndarray] = {}
    sizes: dict[int, int] = {}
    for segment in sorted(names):
        values = (
            customers.filter(pl.col("segment_id") == segment)
            .select(pl.col(column).cast(pl.Float64).fill_null(0) for column in SUMMED)
            .to_numpy()
        )
        sizes[segment] = values.shape[0]
        observed[segment] = values.sum(axis=0)
        resampled[segment] = _resampled_sums(values, settings.resamples, rng)
    segment_rows, pair_rows = [], []
    for measure, formula in MEASURES.items():
        value = {segment: float(formula(sums)) for segment, sums in observed.items()}
        samples = {segment: formula(sums) for segment, sums in resampled.items()}
        for segment in sorted(names):
            low, high = _interval(samples[segment], settings.confidence)
            segment_rows.append(
                (segment, names[segment], measure, sizes[segment], value[segment], low, high)
            )
        for a, b in combinations(sorted(names), 2):
            difference_low, difference_high = _interval(
                samples[a] - samples[b], settings.confidence
            )
            ratio_low, ratio_high = _interval(_ratio(samples[a], samples[b]), settings.confidence)
            pair_rows.append(
                (
                    *(a, names[a], b, names[b], measure, value[a], value[b]),
                    *(value[a] - value[b], difference_low, difference_high),
                    *(float(_ratio(value[a], value[b])), ratio_low, ratio_high),
                    bool(difference_low > 0 or difference_high < 0),
                )
            )
    return SegmentDifferentials(
        segments=_nulls_for_nan(pl.DataFrame(segment_rows, SEGMENT_INTERVAL_SCHEMA, orient="row")),
        pairs=_nulls_for_nan(pl.DataFrame(pair_rows, PAIR_SCHEMA, orient="row")),
    )


def _nulls_for_nan(frame: pl.DataFrame) -> pl.DataFrame:
    """Undefined figures (no positive denominator) as nulls, which is what SQL readers expect."""
    return frame.with_columns(pl.col(pl.Float64).fill_nan(None))
