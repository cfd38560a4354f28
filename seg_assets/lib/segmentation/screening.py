"""Customers kept out of the clustering: data errors (excluded, listed) and strategic outliers.

A data error is a value no real customer can have (outside its configured bounds, or not
positive where a log transform needs it); the customer is excluded and listed with the
feature, value and reason, so the source can be fixed. A strategic outlier is real but so
large that it would pull the centroids: it gets a segment of its own.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from seg_assets.lib.segmentation.preparation import MAD_TO_SIGMA, MEAN_AD_TO_SIGMA
from seg_assets.lib.segmentation.settings import Bounds, FeatureSpec

EXCLUDED_COLUMNS = {"row": pl.Int64, "feature": pl.String, "value": pl.Float64, "reason": pl.String}


def data_errors(
    frame: pl.DataFrame, bounds: Sequence[Bounds], features: Sequence[FeatureSpec]
) -> pl.DataFrame:
    """Every value breaking a bound or a log transform's domain, one row per broken rule.

    Parameters
    ----------
    frame : pl.DataFrame
        One row per customer with the bounded and transformed columns.
    bounds : sequence of Bounds
        Inclusive ranges; a null (or NaN) value never breaks a bound (it is imputed and
        flagged instead).
    features : sequence of FeatureSpec
        Clustering features; a log-transformed one must be above ``-log_offset``.

    Returns
    -------
    pl.DataFrame
        Columns ``row`` (index in ``frame``), ``feature``, ``value``, ``reason``; ordered by
        row, then rule order.
    """
    checks: list[tuple[str, pl.Expr, str]] = []
    for rule in bounds:
        value = pl.col(rule.feature).cast(pl.Float64).fill_nan(None)
        if rule.min is not None:
            checks.append((rule.feature, value < rule.min, f"below the minimum {rule.min:g}"))
        if rule.max is not None:
            checks.append((rule.feature, value > rule.max, f"above the maximum {rule.max:g}"))
    for spec in features:
        if spec.transform == "log":
            value = pl.col(spec.feature).cast(pl.Float64).fill_nan(None)
            checks.append(
                (
                    spec.feature,
                    value <= -spec.log_offset,
                    f"at or below {-spec.log_offset:g}, outside the log transform's domain",
                )
            )
    indexed = frame.with_row_index("row")
    parts = [
        indexed.filter(condition.fill_null(False)).select(
            pl.col("row").cast(pl.Int64),
            pl.lit(feature).alias("feature"),
            pl.col(feature).cast(pl.Float64).alias("value"),
            pl.lit(f"{feature} {reason}").alias("reason"),
            pl.lit(order).alias("rule_order"),
        )
        for order, (feature, condition, reason) in enumerate(checks)
    ]
    if not parts:
        return pl.DataFrame(schema=EXCLUDED_COLUMNS)
    return pl.concat(parts).sort("row", "rule_order").drop("rule_order")


@dataclass(frozen=True)
class StrategicRule:
    """Robust z-score of ``log(1 + value)`` above which a customer is a strategic outlier.

    The centre and spread are those of the training customers, kept in the model so later
    months are judged on the same scale.
    """

    feature: str
    center: float
    spread: float
    min_robust_z: float
    segment_name: str

    @classmethod
    def fit(
        cls, values: np.ndarray, feature: str, min_robust_z: float, segment_name: str
    ) -> "StrategicRule":
        """Median and MAD-based spread of ``log(1 + max(value, 0))`` (nulls ignored)."""
        logged = _log_values(values)
        logged = logged[~np.isnan(logged)]
        if not len(logged):
            return cls(feature, 0.0, 1.0, min_robust_z, segment_name)
        center = float(np.median(logged))
        deviation = np.abs(logged - center)
        spread = MAD_TO_SIGMA * float(np.median(deviation))
        if spread <= 0:
            spread = MEAN_AD_TO_SIGMA * float(np.mean(deviation))
        return cls(feature, center, spread if spread > 0 else 1.0, min_robust_z, segment_name)

    def robust_z(self, values: np.ndarray) -> np.ndarray:
        """The score of each value (NaN for a null)."""
        return (_log_values(values) - self.center) / self.spread

    def is_strategic(self, values: np.ndarray) -> np.ndarray:
        """True where the score exceeds the threshold (never for a null)."""
        z = self.robust_z(values)
        return np.where(np.isnan(z), False, z > self.min_robust_z)


def _log_values(values: np.ndarray) -> np.ndarray:
    return np.log1p(np.clip(np.asarray(values, dtype=float), 0.0, None))
