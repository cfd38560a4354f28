"""One month's drift of the published model against its training month, as history rows.

The reference is the model's own training month scored again by the model (the features as
prepared for it, its segments, volumes and confidence); the month is the published assignment
and the same preparation of that month's features. Every metric becomes one row with its
watch and act levels, its state and a sentence, and one ``overall`` row per month holds the
worst state and the act (or else watch) sentences: what the drift sensor puts in its tags.
"""

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import polars as pl

from seg_assets.lib.automation.settings import DRIFT_METRICS, DriftSettings
from seg_assets.lib.drift.features import categorical_drift, feature_drift
from seg_assets.lib.drift.segments import segment_drift
from seg_assets.lib.drift.states import classify, worst
from seg_assets.lib.segmentation.model import Scored, SegmentationModel
from seg_assets.lib.segmentation.monthly import previous_month
from seg_assets.lib.segmentation.registry import published_version, registered_model
from seg_assets.lib.segmentation.training import canonical_frame, with_volume

HISTORY_COLUMNS = {
    "as_of_month": pl.Date,
    "model_version": pl.String,
    "reference_month": pl.Date,
    "subject_kind": pl.String,
    "subject": pl.String,
    "metric": pl.String,
    "value": pl.Float64,
    "watch": pl.Float64,
    "act": pl.Float64,
    "state": pl.String,
    "detail": pl.String,
}
OVERALL = "overall"


@dataclass(frozen=True)
class MonthInputs:
    """What one month's drift compares.

    Attributes
    ----------
    month, reference_month : date
        The as-of month and the model's training month.
    model : SegmentationModel
        The published model.
    reference, current : pl.DataFrame
        Feature-mart rows of the two months (``customer_key`` and every column read).
    published, previous : pl.DataFrame
        The month's published assignments (``customer_key, segment_id, segment_name,
        segment_kind, confidence_margin, volume``) and last month's (``customer_key,
        segment_id``; empty when none).
    volume_measure : str
        How customers weigh in segment shares (``customers`` or a feature column).
    """

    month: date
    reference_month: date
    model: SegmentationModel
    reference: pl.DataFrame
    current: pl.DataFrame
    published: pl.DataFrame
    previous: pl.DataFrame
    volume_measure: str


@dataclass
class _Rows:
    inputs: MonthInputs
    settings: DriftSettings
    rows: list[dict[str, object]]

    def add(
        self,
        kind: str,
        subject: str,
        metric: str,
        value: float | None,
        describe: str,
        judged: float | None = None,
    ) -> None:
        """One metric row; ``judged`` (default ``value``) is what the levels apply to."""
        level = self.settings.thresholds[metric]
        judged = value if judged is None else judged
        state = classify(judged, level.watch, level.act, lower_is_worse=DRIFT_METRICS[metric])
        clean = None if value is None or np.isnan(value) else float(value)
        detail = None
        if state != "ok":
            bound = level.act if state == "act" else level.watch
            detail = f"{describe} {clean:.3g} (at or beyond {state} {bound:g})"
        self.rows.append(
            {
                "as_of_month": self.inputs.month,
                "model_version": self.inputs.model.version,
                "reference_month": self.inputs.reference_month,
                "subject_kind": kind,
                "subject": subject,
                "metric": metric,
                "value": clean,
                "watch": level.watch,
                "act": level.act,
                "state": state,
                "detail": detail,
            }
        )


def _scored(model: SegmentationModel, frame: pl.DataFrame) -> tuple[Scored, pl.DataFrame]:
    canonical = canonical_frame(frame, model.source_columns)
    return model.score(canonical), canonical


def month_drift(inputs: MonthInputs, settings: DriftSettings) -> pl.DataFrame:
    """Every drift metric of ``inputs.month`` as history rows (``HISTORY_COLUMNS``)."""
    model = inputs.model
    columns = tuple(dict.fromkeys([*model.source_columns, inputs.volume_measure]))
    columns = tuple(c for c in columns if c != "customers")
    reference_scored, reference_frame = _scored(
        model, inputs.reference.select("customer_key", *columns)
    )
    current_scored, _ = _scored(model, inputs.current.select("customer_key", *columns))
    rows = _Rows(inputs, settings, [])
    _feature_rows(rows, reference_scored, current_scored)
    _categorical_rows(rows)
    reference_assignments = with_volume(
        reference_scored.assignments, reference_frame, inputs.volume_measure
    )
    _segment_rows(rows, reference_assignments)
    return _with_overall(pl.DataFrame(rows.rows, schema=HISTORY_COLUMNS, orient="row"), inputs)


