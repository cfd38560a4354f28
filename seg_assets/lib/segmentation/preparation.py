"""Customer features into a clustering matrix: nulls imputed, scaled, weighted, outliers split.

Feature weights are applied as ``sqrt(w)`` multipliers after scaling, so a feature's share
of the *squared* Euclidean distance (what k-means and Ward minimise) is multiplied by ``w``:
a weight of 2 doubles the feature's contribution, a weight of 0 removes it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

ScalingMethod = Literal["robust", "standard"]

# Scale of the median absolute deviation that matches the standard deviation of a normal
# distribution, and of the mean absolute deviation (used when MAD is zero): the
# Iglewicz-Hoaglin modified z-score.
MAD_TO_SIGMA = 1.4826
MEAN_AD_TO_SIGMA = 1.253314


class FeatureMatrixError(ValueError):
    """The feature table cannot be turned into a numeric matrix (missing or empty columns)."""


@dataclass(frozen=True)
class FittedScaler:
    """Centre and scale of each feature, kept so later months are scaled the same way.

    Attributes
    ----------
    method : str
        ``"robust"`` (median and interquartile range) or ``"standard"`` (mean and
        population standard deviation).
    feature_names : tuple of str
        Column order the parameters belong to.
    center, scale : np.ndarray
        ``scaled = (value - center) / scale``; a zero spread is replaced by 1 so a constant
        feature scales to 0 instead of dividing by zero.
    """

    method: ScalingMethod
    feature_names: tuple[str, ...]
    center: np.ndarray
    scale: np.ndarray


@dataclass(frozen=True)
class Imputation:
    """Matrix with nulls replaced by the column median, and which cells were replaced.

    Attributes
    ----------
    values : np.ndarray
        The matrix without nulls.
    imputed : np.ndarray
        Boolean mask, same shape as ``values``: True where a null was replaced.
    medians : np.ndarray
        Fill value of each column (median of its non-null values; 0 if all were null).
    """

    values: np.ndarray
    imputed: np.ndarray
    medians: np.ndarray

    @property
    def imputed_rows(self) -> np.ndarray:
        """Indices of rows with at least one imputed feature."""
        return np.flatnonzero(self.imputed.any(axis=1))


@dataclass(frozen=True)
class OutlierSplit:
    """Rows whose robust z-score is extreme on at least ``min_features`` features.

    Attributes
    ----------
    is_outlier : np.ndarray
        Boolean per row.
    robust_z : np.ndarray
        Robust z-score of every cell, shape (n_rows, n_features).
    extreme_features : np.ndarray
        Boolean mask of the cells beyond the threshold.
    z_threshold : float
        Absolute z beyond which a cell counts as extreme.
    """

    is_outlier: np.ndarray
    robust_z: np.ndarray
    extreme_features: np.ndarray
    z_threshold: float

    @property
    def outlier_rows(self) -> np.ndarray:
        """Indices of the outlier rows."""
        return np.flatnonzero(self.is_outlier)

    @property
    def inlier_rows(self) -> np.ndarray:
        """Indices of the rows kept for clustering."""
        return np.flatnonzero(~self.is_outlier)


def feature_matrix(
    features: np.ndarray | pl.DataFrame,
    columns: Sequence[str] | None = None,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Numeric matrix (float64, nulls as NaN) and its column names from a frame or array.

    Parameters
    ----------
    features : np.ndarray or pl.DataFrame
        One row per customer; a 2-D array is taken as is.
    columns : sequence of str, optional
        Columns to use from a polars frame (all of them when omitted). For an array they
        only name the columns and must match its width.

    Returns
    -------
    matrix : np.ndarray
        Shape (n_rows, n_features).
    names : tuple of str
        Feature names, ``x0, x1, ...`` for an unnamed array.
    """
    if isinstance(features, pl.DataFrame):
        names = tuple(columns) if columns is not None else tuple(features.columns)
        missing = [name for name in names if name not in features.columns]
        if missing:
            raise FeatureMatrixError(
                f"feature columns {missing} are not in the frame (it has {features.columns}); "
                "check the feature list passed to the segmentation"
            )
        matrix = features.select(pl.col(name).cast(pl.Float64) for name in names).to_numpy()
    else:
        matrix = np.asarray(features, dtype=float)
        if matrix.ndim != 2:
            raise FeatureMatrixError(f"expected a 2-D feature matrix, got shape {matrix.shape}")
        names = (
            tuple(columns)
            if columns is not None
            else tuple(f"x{j}" for j in range(matrix.shape[1]))
        )
        if len(names) != matrix.shape[1]:
            raise FeatureMatrixError(
                f"{len(names)} column names given for a matrix with {matrix.shape[1]} columns"
            )
    return np.array(matrix, dtype=float), names


