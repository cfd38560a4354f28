"""Segmentation settings from ``config/segmentation.yaml``, validated when they are read."""

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from seg_assets.lib.config_reader import ConfigReader
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.project import config_dir
from seg_assets.lib.segmentation.selection import ALGORITHMS, Algorithm

TRANSFORMS = ("none", "log")
SCALINGS = ("standard", "robust")
CUSTOMER_COUNT = "customers"


class SegmentationConfigError(SegAssetsError):
    """``config/segmentation.yaml`` is malformed."""


@dataclass(frozen=True)
class FeatureSpec:
    """A clustering feature: a column of the feature mart, its transform, weight and label."""

    feature: str
    transform: Literal["none", "log"]
    log_offset: float
    weight: float
    label: str


@dataclass(frozen=True)
class Bounds:
    """Inclusive range a sane value lies in; None is unbounded."""

    feature: str
    min: float | None
    max: float | None


@dataclass(frozen=True)
class StrategicOutliers:
    """Very large customers kept out of the clustering as a segment of their own."""

    feature: str
    min_robust_z: float
    segment_name: str


@dataclass(frozen=True)
class Selection:
    """Candidate models and the rule choosing among them (see ``selection.select_model``)."""

    algorithms: tuple[Algorithm, ...]
    min_segments: int
    max_segments: int
    kmeans_restarts: int
    silhouette_sample_size: int
    silhouette_tolerance: float
    max_noise_share: float
    max_fit_rows: int


@dataclass(frozen=True)
class Explanations:
    """Drivers listed per customer and the surrogate tree behind the readable rules."""

    top_features: int
    rule_depth: int
    rule_min_customers: int


@dataclass(frozen=True)
class Stability:
    """Resampling checks recorded per model version."""

    bootstrap_resamples: int
    holdout_share: float
    perturbation_noise: float
    kmeans_restarts: int
    max_rows: int


@dataclass(frozen=True)
class SegmentationSettings:
    """Everything ``config/segmentation.yaml`` sets."""

    seed: int
    min_history_months: int
    retrain_every_months: int
    features: tuple[FeatureSpec, ...]
    scaling: Literal["standard", "robust"]
    data_errors: tuple[Bounds, ...]
    strategic_outliers: StrategicOutliers | None
    selection: Selection
    min_volume_share: float
    volume_measure: str
    max_centroid_shift: float
    borderline_margin: float
    explanations: Explanations
    stability: Stability

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Clustering feature columns, in configuration order."""
        return tuple(spec.feature for spec in self.features)

    @property
    def fingerprint(self) -> str:
        """Stable digest of every setting: part of each model version's identity."""
        canonical = json.dumps(asdict(self), sort_keys=True, default=str)
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