def _feature_rows(rows: _Rows, reference: Scored, current: Scored) -> None:
    names = rows.inputs.model.feature_names
    labels = {spec.feature: spec.label for spec in rows.inputs.model.features}
    drift = feature_drift(
        reference.prepared,
        current.prepared,
        names,
        bins=rows.settings.bins,
        floor=rows.settings.psi_floor,
    )
    psi_level = rows.settings.thresholds["psi"]
    drifted = 0
    for feature, psi, ks in drift.select("feature", "psi", "ks").iter_rows():
        rows.add("feature", feature, "psi", psi, f"PSI of {labels[feature]}")
        rows.add("feature", feature, "ks", ks, f"KS statistic of {labels[feature]}")
        drifted += int(psi is not None and not np.isnan(psi) and psi >= psi_level.watch)
    rows.add(
        "month",
        "all features",
        "drifted_feature_share",
        drifted / len(names) if names else None,
        f"share of features with PSI at watch or beyond ({drifted} of {len(names)})",
    )


def _categorical_rows(rows: _Rows) -> None:
    present = [
        c
        for c in rows.settings.categorical_features
        if c in rows.inputs.reference.columns and c in rows.inputs.current.columns
    ]
    if not present:
        return
    drift = categorical_drift(
        rows.inputs.reference.select(present), rows.inputs.current.select(present), present
    )
    for feature, js in drift.select("feature", "js").iter_rows():
        rows.add("categorical", feature, "js", js, f"Jensen-Shannon distance of {feature}")


def _segment_rows(rows: _Rows, reference: pl.DataFrame) -> None:
    published = rows.inputs.published
    previous = rows.inputs.previous
    drift = segment_drift(
        reference.select("customer_key", "segment_id", "volume"),
        published.select("customer_key", "segment_id", "confidence_margin", "volume"),
        None if previous.is_empty() else previous.select("customer_key", "segment_id"),
    )
    names = rows.inputs.model.names_by_id
    reference_confidence = (
        reference.filter(pl.col("segment_kind") == "cluster").get_column("confidence_margin").mean()
    )
    for record in drift.iter_rows(named=True):
        segment = record["segment_id"]
        if segment is None:
            _all_customer_rows(rows, record, reference_confidence)
            continue
        name = names.get(int(segment), f"segment {segment}")
        change = record["relative_share_change"]
        rows.add(
            "segment",
            f"{segment} {name}",
            "segment_share_change",
            change,
            f"volume share of {name} moved ({record['reference_share']:.1%} ->"
            f" {record['current_share']:.1%}) by",
            judged=None if change is None else abs(change),
        )


def _all_customer_rows(
    rows: _Rows, record: dict[str, object], reference_confidence: object
) -> None:
    rows.add(
        "month",
        "all customers",
        "switched_share",
        record["switched_share"],  # type: ignore[arg-type]
        "share of customers whose nearest segment changed since last month",
    )
    current = record["mean_confidence"]
    drop = None
    if isinstance(reference_confidence, float) and reference_confidence > 0 and current is not None:
        drop = (reference_confidence - float(current)) / reference_confidence  # type: ignore[arg-type]
    rows.add(
        "month",
        "all customers",
        "confidence_drop",
        drop,
        "relative fall of mean assignment confidence against training",
    )
    rows.add(
        "month",
        "all customers",
        "new_customer_share",
        record["new_customer_share"],  # type: ignore[arg-type]
        "share of customers not in the training month",
    )


def _with_overall(history: pl.DataFrame, inputs: MonthInputs) -> pl.DataFrame:
    states = history.get_column("state").to_list()
    state = worst(states)
    details = history.filter(pl.col("state") == state).get_column("detail").drop_nulls()
    overall = {
        "as_of_month": inputs.month,
        "model_version": inputs.model.version,
        "reference_month": inputs.reference_month,
        "subject_kind": "month",
        "subject": OVERALL,
        "metric": "state",
        "value": float(states.count("act")),
        "watch": None,
        "act": None,
        "state": state,
        "detail": "; ".join(details.to_list()) if state != "ok" else None,
    }
    return pl.concat([history, pl.DataFrame([overall], schema=HISTORY_COLUMNS, orient="row")])


def load_month_inputs(
    con: duckdb.DuckDBPyConnection, month: date, volume_measure: str
) -> MonthInputs | None:
    """The month's published model, features and assignments (None when nothing was
    published for the month)."""
    version = published_version(con, month)
    if version is None:
        return None
    registered = registered_model(con, version)
    features = (
        "select * from marts.fct_customer_features where as_of_month = ? order by customer_key"
    )
    assignments = (
        "select customer_key, segment_id, segment_name, segment_kind, confidence_margin, volume"
        " from segmentation.customer_segments where as_of_month = ? order by customer_key"
    )
    return MonthInputs(
        month=month,
        reference_month=registered.as_of_month,
        model=registered.model,
        reference=con.sql(features, params=[registered.as_of_month]).pl(),
        current=con.sql(features, params=[month]).pl(),
        published=con.sql(assignments, params=[month]).pl(),
        # Switching is measured under one model: another version's ids are another partition.
        previous=con.sql(
            "select customer_key, segment_id from segmentation.customer_segments"
            " where as_of_month = ? and model_version = ?",
            params=[previous_month(month), version],
        ).pl(),
        volume_measure=volume_measure,
    )
