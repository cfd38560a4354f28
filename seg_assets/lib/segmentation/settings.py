"""Segmentation settings from ``config/segmentation.yaml``, a typed schema validated on load."""

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from seg_assets.lib.config import (
    ConfigFileError,
    ConfigModel,
    Identifier,
    InvalidEntry,
    Items,
    NonEmptyItems,
    NonNegative,
    PositiveInt,
    Probability,
    load_config,
    suggestion,
)
from seg_assets.lib.project import config_dir, sql_dir
from seg_assets.lib.segmentation.selection import ALGORITHMS, Algorithm
from seg_assets.lib.sql_models import parse_model

CUSTOMER_COUNT = "customers"
FEATURE_MART = ("marts", "fct_customer_features")


class SegmentationConfigError(ConfigFileError):
    """``config/segmentation.yaml`` is malformed."""


def _feature_column(value: str, info: ValidationInfo) -> str:
    """A column of the feature mart, when the loader passed its columns as context."""
    columns = (info.context or {}).get("feature_columns")
    if columns is not None and value not in columns:
        raise ValueError(
            f"{value!r} is not a column of {'.'.join(FEATURE_MART)}; {suggestion(value, columns)}"
        )
    return value


class FeatureSpec(ConfigModel):
    """A clustering feature: a column of the feature mart, its transform, weight and label."""

    feature: Identifier
    transform: Literal["none", "log"] = "none"
    log_offset: float = 1.0
    weight: NonNegative = 1.0
    label: str = ""

    _feature_exists = field_validator("feature")(_feature_column)

    @model_validator(mode="after")
    def _offset_and_label(self) -> Self:
        if self.transform == "log" and self.log_offset <= 0:
            raise InvalidEntry("log_offset", f"{self.log_offset} must be > 0 for a log transform")
        if not self.label:
            object.__setattr__(self, "label", self.feature.replace("_", " "))
        return self


class Bounds(ConfigModel):
    """Inclusive range a sane value lies in; None is unbounded."""

    feature: Identifier
    min: float | None = None
    max: float | None = None

    _feature_exists = field_validator("feature")(_feature_column)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise InvalidEntry("min", f"min {self.min} is above max {self.max}")
        return self


class StrategicOutliers(ConfigModel):
    """Very large customers kept out of the clustering as a segment of their own."""

    feature: Identifier
    # A robust z-score threshold: at or below 0 every customer would be an outlier.
    min_robust_z: float = Field(default=3.5, gt=0)
    segment_name: str = Field(default="Strategic accounts", min_length=1)

    _feature_exists = field_validator("feature")(_feature_column)


class Selection(ConfigModel):
    """Candidate models and the rule choosing among them (see ``selection.select_model``)."""

    algorithms: NonEmptyItems[Algorithm] = ALGORITHMS
    min_segments: int = Field(default=3, ge=2)
    max_segments: PositiveInt = 8
    kmeans_restarts: PositiveInt = 20
    silhouette_sample_size: PositiveInt = 2000
    silhouette_tolerance: NonNegative = 0.01
    max_noise_share: Probability = 0.1
    max_fit_rows: PositiveInt = 10000

    @model_validator(mode="after")
    def _segment_range(self) -> Self:
        if self.min_segments > self.max_segments:
            raise InvalidEntry(
                "min_segments",
                f"min_segments {self.min_segments} is above max_segments {self.max_segments}",
            )
        return self


class Explanations(ConfigModel):
    """Drivers listed per customer and the surrogate tree behind the readable rules."""

    top_features: PositiveInt = 3
    rule_depth: PositiveInt = 3
    rule_min_customers: PositiveInt = 20


class Stability(ConfigModel):
    """Resampling checks recorded per model version."""

    bootstrap_resamples: PositiveInt = 20
    holdout_share: Probability = 0.3
    perturbation_noise: NonNegative = 0.1
    kmeans_restarts: PositiveInt = 4
    max_rows: PositiveInt = 20000


class SegmentationSettings(ConfigModel):
    """Everything ``config/segmentation.yaml`` sets."""

    seed: int = 0
    min_history_months: PositiveInt = 12
    retrain_every_months: PositiveInt = 1
    features: NonEmptyItems[FeatureSpec]
    scaling: Literal["standard", "robust"] = "standard"
    data_errors: Items[Bounds] = ()
    strategic_outliers: StrategicOutliers | None = None
    selection: Selection = Selection()
    # 0 turns the constraint off; with min_segments segments a share above
    # 1 / min_segments can never be met (checked below).
    min_volume_share: float = Field(default=0.05, ge=0, lt=1)
    volume_measure: Identifier = CUSTOMER_COUNT
    max_centroid_shift: NonNegative = 1.0
    borderline_margin: NonNegative = 0.1
    explanations: Explanations = Explanations()
    stability: Stability = Stability()

    @field_validator("volume_measure")
    @classmethod
    def _volume_column(cls, value: str, info: ValidationInfo) -> str:
        return value if value == CUSTOMER_COUNT else _feature_column(value, info)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = [spec.feature for spec in self.features]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise InvalidEntry("features", f"{', '.join(twice)} listed more than once")
        if not any(spec.weight > 0 for spec in self.features):
            raise InvalidEntry("features", "at least one feature needs a weight above 0")
        if self.min_volume_share * self.selection.min_segments > 1:
            raise InvalidEntry(
                "min_volume_share",
                f"min_volume_share {self.min_volume_share} times selection.min_segments "
                f"{self.selection.min_segments} is above 1: no model could meet it",
            )
        return self

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Clustering feature columns, in configuration order."""
        return tuple(spec.feature for spec in self.features)

    @property
    def fingerprint(self) -> str:
        """Stable digest of every setting: part of each model version's identity."""
        canonical = json.dumps(self.model_dump(), sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def source_columns(self) -> tuple[str, ...]:
        """Feature-mart columns the segmentation reads, each once, in first-use order."""
        columns = [*self.feature_names, *(bounds.feature for bounds in self.data_errors)]
        if self.strategic_outliers is not None:
            columns.append(self.strategic_outliers.feature)
        if self.volume_measure != CUSTOMER_COUNT:
            columns.append(self.volume_measure)
        return tuple(dict.fromkeys(columns))


def default_segmentation_settings_path() -> Path:
    """``config/segmentation.yaml`` (``SEG_ASSETS_CONFIG`` moves the folder)."""
    return config_dir() / "segmentation.yaml"


@cache
def feature_mart_columns() -> tuple[str, ...]:
    """The feature mart's columns, read from its SQL model: the names features may use."""
    schema, name = FEATURE_MART
    columns = parse_model(sql_dir() / schema / f"{name}.sql").output_columns()
    assert columns is not None, "the feature mart's final select must name its columns"
    return columns


def load_segmentation_settings(
    path: Path | None = None, check_feature_mart: bool = True
) -> SegmentationSettings:
    """Read and validate the segmentation settings.

    Parameters
    ----------
    path
        The YAML file; ``config/segmentation.yaml`` by default.
    check_feature_mart
        Whether every feature named must be a column of the feature mart (off for settings
        of synthetic frames in tests).
    """
    context = {"feature_columns": feature_mart_columns()} if check_feature_mart else None
    return load_config(
        path or default_segmentation_settings_path(),
        SegmentationSettings,
        SegmentationConfigError,
        context=context,
    )
