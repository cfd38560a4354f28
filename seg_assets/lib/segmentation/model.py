"""A fitted segmentation model: everything needed to score customers again, as plain JSON.

The model is the preparation replayed (transforms, imputation medians, scaler, weights), the
screening rules (data-error bounds, strategic-outlier threshold) and the segment centroids;
a customer joins its nearest centroid. JSON rather than a pickle: it reads back under any
library version, diffs in review, and cannot run code when loaded.
"""

import json
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from seg_assets.lib.segmentation.confidence import membership_confidence
from seg_assets.lib.segmentation.explanations import contrast_contributions, top_drivers
from seg_assets.lib.segmentation.screening import StrategicRule, data_errors
from seg_assets.lib.segmentation.settings import Bounds, FeatureSpec

STRATEGIC_SEGMENT_ID = 0
ARTIFACT_FORMAT = 1

ASSIGNMENT_SCHEMA = {
    "customer_key": pl.String,
    "segment_id": pl.Int32,
    "segment_name": pl.String,
    "segment_kind": pl.String,
    "runner_up_segment_id": pl.Int32,
    "confidence_margin": pl.Float64,
    "is_borderline": pl.Boolean,
    "imputed_features": pl.String,
}


@dataclass(frozen=True)
class Scored:
    """One month's customers scored by a model.

    Attributes
    ----------
    assignments : pl.DataFrame
        One row per segmented customer (``ASSIGNMENT_SCHEMA``).
    excluded : pl.DataFrame
        ``customer_key, feature, value, reason``: one row per broken data rule.
    explanations : pl.DataFrame
        ``customer_key, rank, feature, contribution, share_of_margin``: the features that put
        each clustered customer in its segment rather than the runner-up.
    prepared : np.ndarray
        Prepared matrix of the clustered customers (strategic and excluded ones left out).
    clustered : np.ndarray
        Row indices (in the scored frame) of the clustered customers.
    """

    assignments: pl.DataFrame
    excluded: pl.DataFrame
    explanations: pl.DataFrame
    prepared: np.ndarray
    clustered: np.ndarray