class _Reader(ConfigReader):
    def __init__(self, path: Path) -> None:
        super().__init__(path, SegmentationConfigError)

    def feature(self, entry: Any, where: str) -> FeatureSpec:
        entry = self.mapping(entry, where)
        transform = self.choice(entry.get("transform", "none"), TRANSFORMS, f"{where}.transform")
        offset = self.number(entry.get("log_offset", 1.0), f"{where}.log_offset")
        if transform == "log" and offset <= 0:
            raise self.fail(f"{where}.log_offset", f"{offset!r} must be > 0 for a log transform")
        feature = self.identifier(entry.get("feature"), f"{where}.feature")
        return FeatureSpec(
            feature=feature,
            transform=transform,  # type: ignore[arg-type]
            log_offset=offset,
            weight=self.non_negative(entry.get("weight", 1.0), f"{where}.weight"),
            label=str(entry.get("label") or feature.replace("_", " ")),
        )

    def bounds(self, entry: Any, where: str) -> Bounds:
        entry = self.mapping(entry, where)
        bounds = Bounds(
            feature=self.identifier(entry.get("feature"), f"{where}.feature"),
            min=self.optional_number(entry.get("min"), f"{where}.min"),
            max=self.optional_number(entry.get("max"), f"{where}.max"),
        )
        if bounds.min is not None and bounds.max is not None and bounds.min > bounds.max:
            raise self.fail(where, f"min {bounds.min} is above max {bounds.max}")
        return bounds

    def selection(self, entry: Any) -> Selection:
        entry = self.mapping(entry, "selection")
        algorithms = entry.get("algorithms", list(ALGORITHMS))
        if not isinstance(algorithms, list) or not algorithms:
            raise self.fail("selection.algorithms", "a non-empty list of algorithms is needed")
        selection = Selection(
            algorithms=tuple(
                self.choice(name, ALGORITHMS, f"selection.algorithms[{index}]")  # type: ignore[misc]
                for index, name in enumerate(algorithms)
            ),
            min_segments=self.key(entry, "selection", "min_segments", 3, self.positive_int),
            max_segments=self.key(entry, "selection", "max_segments", 8, self.positive_int),
            kmeans_restarts=self.key(entry, "selection", "kmeans_restarts", 20, self.positive_int),
            silhouette_sample_size=self.key(
                entry, "selection", "silhouette_sample_size", 2000, self.positive_int
            ),
            silhouette_tolerance=self.key(
                entry, "selection", "silhouette_tolerance", 0.01, self.non_negative
            ),
            max_noise_share=self.key(entry, "selection", "max_noise_share", 0.1, self.probability),
            max_fit_rows=self.key(entry, "selection", "max_fit_rows", 10000, self.positive_int),
        )
        if not 2 <= selection.min_segments <= selection.max_segments:
            raise self.fail(
                "selection",
                f"need 2 <= min_segments <= max_segments, got {selection.min_segments} and "
                f"{selection.max_segments}",
            )
        return selection

    def settings(self, document: dict[str, Any]) -> SegmentationSettings:
        features = document.get("features")
        if not isinstance(features, list) or not features:
            raise self.fail("features", "a non-empty list of clustering features is needed")
        specs = tuple(self.feature(entry, f"features[{i}]") for i, entry in enumerate(features))
        names = [spec.feature for spec in specs]
        if len(set(names)) != len(names):
            raise self.fail("features", f"a feature is listed twice: {names}")
        if not any(spec.weight > 0 for spec in specs):
            raise self.fail("features", "at least one feature needs a weight above 0")
        outliers = document.get("strategic_outliers")
        explanations = self.mapping(document.get("explanations"), "explanations")
        stability = self.mapping(document.get("stability"), "stability")
        volume_measure = str(document.get("volume_measure", CUSTOMER_COUNT))
        if volume_measure != CUSTOMER_COUNT:
            volume_measure = self.identifier(volume_measure, "volume_measure")
        return SegmentationSettings(
            seed=int(self.key(document, "", "seed", 0, self.number)),
            min_history_months=self.key(document, "", "min_history_months", 12, self.positive_int),
            retrain_every_months=self.key(
                document, "", "retrain_every_months", 1, self.positive_int
            ),
            features=specs,
            scaling=self.choice(document.get("scaling", "standard"), SCALINGS, "scaling"),  # type: ignore[arg-type]
            data_errors=tuple(
                self.bounds(entry, f"data_errors[{i}]")
                for i, entry in enumerate(document.get("data_errors") or [])
            ),
            strategic_outliers=None
            if outliers is None
            else StrategicOutliers(
                feature=self.identifier(
                    self.mapping(outliers, "strategic_outliers").get("feature"),
                    "strategic_outliers.feature",
                ),
                min_robust_z=self.key(
                    outliers, "strategic_outliers", "min_robust_z", 3.5, self.number
                ),
                segment_name=str(outliers.get("segment_name") or "Strategic accounts"),
            ),
            selection=self.selection(document.get("selection")),
            min_volume_share=self.key(document, "", "min_volume_share", 0.05, self.non_negative),
            volume_measure=volume_measure,
            max_centroid_shift=self.key(document, "", "max_centroid_shift", 1.0, self.non_negative),
            borderline_margin=self.key(document, "", "borderline_margin", 0.1, self.non_negative),
            explanations=Explanations(
                top_features=self.key(
                    explanations, "explanations", "top_features", 3, self.positive_int
                ),
                rule_depth=self.key(
                    explanations, "explanations", "rule_depth", 3, self.positive_int
                ),
                rule_min_customers=self.key(
                    explanations, "explanations", "rule_min_customers", 20, self.positive_int
                ),
            ),
            stability=Stability(
                bootstrap_resamples=self.key(
                    stability, "stability", "bootstrap_resamples", 20, self.positive_int
                ),
                holdout_share=self.key(
                    stability, "stability", "holdout_share", 0.3, self.probability
                ),
                perturbation_noise=self.key(
                    stability, "stability", "perturbation_noise", 0.1, self.non_negative
                ),
                kmeans_restarts=self.key(
                    stability, "stability", "kmeans_restarts", 4, self.positive_int
                ),
                max_rows=self.key(stability, "stability", "max_rows", 20000, self.positive_int),
            ),
        )


def load_segmentation_settings(path: Path | None = None) -> SegmentationSettings:
    """Read and validate the segmentation settings.

    Parameters
    ----------
    path
        The YAML file; ``config/segmentation.yaml`` by default.
    """
    source = path or default_segmentation_settings_path()
    reader = _Reader(source)
    return reader.settings(reader.document())
