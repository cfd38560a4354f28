"""Drift of each customer feature between the training month and the current month."""

from collections.abc import Sequence

import numpy as np
import polars as pl

from seg_assets.lib.drift.statistics import js_distance, ks_statistic, psi


def _check_matrix(name: str, matrix: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """``matrix`` as a float array, checked to have one column per feature."""
    array = np.asarray(matrix, dtype=float)
    if array.ndim != 2 or array.shape[1] != len(features):
        raise ValueError(
            f"{name} must be a matrix with one column per feature ({len(features)} columns: "
            f"{', '.join(features)}), got shape {array.shape}"
        )
    return array


def feature_drift(
    reference: np.ndarray,
    current: np.ndarray,
    features: Sequence[str],
    bins: int = 10,
    floor: float = 1e-4,
) -> pl.DataFrame:
    """PSI and Kolmogorov-Smirnov statistic of every numeric feature.

    Parameters
    ----------
    reference : np.ndarray
        Training-month features, shape (n_rows, n_features), columns in ``features`` order.
    current : np.ndarray
        Current-month features, shape (m_rows, n_features); a single row is allowed.
    features : Sequence[str]
        Column names, in matrix column order.
    bins : int, default 10
        Number of quantile bins on the reference for the PSI.
    floor : float, default 1e-4
        Smallest bin share used in the PSI.

    Returns
    -------
    pl.DataFrame
        One row per feature: ``feature`` (str), ``psi`` and ``ks`` (float). A statistic that
        cannot be computed (a side with no non-NaN value) is null, not NaN, because DuckDB
        orders NaN above every number and a threshold filter would flag it.

    Raises
    ------
    ValueError
        If either matrix is not 2-D with one column per feature.
    """
    reference = _check_matrix("reference", reference, features)
    current = _check_matrix("current", current, features)
    rows = [
        (
            name,
            psi(reference[:, i], current[:, i], bins, floor),
            ks_statistic(reference[:, i], current[:, i]),
        )
        for i, name in enumerate(features)
    ]
    frame = pl.DataFrame(
        rows, schema={"feature": pl.String, "psi": pl.Float64, "ks": pl.Float64}, orient="row"
    )
    return frame.with_columns(pl.col("psi", "ks").fill_nan(None))


def categorical_drift(
    reference: pl.DataFrame, current: pl.DataFrame, columns: Sequence[str]
) -> pl.DataFrame:
    """Jensen-Shannon distance of every categorical column.

    Parameters
    ----------
    reference : pl.DataFrame
        Training-month rows.
    current : pl.DataFrame
        Current-month rows.
    columns : Sequence[str]
        Categorical columns present in both frames; a null is a category of its own.

    Returns
    -------
    pl.DataFrame
        One row per column: ``feature`` (str) and ``js`` (float), null when either frame
        has no row (null rather than NaN for the reason given in :func:`feature_drift`).

    Raises
    ------
    ValueError
        If a column is missing from either frame.
    """
    for name, frame in (("reference", reference), ("current", current)):
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise ValueError(
                f"{name} frame lacks categorical column(s) {', '.join(missing)}; "
                f"it has {', '.join(frame.columns)}"
            )
    rows = [
        (column, js_distance(reference[column].to_list(), current[column].to_list()))
        for column in columns
    ]
    frame = pl.DataFrame(rows, schema={"feature": pl.String, "js": pl.Float64}, orient="row")
    return frame.with_columns(pl.col("js").fill_nan(None))