def impute_median(matrix: np.ndarray) -> Imputation:
    """Replace nulls (NaN) by the median of their column and record which cells changed.

    Parameters
    ----------
    matrix : np.ndarray
        Shape (n_rows, n_features), NaN where a value is missing.

    Returns
    -------
    Imputation
        The filled matrix, the mask of filled cells and each column's fill value.
    """
    matrix = np.asarray(matrix, dtype=float)
    imputed = np.isnan(matrix)
    all_null = imputed.all(axis=0)
    medians = np.zeros(matrix.shape[1])
    if (~all_null).any():
        medians[~all_null] = np.nanmedian(matrix[:, ~all_null], axis=0)
    values = np.where(imputed, medians, matrix)
    return Imputation(values=values, imputed=imputed, medians=medians)


def fit_scaler(
    matrix: np.ndarray,
    method: ScalingMethod = "robust",
    feature_names: Sequence[str] | None = None,
) -> FittedScaler:
    """Centre and spread of each column: median/IQR (robust) or mean/std (standard).

    Parameters
    ----------
    matrix : np.ndarray
        Shape (n_rows, n_features); NaN values are ignored.
    method : {"robust", "standard"}
        Robust uses the median and the 25th-75th percentile range (linear interpolation,
        as ``sklearn.preprocessing.RobustScaler``); standard uses the mean and the
        population standard deviation (``ddof=0``, as ``StandardScaler``).
    feature_names : sequence of str, optional
        Names kept with the parameters.

    Returns
    -------
    FittedScaler
    """
    matrix = np.asarray(matrix, dtype=float)
    if method == "robust":
        center = np.nanmedian(matrix, axis=0)
        q25, q75 = np.nanpercentile(matrix, [25, 75], axis=0)
        scale = q75 - q25
    elif method == "standard":
        center = np.nanmean(matrix, axis=0)
        scale = np.nanstd(matrix, axis=0)
    else:
        raise ValueError(f"unknown scaling method {method!r}; use 'robust' or 'standard'")
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    names = (
        tuple(feature_names)
        if feature_names is not None
        else tuple(f"x{j}" for j in range(matrix.shape[1]))
    )
    return FittedScaler(method=method, feature_names=names, center=center, scale=scale)


def apply_scaler(matrix: np.ndarray, scaler: FittedScaler) -> np.ndarray:
    """Scale a matrix with parameters fitted earlier (for example on last month's model)."""
    return (np.asarray(matrix, dtype=float) - scaler.center) / scaler.scale


def scale_features(
    features: np.ndarray | pl.DataFrame,
    method: ScalingMethod = "robust",
    columns: Sequence[str] | None = None,
) -> tuple[np.ndarray, FittedScaler]:
    """Scale each feature column and return the scaled matrix with the fitted parameters.

    Parameters
    ----------
    features : np.ndarray or pl.DataFrame
        One row per customer. Nulls stay NaN; impute first with :func:`impute_median`.
    method : {"robust", "standard"}
        See :func:`fit_scaler`.
    columns : sequence of str, optional
        Feature columns of a polars frame (all when omitted).

    Returns
    -------
    scaled : np.ndarray
        ``(value - center) / scale`` per column.
    scaler : FittedScaler
        The parameters, to scale later data identically with :func:`apply_scaler`.
    """
    matrix, names = feature_matrix(features, columns)
    scaler = fit_scaler(matrix, method, names)
    return apply_scaler(matrix, scaler), scaler


def feature_weight_vector(
    weights: Mapping[str, float] | Sequence[float] | np.ndarray | None,
    feature_names: Sequence[str],
) -> np.ndarray:
    """Weights in column order; a mapping may leave features out (they get weight 1).

    Parameters
    ----------
    weights : mapping, sequence or None
        By feature name, or one per column in order; None means all 1.
    feature_names : sequence of str
        Column order.

    Returns
    -------
    np.ndarray
        Non-negative weight per column.
    """
    if weights is None:
        vector = np.ones(len(feature_names))
    elif isinstance(weights, Mapping):
        unknown = sorted(set(weights) - set(feature_names))
        if unknown:
            raise FeatureMatrixError(
                f"weights given for unknown features {unknown}; known: {list(feature_names)}"
            )
        vector = np.array([float(weights.get(name, 1.0)) for name in feature_names])
    else:
        vector = np.asarray(weights, dtype=float)
        if vector.shape != (len(feature_names),):
            raise FeatureMatrixError(
                f"{vector.size} weights given for {len(feature_names)} features"
            )
    if (vector < 0).any() or not np.isfinite(vector).all():
        raise FeatureMatrixError(f"feature weights must be finite and >= 0, got {vector}")
    return vector


