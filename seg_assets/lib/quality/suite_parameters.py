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
from typing import Annotated, Any, Self

import duckdb
from pydantic import Field, ValidationInfo, field_validator, model_validator

from seg_assets.lib.config import (
    ConfigFileError,
    ConfigModel,
    InvalidEntry,
    NonNegative,
    PositiveInt,
    load_config,
    suggestion,
)
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.identifiers import checked_identifier
from seg_assets.lib.project import config_dir, expectations_dir
from seg_assets.lib.quality.frames import Scope
from seg_assets.lib.quality.plausibility import Plausibility
from seg_assets.lib.quality.suites import Suite, read_suite

# Scale factors that make the median and mean absolute deviations estimate a standard
# deviation for normally distributed data.
_MAD_SCALE = 1.4826
_MEAN_AD_SCALE = 1.2533
# Read by every robust_z_bound parameter besides its own z setting.
OUTLIER_MIN_VALUES = "outlier_min_values"


class QualityConfigError(ConfigFileError):
    """``config/quality.yaml`` is malformed or does not match the suites' settings."""


def settings_used(suite: Suite) -> dict[str, str]:
    """The settings of ``config/quality.yaml`` the suite's parameters read, each with the
    first parameter reading it.

    Parameters
    ----------
    suite
        A suite read by ``read_suite``.
    """
    used: dict[str, str] = {}
    for parameter, source in suite.parameters.items():
        [(kind, spec)] = source.items()
        if kind == "setting":
            names = [spec]
        elif kind == "robust_z_bound" and isinstance(spec, dict):
            names = [spec.get("z"), OUTLIER_MIN_VALUES]
        elif kind == "previous_row_count" and isinstance(spec, dict):
            names = [spec.get("band")]
        else:
            names = []
        for name in names:
            used.setdefault(str(name), parameter)
    return used


def _readers_text(readers: tuple[str, ...], shown: int = 3) -> str:
    """The first few suites reading a setting, and how many more."""
    more = f" and {len(readers) - shown} more suite(s)" if len(readers) > shown else ""
    return ", ".join(readers[:shown]) + more


class Validation(ConfigModel):
    """How many rows Great Expectations is handed at a time."""

    # Rows validated at a time: bounds the validation's memory.
    batch_rows: PositiveInt
    # Keys checked for uniqueness in one frame; beyond it rows are split by a hash of the key.
    unique_batch_rows: PositiveInt


class Thresholds(ConfigModel):
    """Thresholds the suites read as parameters; one is set when some suite reads it.

    The validation context may hold ``suite_settings``: each setting the suites read, with the
    suite files and parameters reading it.
    """

    # A share of rows: 0 allows none.
    freight_cost_missing_max_share: Annotated[float, Field(ge=0, le=1)] | None = None
    row_count_band: NonNegative | None = None
    outlier_robust_z: Annotated[float, Field(gt=0)] | None = None
    outlier_min_values: PositiveInt | None = None

    @field_validator("*")
    @classmethod
    def _read_by_a_suite(cls, value: Any, info: ValidationInfo) -> Any:
        readers = (info.context or {}).get("suite_settings")
        if value is not None and readers is not None and info.field_name not in readers:
            raise ValueError(
                f"no suite in expectations/ reads this setting; remove it, or read it in a"
                f' suite as {{"setting": "{info.field_name}"}}'
            )
        return value

    @model_validator(mode="after")
    def _every_read_setting_set(self, info: ValidationInfo) -> Self:
        readers: Mapping[str, tuple[str, ...]] | None = (info.context or {}).get("suite_settings")
        if readers is None:
            return self
        names = list(type(self).model_fields)
        unknown = [
            f"{_readers_text(readers[name])} read(s) setting {name!r}, which is not a quality"
            f" threshold ({suggestion(name, names)})"
            for name in readers
            if name not in names
        ]
        if unknown:
            raise ValueError("; ".join(unknown) + ": correct the suite")
        unset = [name for name in readers if getattr(self, name) is None]
        if unset:
            also = f" (also unset: {', '.join(unset[1:])})" if unset[1:] else ""
            raise InvalidEntry(
                unset[0], f"required: {_readers_text(readers[unset[0]])} read(s) it{also}"
            )
        return self

    def as_mapping(self) -> dict[str, float]:
        """The thresholds set, by name, as ``resolve_parameters`` reads them."""
        return {name: value for name, value in self.model_dump().items() if value is not None}


class QualitySettings(ConfigModel):
    """Everything ``config/quality.yaml`` sets."""

    validation: Validation
    thresholds: Thresholds
    # Each source compared with itself: key shapes and measures against the previous run.
    plausibility: Plausibility = Plausibility()


def default_quality_settings_path() -> Path:
    """``config/quality.yaml`` (``SEG_ASSETS_CONFIG`` moves the folder)."""
    return config_dir() / "quality.yaml"


def suite_settings(suite_paths: list[Path]) -> dict[str, tuple[str, ...]]:
    """Each setting the suites at ``suite_paths`` read, with ``<suite file> (<parameter>)`` for
    each suite reading it.

    Parameters
    ----------
    suite_paths
        Suite files (``expectations/*.json``).
    """
    readers: dict[str, list[str]] = {}
    for path in suite_paths:
        for name, parameter in settings_used(read_suite(path)).items():
            readers.setdefault(name, []).append(f"expectations/{path.name} ({parameter})")
    return {name: tuple(files) for name, files in sorted(readers.items())}


def load_quality_settings(
    path: Path | None = None, suites_dir: Path | None = None, check_suites: bool = True
) -> QualitySettings:
    """Read and validate the data-quality settings.

    Parameters
    ----------
    path
        The YAML file; ``config/quality.yaml`` by default.
    suites_dir
        The folder of the suites whose settings are checked; ``expectations/`` by default.
    check_suites
        Whether each setting a suite reads must be set, and each setting set read by a suite.

    Raises
    ------
    QualityConfigError
        Listing every problem of the file with its line and column.
    """
    context = None
    if check_suites:
        suite_paths = sorted((suites_dir or expectations_dir()).glob("*.json"))
        context = {"suite_settings": suite_settings(suite_paths)}
    return load_config(
        path or default_quality_settings_path(), QualitySettings, QualityConfigError, context
    )


@cache
def _shipped_quality_settings(path: Path) -> QualitySettings:
    return load_quality_settings(path)


def quality_settings() -> QualitySettings:
    """``config/quality.yaml`` checked against the suites, read once per process (every suite
    check reads it)."""
    return _shipped_quality_settings(default_quality_settings_path())


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
        Threshold values by name (``QualitySettings.thresholds.as_mapping()``).
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
                int(_threshold(suite, OUTLIER_MIN_VALUES, thresholds)),
            )
        elif kind == "values_missing_from":
            values[name] = _values_missing_from(con, scope, spec)
        else:
            band = _threshold(suite, spec["band"], thresholds)
            values[name] = _row_count_bound(spec, band, previous_rows)
    return values
