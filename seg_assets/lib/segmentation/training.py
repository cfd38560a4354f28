"""Train one segmentation model on one month's features, end to end, reproducibly.

Screen (data errors out, strategic outliers aside) -> prepare (transform, impute, scale,
weight) -> select a clustering -> enforce the minimum volume share -> settle on nearest-centroid
assignment (what the persisted model reproduces) -> keep the previous model's ids and names
(Hungarian matching on centroids) -> name new segments from their profiles -> score, explain,
and measure stability. The same frame, settings, previous model and seed give the same model
version, ids and assignments.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import polars as pl
from sklearn.metrics import adjusted_rand_score

from seg_assets.lib.segmentation.alignment import Alignment, align_centroids
from seg_assets.lib.segmentation.constraints import (
    SegmentMerge,
    enforce_min_share,
    segment_volume_shares,
    verify_min_share,
)
from seg_assets.lib.segmentation.explanations import SurrogateRules, surrogate_rules
from seg_assets.lib.segmentation.geometry import assign_nearest, segment_centroids
from seg_assets.lib.segmentation.model import (
    Scored,
    SegmentationModel,
    transform_features,
)
from seg_assets.lib.segmentation.naming import profile_z_scores, segment_names
from seg_assets.lib.segmentation.preparation import (
    apply_scaler,
    feature_weight_vector,
    fit_scaler,
    impute_median,
    weight_features,
)
from seg_assets.lib.segmentation.screening import StrategicRule, data_errors
from seg_assets.lib.segmentation.selection import ModelSelection, select_model
from seg_assets.lib.segmentation.settings import CUSTOMER_COUNT, SegmentationSettings
from seg_assets.lib.segmentation.stability import (
    bootstrap_stability,
    holdout_stability,
    perturbation_sensitivity,
)

# Features are rounded before fingerprinting and fitting: DuckDB's parallel aggregates can
# differ in the last bits between runs, which must not change the model version.
FEATURE_DECIMALS = 9
MAX_SETTLING_ROUNDS = 10


class NotEnoughCustomersError(ValueError):
    """Too few customers are left to cluster into the minimum number of segments."""


@dataclass(frozen=True)
class TrainingResult:
    """The model and everything measured while training it.

    Attributes
    ----------
    model : SegmentationModel
    scored : Scored
        The training month scored by the model: the assignments to publish.
    selection : ModelSelection
        Every candidate clustering and the choice.
    merges : tuple of SegmentMerge
        Segments merged to meet the minimum volume share (local labels).
    alignment : Alignment
        New local labels to stable ids, and the previous ids kept, created and retired.
    segments : pl.DataFrame
        One row per segment id of this model, and per previous id retired by it.
    stability : pl.DataFrame
        ``check, feature, value``: bootstrap, holdout, perturbation and period-over-period.
    rules : SurrogateRules
        Readable rules of a shallow tree fitted to the assignments, and its fidelity.
    metrics : dict
        Headline figures for the registry.
    """

    model: SegmentationModel
    scored: Scored
    selection: ModelSelection
    merges: tuple[SegmentMerge, ...]
    alignment: Alignment
    segments: pl.DataFrame
    stability: pl.DataFrame
    rules: SurrogateRules
    metrics: dict[str, float | int | str | None]


def canonical_frame(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """``customer_key`` and ``columns`` (those a segmentation reads) as rounded floats, by key."""
    missing = [column for column in ("customer_key", *columns) if column not in frame.columns]
    if missing:
        raise ValueError(
            f"the feature frame lacks {missing}; columns are {frame.columns}. Check "
            "config/segmentation.yaml against marts.fct_customer_features"
        )
    return frame.select(
        pl.col("customer_key").cast(pl.String),
        *(pl.col(column).cast(pl.Float64).round(FEATURE_DECIMALS) for column in columns),
    ).sort("customer_key")


def data_fingerprint(frame: pl.DataFrame) -> str:
    """Digest of the canonical frame's contents."""
    return hashlib.sha256(frame.write_csv().encode()).hexdigest()[:16]