def weight_features(scaled: np.ndarray, weights: np.ndarray | Sequence[float]) -> np.ndarray:
    """Multiply each scaled column by ``sqrt(weight)``.

    Squared Euclidean distance is a sum over features, so feature ``j`` then contributes
    ``w_j * (a_j - b_j) ** 2``: a weight of 2 doubles its contribution to the squared
    distance (and to k-means inertia and Ward's criterion), a weight of 0 drops it.

    Parameters
    ----------
    scaled : np.ndarray
        Shape (n_rows, n_features).
    weights : array-like
        One non-negative weight per column.

    Returns
    -------
    np.ndarray
        The weighted matrix.
    """
    weights = np.asarray(weights, dtype=float)
    return np.asarray(scaled, dtype=float) * np.sqrt(weights)


def robust_z(matrix: np.ndarray) -> np.ndarray:
    """Modified z-score of each cell: ``(x - median) / (1.4826 * MAD)`` per column.

    When a column's median absolute deviation is zero (more than half the values equal),
    ``1.2533 * mean absolute deviation`` is used instead; a constant column scores 0.
    The score does not change under a per-column shift and positive rescaling, so raw or
    scaled features give the same result.

    Parameters
    ----------
    matrix : np.ndarray
        Shape (n_rows, n_features), without nulls.

    Returns
    -------
    np.ndarray
        Same shape as ``matrix``.
    """
    matrix = np.asarray(matrix, dtype=float)
    deviation = matrix - np.median(matrix, axis=0)
    spread = MAD_TO_SIGMA * np.median(np.abs(deviation), axis=0)
    fallback = MEAN_AD_TO_SIGMA * np.mean(np.abs(deviation), axis=0)
    spread = np.where(spread > 0, spread, fallback)
    safe = np.where(spread > 0, spread, 1.0)
    return np.where(spread > 0, deviation / safe, 0.0)


def split_outliers(
    matrix: np.ndarray,
    z_threshold: float = 3.5,
    min_features: int = 1,
) -> OutlierSplit:
    """Flag rows whose robust z-score is beyond the threshold on ``min_features`` features.

    The caller decides what an outlier is: a strategic account kept as a segment of its
    own, or a data error excluded and sent back to the source.

    Parameters
    ----------
    matrix : np.ndarray
        Shape (n_rows, n_features), without nulls (raw or scaled; see :func:`robust_z`).
    z_threshold : float
        A cell with ``|z| > z_threshold`` is extreme (3.5 is Iglewicz and Hoaglin's advice).
    min_features : int
        How many extreme features make a row an outlier.

    Returns
    -------
    OutlierSplit
    """
    z = robust_z(matrix)
    extreme = np.abs(z) > z_threshold
    return OutlierSplit(
        is_outlier=extreme.sum(axis=1) >= min_features,
        robust_z=z,
        extreme_features=extreme,
        z_threshold=z_threshold,
    )


@dataclass(frozen=True)
class PreparedFeatures:
    """Everything :func:`prepare_features` did, so the same steps can be replayed later.

    Attributes
    ----------
    matrix : np.ndarray
        Imputed, scaled and weighted features, ready to cluster.
    feature_names : tuple of str
    imputation : Imputation
    scaler : FittedScaler
    feature_weights : np.ndarray
    """

    matrix: np.ndarray
    feature_names: tuple[str, ...]
    imputation: Imputation
    scaler: FittedScaler
    feature_weights: np.ndarray


def prepare_features(
    features: np.ndarray | pl.DataFrame,
    columns: Sequence[str] | None = None,
    method: ScalingMethod = "robust",
    weights: Mapping[str, float] | Sequence[float] | None = None,
) -> PreparedFeatures:
    """Impute nulls with the median, scale, then weight: the clustering matrix in one call.

    Parameters
    ----------
    features : np.ndarray or pl.DataFrame
        One row per customer.
    columns : sequence of str, optional
        Feature columns (all when omitted).
    method : {"robust", "standard"}
        Scaling, see :func:`fit_scaler`.
    weights : mapping or sequence, optional
        Feature weights, see :func:`weight_features`.

    Returns
    -------
    PreparedFeatures
    """
    matrix, names = feature_matrix(features, columns)
    imputation = impute_median(matrix)
    scaler = fit_scaler(imputation.values, method, names)
    vector = feature_weight_vector(weights, names)
    weighted = weight_features(apply_scaler(imputation.values, scaler), vector)
    return PreparedFeatures(
        matrix=weighted,
        feature_names=names,
        imputation=imputation,
        scaler=scaler,
        feature_weights=vector,
    )
