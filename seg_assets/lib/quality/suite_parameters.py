"""Values of the suite parameters that depend on settings or on the data.

A suite declares where each ``$PARAMETER`` comes from in ``meta.parameters``:

- ``{"setting": "<name>"}``: a threshold from ``config/quality.yaml``.
- ``{"robust_z_bound": {"column": c, "side": "min" | "max", "z": "<setting>", "log": bool}}``:
  the median of ``c`` (of ``ln(c)`` with ``log``, for right-skewed amounts) over the validated
  rows minus or plus z robust standard deviations, the robust deviation being 1.4826 x the
  median absolute deviation (1.2533 x the mean absolute deviation when over half the values
  are equal); unbounded below the ``outlier_min_values`` setting. Great Expectations then
  judges each value against it.
- ``{"values_missing_from": {"column": c, "reference": "<schema>.<table>.<column>"}}``: the
  distinct values of ``c`` in the validated rows that the reference column lacks, for
  referential integrity with ``expect_column_values_to_not_be_in_set`` (Great Expectations
  then finds and counts the rows holding them). This stays small however large the reference
  is; a whole reference as an ``in_set`` list costs Great Expectations time in proportion to
  its length for every expectation it evaluates.
- ``{"previous_row_count": {"side": "min" | "max", "band": "<setting>"}}``: the previous row
  count (the previous run's, or the previous month's for a monthly scope) shrunk or grown by
  the band; with no previous count the lower side is 0 and the upper side open.
"""

import math
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.identifiers import checked_identifier
from seg_assets.lib.project import config_dir
from seg_assets.lib.quality.frames import Scope
from seg_assets.lib.quality.suites import Suite

# Scale factors that make the median and mean absolute deviations estimate a standard
# deviation for normally distributed data.
_MAD_SCALE = 1.4826
_MEAN_AD_SCALE = 1.2533


@cache
def _read_quality_settings(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) or {}


def quality_settings() -> dict[str, Any]:
    """``config/quality.yaml``."""
    return _read_quality_settings(config_dir() / "quality.yaml")


def _threshold(suite: Suite, name: str, thresholds: Mapping[str, float]) -> float:
    if name not in thresholds:
        raise SegAssetsError(
            f"{suite.path}: setting {name!r} is not in config/quality.yaml thresholds"
            f" ({', '.join(sorted(thresholds))})"
        )
    return float(thresholds[name])


def _robust_bound(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    spec: Mapping[str, Any],
    z: float,
    min_values: int,
) -> float:
    column = checked_identifier(spec["column"], "robust_z_bound column")
    unbounded = math.inf if spec["side"] == "max" else -math.inf
    # On a log scale for right-skewed amounts (prices, freight, invoices), where a z-score on
    # the raw values flags a fixed share of any long tail; zero and negative values are left
    # to the range expectations.
    value = f"ln({column})" if spec.get("log") else column
    where = f"{column} > 0" if spec.get("log") else f"{column} is not null"
    [(count, median, mad)] = con.execute(
        scope.select(
            [
                f"count(*) filter (where {where})",
                f"median({value}) filter (where {where})",
                f"mad({value}) filter (where {where})",
            ]
        ),
        scope.parameters,
    ).fetchall()
    if count < min_values:
        return unbounded  # too few values to call any of them an outlier
    spread = _MAD_SCALE * float(mad)
    if spread == 0:
        [(mean_ad,)] = con.execute(
            scope.select([f"avg(abs({value} - $median)) filter (where {where})"]),
            {**scope.parameters, "median": median},
        ).fetchall()
        spread = _MEAN_AD_SCALE * float(mean_ad or 0)
    sign = 1 if spec["side"] == "max" else -1
    bound = float(median) + sign * z * spread
    return math.exp(bound) if spec.get("log") else bound


def _values_missing_from(
    con: duckdb.DuckDBPyConnection, scope: Scope, spec: Mapping[str, Any]
) -> list[Any]:
    column = checked_identifier(spec["column"], "values_missing_from column")
    schema, table, reference = (
        checked_identifier(part, "values_missing_from reference")
        for part in spec["reference"].split(".")
    )
    present = scope.select([f"distinct {column}"])
    return [
        value
        for (value,) in con.execute(
            f"select * from ({present}) as present where {column} is not null"
            f" except select {reference} from {schema}.{table} order by 1",
            scope.parameters,
        ).fetchall()
    ]


def _row_count_bound(spec: Mapping[str, Any], band: float, previous_rows: int | None) -> int | None:
    if previous_rows is None:
        return 0 if spec["side"] == "min" else None
    if spec["side"] == "min":
        return math.floor(previous_rows * (1 - band))
    return math.ceil(previous_rows * (1 + band))


def resolve_parameters(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    scope: Scope,
    thresholds: Mapping[str, float],
    previous_rows: int | None,
) -> dict[str, Any]:
    """Every parameter ``suite`` declares, computed over ``scope``.

    Parameters
    ----------
    con
        Open warehouse connection.
    suite
        The suite whose ``meta.parameters`` are resolved.
    scope
        The rows being validated (statistics are computed over them).
    thresholds
        ``thresholds`` of ``config/quality.yaml``.
    previous_rows
        The previous row count of the scope, if known.
    """
    values: dict[str, Any] = {}
    for name, source in suite.parameters.items():
        [(kind, spec)] = source.items()
        if kind == "setting":
            values[name] = _threshold(suite, spec, thresholds)
        elif kind == "robust_z_bound":
            values[name] = _robust_bound(
                con,
                scope,
                spec,
                _threshold(suite, spec["z"], thresholds),
                int(_threshold(suite, "outlier_min_values", thresholds)),
            )
        elif kind == "values_missing_from":
            values[name] = _values_missing_from(con, scope, spec)
        else:
            band = _threshold(suite, spec["band"], thresholds)
            values[name] = _row_count_bound(spec, band, previous_rows)
    return values