def model_version(
    as_of_month: date, settings: SegmentationSettings, fingerprint: str, previous: str | None
) -> str:
    """``YYYY-MM-<digest>`` of the month, settings, data and the model it follows."""
    digest = hashlib.sha256(
        f"{settings.fingerprint}|{fingerprint}|{previous or ''}|{settings.seed}".encode()
    ).hexdigest()[:10]
    return f"{as_of_month:%Y-%m}-{digest}"


def volume_of(frame: pl.DataFrame, measure: str) -> np.ndarray:
    """Weight of each customer in the volume-share constraint (nulls and negatives count 0)."""
    if measure == CUSTOMER_COUNT:
        return np.ones(frame.height)
    return np.clip(frame.get_column(measure).fill_null(0.0).to_numpy().astype(float), 0.0, None)


def with_volume(assignments: pl.DataFrame, frame: pl.DataFrame, measure: str) -> pl.DataFrame:
    """``assignments`` with each customer's ``volume`` under ``measure`` (see ``volume_of``)."""
    volume = frame.select("customer_key", pl.Series("volume", volume_of(frame, measure)))
    return assignments.join(volume, on="customer_key", how="left")


def settle_segments(
    prepared: np.ndarray, labels: np.ndarray, volume: np.ndarray, min_share: float
) -> tuple[np.ndarray, np.ndarray, tuple[SegmentMerge, ...]]:
    """Merge small segments, then assign every row to its nearest centroid, until both hold.

    Returns the segment ids and centroids the published assignment is nearest to, and the
    merges made; noise rows (HDBSCAN) join their nearest segment too.
    """
    merges: list[SegmentMerge] = []
    for _ in range(MAX_SETTLING_ROUNDS):
        merged = enforce_min_share(prepared, labels, volume, min_share)
        merges.extend(merged.merges)
        ids, centroids = segment_centroids(prepared, merged.labels)
        nearest = assign_nearest(prepared, centroids, ids)
        settled = set(np.unique(nearest).tolist()) == set(ids.tolist())
        if len(ids) < 2 or (settled and not verify_min_share(nearest, volume, min_share)):
            break
        labels = nearest
    return ids, centroids, tuple(merges)


def _aligned(
    ids: np.ndarray,
    centroids: np.ndarray,
    space: SegmentationModel,
    previous: SegmentationModel | None,
    next_id: int,
    max_shift: float,
) -> Alignment:
    if previous is not None and previous.feature_names == space.feature_names:
        return align_centroids(
            centroids,
            previous.centroids_in_space_of(space),
            new_labels=ids.tolist(),
            previous_ids=previous.segment_ids.tolist(),
            max_distance=max_shift,
            next_id=next_id,
        )
    # No comparable previous model: every segment is new, every previous id retired.
    fresh = {int(label): next_id + i for i, label in enumerate(ids)}
    retired = () if previous is None else tuple(int(i) for i in previous.segment_ids)
    return Alignment(mapping=fresh, matched={}, new_ids=tuple(fresh.values()), retired_ids=retired)