@dataclass(frozen=True)
class SegmentationModel:
    """A versioned, re-scorable segmentation (see the module docstring)."""

    version: str
    features: tuple[FeatureSpec, ...]
    scaling: str
    medians: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    segment_ids: np.ndarray
    segment_names: tuple[str, ...]
    centroids: np.ndarray
    data_errors: tuple[Bounds, ...]
    strategic: StrategicRule | None
    borderline_margin: float
    top_features: int

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Clustering features, in column order."""
        return tuple(spec.feature for spec in self.features)

    @property
    def source_columns(self) -> tuple[str, ...]:
        """Feature-mart columns scoring reads: features, bounded columns, outlier feature."""
        columns = [*self.feature_names, *(bounds.feature for bounds in self.data_errors)]
        if self.strategic is not None:
            columns.append(self.strategic.feature)
        return tuple(dict.fromkeys(columns))

    @property
    def names_by_id(self) -> dict[int, str]:
        """Segment id to name, the strategic segment included when the model has one."""
        names = dict(zip(self.segment_ids.tolist(), self.segment_names, strict=True))
        if self.strategic is not None:
            names[STRATEGIC_SEGMENT_ID] = self.strategic.segment_name
        return names

    def transformed(self, frame: pl.DataFrame) -> np.ndarray:
        """Clustering features after their transform (log or none); nulls stay NaN."""
        return transform_features(frame, self.features)

    def prepare(self, transformed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Imputed (training medians), scaled and weighted matrix, and the imputed-cell mask."""
        imputed = np.isnan(transformed)
        filled = np.where(imputed, self.medians, transformed)
        return (filled - self.center) / self.scale * np.sqrt(self.weights), imputed

    def raw_centroids(self) -> np.ndarray:
        """Centroids back in transformed (unscaled, unweighted) units; a 0-weight feature sits at
        its centre."""
        root = np.sqrt(self.weights)
        unweighted = np.divide(
            self.centroids, root, out=np.zeros_like(self.centroids), where=root > 0
        )
        return unweighted * self.scale + self.center

    def centroids_in_space_of(self, other: "SegmentationModel") -> np.ndarray:
        """This model's centroids prepared as ``other`` prepares data (same features needed)."""
        return (self.raw_centroids() - other.center) / other.scale * np.sqrt(other.weights)

    def score(self, frame: pl.DataFrame) -> Scored:
        """Screen, prepare and assign every customer of ``frame`` (``customer_key`` + features).

        Data errors are excluded, strategic outliers go to segment 0, everyone else to the
        nearest centroid, with the margin to the runner-up and its explanation.
        """
        keys = frame.get_column("customer_key")
        errors = data_errors(frame, self.data_errors, self.features)
        excluded_rows = np.unique(errors.get_column("row").to_numpy())
        keep = np.ones(frame.height, dtype=bool)
        keep[excluded_rows] = False
        strategic = np.zeros(frame.height, dtype=bool)
        if self.strategic is not None:
            values = frame.get_column(self.strategic.feature).cast(pl.Float64).to_numpy()
            strategic = keep & self.strategic.is_strategic(values)
        clustered = np.flatnonzero(keep & ~strategic)
        prepared, imputed = self.prepare(self.transformed(frame[clustered]))
        membership = membership_confidence(
            prepared, self.centroids, self.segment_ids, self.borderline_margin
        )
        names = self.names_by_id
        imputed_text = [
            ", ".join(name for name, hit in zip(self.feature_names, row, strict=True) if hit)
            or None
            for row in imputed
        ]
        cluster_rows = pl.DataFrame(
            {
                "customer_key": keys.gather(clustered),
                "segment_id": membership.segment,
                "segment_name": [names[int(s)] for s in membership.segment],
                "segment_kind": "cluster",
                "runner_up_segment_id": membership.runner_up,
                "confidence_margin": membership.margin,
                "is_borderline": membership.borderline,
                "imputed_features": imputed_text,
            },
            schema=ASSIGNMENT_SCHEMA,
        )
        strategic_rows = pl.DataFrame(
            {
                "customer_key": keys.filter(pl.Series(strategic)),
                "segment_id": STRATEGIC_SEGMENT_ID,
                "segment_name": names.get(STRATEGIC_SEGMENT_ID),
                "segment_kind": "strategic",
                "runner_up_segment_id": None,
                "confidence_margin": 1.0,
                "is_borderline": False,
                "imputed_features": None,
            },
            schema=ASSIGNMENT_SCHEMA,
        )
        position = {int(s): i for i, s in enumerate(self.segment_ids)}
        drivers = top_drivers(
            contrast_contributions(
                prepared,
                self.centroids,
                np.array([position[int(s)] for s in membership.segment], dtype=int),
                np.array([position[int(s)] for s in membership.runner_up], dtype=int),
            ),
            self.feature_names,
            self.top_features,
        )
        explanations = drivers.with_columns(
            keys.gather(clustered).gather(drivers.get_column("row")).alias("customer_key")
        ).select("customer_key", "rank", "feature", "contribution", "share_of_margin")
        excluded = errors.with_columns(
            keys.gather(errors.get_column("row")).alias("customer_key")
        ).select("customer_key", "feature", "value", "reason")
        return Scored(
            assignments=pl.concat([strategic_rows, cluster_rows]).sort("customer_key"),
            excluded=excluded,
            explanations=explanations,
            prepared=prepared,
            clustered=clustered,
        )

    def to_json(self) -> str:
        """The artifact stored in the model registry."""
        document = {
            "format": ARTIFACT_FORMAT,
            "version": self.version,
            "features": [spec.model_dump() for spec in self.features],
            "scaling": self.scaling,
            "medians": self.medians.tolist(),
            "center": self.center.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "segment_ids": self.segment_ids.tolist(),
            "segment_names": list(self.segment_names),
            "centroids": self.centroids.tolist(),
            "data_errors": [bounds.model_dump() for bounds in self.data_errors],
            "strategic": None if self.strategic is None else asdict(self.strategic),
            "borderline_margin": self.borderline_margin,
            "top_features": self.top_features,
        }
        return json.dumps(document, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "SegmentationModel":
        """Read an artifact written by :meth:`to_json`."""
        document = json.loads(text)
        if document.get("format") != ARTIFACT_FORMAT:
            raise ValueError(
                f"model artifact format {document.get('format')!r} is not {ARTIFACT_FORMAT}"
            )
        strategic = document["strategic"]
        return cls(
            version=document["version"],
            features=tuple(FeatureSpec(**spec) for spec in document["features"]),
            scaling=document["scaling"],
            medians=np.array(document["medians"], dtype=float),
            center=np.array(document["center"], dtype=float),
            scale=np.array(document["scale"], dtype=float),
            weights=np.array(document["weights"], dtype=float),
            segment_ids=np.array(document["segment_ids"], dtype=int),
            segment_names=tuple(document["segment_names"]),
            centroids=np.array(document["centroids"], dtype=float).reshape(
                len(document["segment_ids"]), len(document["features"])
            ),
            data_errors=tuple(Bounds(**bounds) for bounds in document["data_errors"]),
            strategic=None if strategic is None else StrategicRule(**strategic),
            borderline_margin=float(document["borderline_margin"]),
            top_features=int(document["top_features"]),
        )


def transform_features(frame: pl.DataFrame, features: tuple[FeatureSpec, ...]) -> np.ndarray:
    """Each feature column as float, log-transformed where configured; nulls are NaN.

    Values outside a log's domain are screened out as data errors before this is called;
    any left become NaN rather than raising.
    """
    columns = []
    for spec in features:
        values = frame.get_column(spec.feature).cast(pl.Float64).to_numpy().astype(float)
        if spec.transform == "log":
            shifted = values + spec.log_offset
            values = np.log(np.where(shifted > 0, shifted, np.nan))
        columns.append(values)
    return np.column_stack(columns) if columns else np.empty((frame.height, 0))