def _stability(
    prepared: np.ndarray,
    selection: ModelSelection,
    settings: SegmentationSettings,
    feature_names: tuple[str, ...],
) -> list[tuple[str, str | None, float]]:
    chosen = selection.chosen
    reference, parameter = chosen.labels, chosen.parameter
    if len(prepared) > settings.stability.max_rows:
        # Resampling checks cost a refit each: on a seeded sample they stay bounded (a minimum
        # cluster size, a count of rows, shrinks with the sample).
        rng = np.random.default_rng(settings.seed)
        rows = np.sort(rng.choice(len(prepared), size=settings.stability.max_rows, replace=False))
        if chosen.algorithm == "hdbscan":
            parameter = max(2, round(parameter * len(rows) / len(prepared)))
        prepared, reference = prepared[rows], reference[rows]
    options = {
        "random_state": settings.seed,
        "n_init": settings.stability.kmeans_restarts,
        "max_fit_rows": settings.selection.max_fit_rows,
    }
    bootstrap = bootstrap_stability(
        prepared,
        reference,
        chosen.algorithm,
        parameter,
        n_resamples=settings.stability.bootstrap_resamples,
        **options,
    )
    p05, p50, p95 = bootstrap.quantiles()
    holdout = holdout_stability(
        prepared,
        chosen.algorithm,
        parameter,
        holdout_share=settings.stability.holdout_share,
        **options,
    )
    perturbation = perturbation_sensitivity(
        prepared,
        reference,
        chosen.algorithm,
        parameter,
        noise_fraction=settings.stability.perturbation_noise,
        **options,
    )
    return [
        ("bootstrap_ari_mean", None, bootstrap.mean),
        ("bootstrap_ari_std", None, bootstrap.std),
        ("bootstrap_ari_p05", None, float(p05)),
        ("bootstrap_ari_p50", None, float(p50)),
        ("bootstrap_ari_p95", None, float(p95)),
        ("holdout_ari", None, holdout.ari),
        *(
            ("perturbation_ari", name, float(score))
            for name, score in zip(feature_names, perturbation, strict=True)
        ),
    ]


def assignment_agreement(
    before: pl.DataFrame, now: pl.DataFrame, prefix: str
) -> dict[str, float | int]:
    """ARI and the share keeping their segment id between two assignments of customers.

    Over customers clustered (not strategic) in both frames (``customer_key``,
    ``segment_id``, ``segment_kind``); empty when they share none. Keys are
    ``<prefix>_ari``, ``<prefix>_kept_share`` and ``<prefix>_customers``.
    """
    joined = before.filter(pl.col("segment_kind") == "cluster").join(
        now.filter(pl.col("segment_kind") == "cluster"), on="customer_key", suffix="_now"
    )
    if joined.is_empty():
        return {}
    then = joined.get_column("segment_id").to_numpy()
    current = joined.get_column("segment_id_now").to_numpy()
    return {
        f"{prefix}_ari": float(adjusted_rand_score(then, current)),
        f"{prefix}_kept_share": float(np.mean(then == current)),
        f"{prefix}_customers": joined.height,
    }


def train_segmentation(
    frame: pl.DataFrame,
    settings: SegmentationSettings,
    as_of_month: date,
    previous: SegmentationModel | None = None,
    next_id: int = 1,
) -> TrainingResult:
    """Train, align, score and measure a model on one month's customer features.

    Parameters
    ----------
    frame : pl.DataFrame
        ``customer_key`` and the columns ``settings.source_columns()`` names, one row per
        customer (the feature mart at the as-of month).
    settings : SegmentationSettings
    as_of_month : date
        Month the features describe (part of the version).
    previous : SegmentationModel, optional
        The model this one follows: its ids and names are kept for matching segments.
    next_id : int
        First id a new segment may take: above every id ever issued (retired ids are never
        reused); at least 1, as 0 is the strategic segment.

    Returns
    -------
    TrainingResult
    """
    frame = canonical_frame(frame, settings.source_columns())
    names = settings.feature_names
    errors = data_errors(frame, settings.data_errors, settings.features)
    keep = np.ones(frame.height, dtype=bool)
    keep[errors.get_column("row").to_numpy()] = False
    rule = None
    strategic = np.zeros(frame.height, dtype=bool)
    if settings.strategic_outliers is not None:
        outliers = settings.strategic_outliers
        values = frame.get_column(outliers.feature).to_numpy().astype(float)
        rule = StrategicRule.fit(
            values[keep], outliers.feature, outliers.min_robust_z, outliers.segment_name
        )
        strategic = keep & rule.is_strategic(values)
    clustered = np.flatnonzero(keep & ~strategic)
    if len(clustered) < 2 * settings.selection.max_segments:
        raise NotEnoughCustomersError(
            f"{len(clustered)} customers left to cluster at {as_of_month} (of {frame.height}: "
            f"{int((~keep).sum())} data errors, {int(strategic.sum())} strategic); at least "
            f"{2 * settings.selection.max_segments} are needed for up to "
            f"{settings.selection.max_segments} segments"
        )
    cluster_frame = frame[clustered]
    imputation = impute_median(transform_features(cluster_frame, settings.features))
    scaler = fit_scaler(imputation.values, settings.scaling, names)
    weights = feature_weight_vector([spec.weight for spec in settings.features], names)
    prepared = weight_features(apply_scaler(imputation.values, scaler), weights)
    volume = volume_of(cluster_frame, settings.volume_measure)

    selection = select_model(
        prepared,
        min_segments=settings.selection.min_segments,
        max_segments=settings.selection.max_segments,
        algorithms=settings.selection.algorithms,
        volume=volume,
        min_share=settings.min_volume_share,
        max_noise_share=settings.selection.max_noise_share,
        silhouette_sample_size=settings.selection.silhouette_sample_size,
        silhouette_tolerance=settings.selection.silhouette_tolerance,
        random_state=settings.seed,
        n_init=settings.selection.kmeans_restarts,
        max_fit_rows=settings.selection.max_fit_rows,
    )
    local_ids, centroids, merges = settle_segments(
        prepared, selection.chosen.labels, volume, settings.min_volume_share
    )
    fingerprint = data_fingerprint(frame)
    version = model_version(
        as_of_month, settings, fingerprint, None if previous is None else previous.version
    )
    space = SegmentationModel(
        version=version,
        features=settings.features,
        scaling=settings.scaling,
        medians=imputation.medians,
        center=scaler.center,
        scale=scaler.scale,
        weights=weights,
        segment_ids=local_ids,
        segment_names=tuple(str(i) for i in local_ids),
        centroids=centroids,
        data_errors=settings.data_errors,
        strategic=rule,
        borderline_margin=settings.borderline_margin,
        top_features=settings.explanations.top_features,
    )
    if previous is not None:
        next_id = max(next_id, int(previous.segment_ids.max(initial=0)) + 1)
    alignment = _aligned(
        local_ids, centroids, space, previous, max(next_id, 1), settings.max_centroid_shift
    )
    stable_ids = np.array([alignment.mapping[int(label)] for label in local_ids])
    order = np.argsort(stable_ids)
    kept_names = {} if previous is None else previous.names_by_id
    profile = profile_z_scores(space.raw_centroids(), imputation.values)
    segment_name_by_id = segment_names(
        profile[order],
        [spec.label for spec in settings.features],
        stable_ids[order].tolist(),
        # Kept segments keep their names; retired names stay reserved, never handed on.
        keep={
            i: kept_names[i]
            for i in (*alignment.matched, *alignment.retired_ids)
            if i in kept_names
        },
    )
    model = replace(
        space,
        segment_ids=stable_ids[order],
        segment_names=tuple(segment_name_by_id[int(i)] for i in stable_ids[order]),
        centroids=centroids[order],
    )
    scored = model.score(frame)
    published = scored.assignments.filter(pl.col("segment_kind") == "cluster")
    shares = segment_volume_shares(
        published.get_column("segment_id").to_numpy(),
        volume_of(published.join(frame, on="customer_key", how="left"), settings.volume_measure),
    )
    stability = _stability(prepared, selection, settings, names)
    if previous is not None and set(previous.source_columns) <= set(frame.columns):
        agreement = assignment_agreement(
            previous.score(frame).assignments, scored.assignments, "previous_model"
        )
        stability += [(check, None, float(value)) for check, value in agreement.items()]
    # The rules read in the features' own units (untransformed), nulls at the median.
    raw = impute_median(cluster_frame.select(names).to_numpy().astype(float)).values
    cluster_labels = (
        pl.DataFrame({"customer_key": cluster_frame.get_column("customer_key")})
        .join(published.select("customer_key", "segment_id"), on="customer_key", how="left")
        .get_column("segment_id")
        .to_numpy()
    )
    rules = surrogate_rules(
        raw,
        names,
        cluster_labels,
        max_depth=settings.explanations.rule_depth,
        min_samples_leaf=settings.explanations.rule_min_customers,
        random_state=settings.seed,
    )
    segments = _segments_table(model, scored, shares, alignment)
    stability_frame = pl.DataFrame(
        stability,
        schema={"check": pl.String, "feature": pl.String, "value": pl.Float64},
        orient="row",
    )
    metrics = {
        "algorithm": selection.chosen.algorithm,
        "parameter": selection.chosen.parameter,
        "candidate_segments": selection.chosen.n_segments,
        "segments": len(model.segment_ids),
        "silhouette": selection.chosen.silhouette,
        "davies_bouldin": selection.chosen.davies_bouldin,
        "elbow_segments": selection.elbow_segments,
        "meets_constraints_before_merging": selection.meets_constraints,
        "merges": len(merges),
        "smallest_volume_share": min(shares.values()),
        "customers": frame.height,
        "customers_clustered": len(clustered),
        "customers_strategic": int(strategic.sum()),
        "customers_excluded": int((~keep).sum()),
        "customers_imputed": int(imputation.imputed.any(axis=1).sum()),
        "borderline_share": float(published.get_column("is_borderline").mean()),
        "rule_fidelity": rules.fidelity,
        "data_fingerprint": fingerprint,
        **{check: value for check, feature, value in stability if feature is None},
        "min_perturbation_ari": float(
            stability_frame.filter(pl.col("check") == "perturbation_ari").get_column("value").min()
        ),
    }
    return TrainingResult(
        model=model,
        scored=scored,
        selection=selection,
        merges=merges,
        alignment=alignment,
        segments=segments,
        stability=stability_frame,
        rules=rules,
        metrics=metrics,
    )


def _segments_table(
    model: SegmentationModel, scored: Scored, shares: dict[int, float], alignment: Alignment
) -> pl.DataFrame:
    counts = scored.assignments.group_by("segment_id", "segment_kind").len("customers")
    rows = [
        {
            "segment_id": int(segment),
            "segment_name": name,
            "segment_kind": "cluster",
            "status": "kept" if int(segment) in alignment.matched else "new",
            "volume_share": shares.get(int(segment), 0.0),
            "previous_centroid_distance": alignment.matched.get(int(segment)),
        }
        for segment, name in zip(model.segment_ids, model.segment_names, strict=True)
    ]
    rows += [
        {
            "segment_id": retired,
            "segment_name": None,
            "segment_kind": "cluster",
            "status": "retired",
            "volume_share": 0.0,
            "previous_centroid_distance": None,
        }
        for retired in alignment.retired_ids
    ]
    if model.strategic is not None:
        rows.append(
            {
                "segment_id": 0,
                "segment_name": model.strategic.segment_name,
                "segment_kind": "strategic",
                "status": "strategic",
                "volume_share": None,
                "previous_centroid_distance": None,
            }
        )
    table = pl.DataFrame(
        rows,
        schema={
            "segment_id": pl.Int32,
            "segment_name": pl.String,
            "segment_kind": pl.String,
            "status": pl.String,
            "volume_share": pl.Float64,
            "previous_centroid_distance": pl.Float64,
        },
    )
    return (
        table.join(counts.drop("segment_kind"), on="segment_id", how="left")
        .with_columns(pl.col("customers").fill_null(0).cast(pl.Int64))
        .sort("segment_id")
    )
