"""Segment one as-of month: train, score with the latest model, or publish a pinned version.

The plan for a month:

- **skipped** when the feature window behind it is shorter than ``min_history_months``, when
  no customer ordered in the month (its extracts have not landed), or too few customers are
  left to cluster: its segmentation rows are cleared;
- **rollback** when a model version is pinned: that registered model scores the month, so
  its assignments are published again;
- **trained** on the first segmentable month, every ``retrain_every_months`` months after it,
  when asked to retrain, or when no earlier model exists;
- **scored** otherwise, by the latest model trained before the month, unless that leaves a
  segment below the minimum volume share: then a new model is trained (the constraint holds
  on every published month, not only on training months).

Everything a month publishes is written in one transaction.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from seg_assets.lib.automation.settings import GuardSettings
from seg_assets.lib.model_guard.review import review_candidate
from seg_assets.lib.segmentation.constraints import verify_min_share
from seg_assets.lib.segmentation.evaluation import archetype_recovery, planted_archetypes
from seg_assets.lib.segmentation.model import Scored, SegmentationModel
from seg_assets.lib.segmentation.registry import (
    Decision,
    RegisteredModel,
    clear_month,
    ensure_tables,
    latest_model_before,
    model_status,
    next_segment_id,
    publish_model,
    publish_month,
    published_version,
    record_decision,
    registered_model,
)
from seg_assets.lib.segmentation.settings import SegmentationSettings
from seg_assets.lib.segmentation.training import (
    NotEnoughCustomersError,
    TrainingResult,
    assignment_agreement,
    canonical_frame,
    train_segmentation,
    with_volume,
)
from seg_assets.lib.warehouse import transaction


@dataclass(frozen=True)
class MonthOutcome:
    """What was published for one month, and why.

    Attributes
    ----------
    month : date
    mode : str
        ``trained``, ``scored``, ``rollback`` or ``skipped``.
    version : str or None
        Model version published (None when skipped).
    reason : str
        The plan in words.
    training : TrainingResult or None
        Present when a model was trained.
    scored : Scored or None
        The month's assignments (None when skipped).
    metrics : dict
        Period-over-period stability and, with planted truth, archetype recovery.
    """

    month: date
    mode: str
    version: str | None
    reason: str
    training: TrainingResult | None = None
    scored: Scored | None = None
    metrics: dict[str, float | int] = field(default_factory=dict)


def month_features(con: duckdb.DuckDBPyConnection, month: date) -> pl.DataFrame:
    """The feature mart's rows at ``month``."""
    return con.sql(
        "select * from marts.fct_customer_features where as_of_month = ? order by customer_key",
        params=[month],
    ).pl()


def first_segmentable_month(
    con: duckdb.DuckDBPyConnection, settings: SegmentationSettings
) -> date | None:
    """The first as-of month whose feature window covers ``min_history_months``."""
    [(first,)] = con.execute(
        "select min(as_of_month) from marts.fct_customer_features where months_in_window >= ?",
        [settings.min_history_months],
    ).fetchall()
    return first


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def previous_month(month: date) -> date:
    """First day of the month before ``month``."""
    return (month - timedelta(days=1)).replace(day=1)


def period_over_period(
    con: duckdb.DuckDBPyConnection, month: date, assignments: pl.DataFrame
) -> dict[str, float | int]:
    """ARI and the share keeping their segment id against the previous month's publication
    (see ``training.assignment_agreement``)."""
    before = con.sql(
        "select customer_key, segment_id, segment_kind from segmentation.customer_segments"
        " where as_of_month = ?",
        params=[previous_month(month)],
    ).pl()
    return assignment_agreement(before, assignments, "period_over_period")


def _plan(
    con: duckdb.DuckDBPyConnection,
    month: date,
    settings: SegmentationSettings,
    frame: pl.DataFrame,
    retrain: bool,
) -> tuple[str, str]:
    if frame.is_empty():
        return "skipped", "no customer has features at this month"
    if not frame.get_column("last_order_month").eq(month).any():
        # A month without a single order has not landed yet (or the data ends before it):
        # its trailing windows would describe customers who merely stopped appearing.
        return "skipped", "no customer ordered in this month: its extracts have not landed"
    window = int(frame.get_column("months_in_window").max())
    if window < settings.min_history_months:
        return "skipped", (
            f"the feature window covers {window} months, fewer than min_history_months "
            f"{settings.min_history_months}"
        )
    previous = latest_model_before(con, month)
    if previous is None:
        return "trained", "no model was trained before this month"
    if retrain:
        return "trained", "a retrain was asked for"
    first = first_segmentable_month(con, settings) or month
    since = _months_between(first, month)
    if since % settings.retrain_every_months == 0:
        return "trained", (
            f"{since} months after the first segmented month {first}, a multiple of "
            f"retrain_every_months {settings.retrain_every_months}"
        )
    return "scored", f"scored with {previous.version}, trained on {previous.as_of_month}"


@dataclass(frozen=True)
class OperatorDecision:
    """A person's decision on a model version, carried by the run that applies it.

    Attributes
    ----------
    action : str
        ``approve`` (publish a pending version for its month), ``reject`` (keep the serving
        model; the version never scores a month) or ``rollback`` (publish the version for the
        run's months, even where the minimum-share rule would block it).
    version, decided_by, reason : str
        The version, who decided and why (all required).
    """

    action: str
    version: str
    decided_by: str
    reason: str


DECISIONS = {"approve": "approved", "reject": "rejected", "rollback": "rolled_back"}


def segment_month(
    con: duckdb.DuckDBPyConnection,
    month: date,
    settings: SegmentationSettings,
    run_id: str,
    pinned_version: str | None = None,
    retrain: bool = False,
    truth_dir: Path | None = None,
    guard: GuardSettings | None = None,
    operator: OperatorDecision | None = None,
) -> MonthOutcome:
    """Plan, compute and publish one month's segmentation (see the module docstring).

    With ``guard``, a model trained while an earlier one serves replaces it only when the
    guard approves; otherwise it is registered as pending approval and the earlier model
    scores the month. ``operator`` applies a person's decision instead of the plan.
    """
    ensure_tables(con)
    if operator is not None:
        return _apply_decision(con, month, settings, run_id, operator)
    raw = month_features(con, month)
    if pinned_version:
        mode, reason = "rollback", f"model version {pinned_version} pinned by the run"
    else:
        mode, reason = _plan(con, month, settings, raw, retrain)
    if mode == "skipped":
        return _skip(con, month, reason)
    pinned = registered_model(con, pinned_version) if pinned_version else None
    columns = settings.source_columns() + (() if pinned is None else pinned.model.source_columns)
    frame = canonical_frame(raw, tuple(dict.fromkeys(columns)))
    previous = latest_model_before(con, month)
    if mode != "trained":
        registered = pinned or previous
        assert registered is not None  # the plan scores only when an earlier model exists
        model, scored = registered.model, registered.model.score(frame)
        small = _small_segments(scored.assignments, frame, settings)
        if small and mode == "scored":
            # Drift left a segment below the business minimum: a new model must fix it.
            mode = "trained"
            reason = (
                f"scoring with {model.version} left {small} below min_volume_share "
                f"{settings.min_volume_share:g}, so a new model was trained"
            )
    if mode != "trained":
        return _publish(con, month, settings, run_id, frame, Published(model, scored, mode, reason))
    try:
        training = train_segmentation(
            frame,
            settings,
            month,
            None if previous is None else previous.model,
            next_segment_id(con, month),
        )
    except NotEnoughCustomersError as error:
        return _skip(con, month, str(error))
    candidate = Published(training.model, training.scored, mode, reason, training)
    if guard is None or previous is None:
        return _publish(
            con,
            month,
            settings,
            run_id,
            frame,
            candidate,
            truth_dir=truth_dir,
            previous_version=None if previous is None else previous.version,
        )
    return _guarded(con, month, settings, run_id, frame, candidate, previous, guard, truth_dir)


@dataclass(frozen=True)
class Published:
    """What a month publishes: the model that scores it and why, with its training if new."""

    model: SegmentationModel
    scored: Scored
    mode: str
    reason: str
    training: TrainingResult | None = None


def _publish(
    con: duckdb.DuckDBPyConnection,
    month: date,
    settings: SegmentationSettings,
    run_id: str,
    frame: pl.DataFrame,
    published: Published,
    truth_dir: Path | None = None,
    held: tuple[TrainingResult, Decision] | None = None,
    decision: Decision | None = None,
    previous_version: str | None = None,
) -> MonthOutcome:
    """Write the month (and a trained or held model, registered after ``previous_version``,
    with its decision) in one transaction."""
    assignments = with_volume(published.scored.assignments, frame, settings.volume_measure)
    training = published.training or (held[0] if held else None)
    # A held model's metrics describe its own assignments, not the ones published.
    trained = (
        with_volume(held[0].scored.assignments, frame, settings.volume_measure)
        if held
        else assignments
    )
    model_metrics = period_over_period(con, month, trained)
    if training is not None and truth_dir is not None:
        model_metrics |= _truth_metrics(
            con, truth_dir, month, trained, training.scored, frame, settings.seed
        )
    with transaction(con):
        if training is not None:
            publish_model(con, training, settings, month, previous_version, model_metrics)
        for made in (decision, held[1] if held else None):
            if made is not None:
                record_decision(con, made, run_id)
        publication = "scored" if held else published.mode
        scored = published.scored
        publish_month(
            con,
            month,
            published.model.version,
            assignments,
            scored.explanations,
            scored.excluded,
            publication,
            run_id,
        )
    mode = "held" if held else published.mode
    return MonthOutcome(
        month, mode, published.model.version, published.reason, training, scored, model_metrics
    )


def _guarded(
    con: duckdb.DuckDBPyConnection,
    month: date,
    settings: SegmentationSettings,
    run_id: str,
    frame: pl.DataFrame,
    candidate: Published,
    previous: RegisteredModel,
    guard: GuardSettings,
    truth_dir: Path | None,
) -> MonthOutcome:
    """Publish the candidate if the guard (or an earlier approval) lets it replace
    ``previous``; else register it as pending and publish ``previous``'s scores."""
    training = candidate.training
    assert training is not None  # only trained candidates are guarded
    version = training.model.version
    status = model_status(con, version)
    if status == "approved":
        # A rerun of an approved month: the person's decision stands.
        return _publish(
            con,
            month,
            settings,
            run_id,
            frame,
            candidate,
            truth_dir,
            previous_version=previous.version,
        )
    serving = previous.model.score(frame)
    if status == "rejected":
        kept = Published(previous.model, serving, "scored", f"{version} was rejected")
        return _publish(con, month, settings, run_id, frame, kept)
    small = _small_segments(training.scored.assignments, frame, settings)
    review = review_candidate(
        con,
        month,
        serving.assignments,
        training.scored.assignments,
        {
            "bootstrap_ari": float(training.metrics.get("bootstrap_ari_mean", float("nan"))),
            "holdout_ari": float(training.metrics.get("holdout_ari", float("nan"))),
        },
        [f"min_volume_share ({small})"] if small else [],
        guard,
        datetime.now(UTC),
    )
    decision = Decision(
        model_version=version,
        as_of_month=month,
        decision=review.decision.verdict,
        decided_by="guard",
        reason="; ".join(review.decision.reasons),
        serving_version=previous.version,
        impact_report=review.report,
    )
    if review.decision.approved:
        return _publish(
            con,
            month,
            settings,
            run_id,
            frame,
            candidate,
            truth_dir,
            decision=decision,
            previous_version=previous.version,
        )
    kept = Published(
        previous.model,
        serving,
        "scored",
        f"{candidate.reason}; {version} is pending approval ({decision.reason}), so"
        f" {previous.version} keeps serving",
    )
    return _publish(
        con,
        month,
        settings,
        run_id,
        frame,
        kept,
        truth_dir,
        held=(training, decision),
        previous_version=previous.version,
    )


def _apply_decision(
    con: duckdb.DuckDBPyConnection,
    month: date,
    settings: SegmentationSettings,
    run_id: str,
    operator: OperatorDecision,
) -> MonthOutcome:
    """Record a person's decision and publish what it asks for."""
    registered = registered_model(con, operator.version)
    if operator.action in ("approve", "reject") and registered.as_of_month != month:
        raise DecisionError(
            f"{operator.version} was trained on {registered.as_of_month}: {operator.action} it"
            f" in a run of that month, not {month}"
        )
    decision = Decision(
        model_version=operator.version,
        as_of_month=month,
        decision=DECISIONS[operator.action],
        decided_by=operator.decided_by,
        reason=operator.reason,
        serving_version=published_version(con, month),
    )
    if operator.action == "reject":
        with transaction(con):
            record_decision(con, decision, run_id)
        return MonthOutcome(month, "rejected", decision.serving_version, operator.reason)
    frame = canonical_frame(
        month_features(con, month),
        tuple(dict.fromkeys(settings.source_columns() + registered.model.source_columns)),
    )
    mode = "approved" if operator.action == "approve" else "rollback"
    published = Published(
        registered.model,
        registered.model.score(frame),
        mode,
        f"{operator.action} by {operator.decided_by}: {operator.reason}",
    )
    return _publish(con, month, settings, run_id, frame, published, decision=decision)


class DecisionError(ValueError):
    """A person's decision cannot apply to the run's months."""


def _truth_metrics(
    con: duckdb.DuckDBPyConnection,
    truth_dir: Path,
    month: date,
    assignments: pl.DataFrame,
    scored: Scored,
    frame: pl.DataFrame,
    seed: int,
) -> dict[str, float | int]:
    """Archetype recovery (the month's archetypes, after any planted switch) and the
    supervised ceiling where planted truth exists (else none)."""
    truth = planted_archetypes(con, truth_dir, month)
    if truth is None:
        return {}
    keys = frame.get_column("customer_key").gather(scored.clustered)
    return archetype_recovery(assignments, scored.prepared, keys, truth, seed)


def _small_segments(
    assignments: pl.DataFrame, frame: pl.DataFrame, settings: SegmentationSettings
) -> str:
    """Cluster segments below the minimum volume share, in words ('' when none)."""
    assignments = with_volume(assignments, frame, settings.volume_measure)
    clustered = assignments.filter(pl.col("segment_kind") == "cluster")
    if clustered.is_empty():
        return ""
    violations = verify_min_share(
        clustered.get_column("segment_id").to_numpy(),
        clustered.get_column("volume").to_numpy(),
        settings.min_volume_share,
    )
    return ", ".join(f"segment {v.segment} ({v.share:.1%})" for v in violations)


def _skip(con: duckdb.DuckDBPyConnection, month: date, reason: str) -> MonthOutcome:
    """Clear the month's segmentation rows: nothing is published for it."""
    with transaction(con):
        clear_month(con, month)
    return MonthOutcome(month, "skipped", None, reason)


def rescore_mismatches(
    model: SegmentationModel, frame: pl.DataFrame, published: pl.DataFrame
) -> int:
    """Customers whose published segment differs from the persisted model's score of
    ``frame`` (0 when every assignment reproduces)."""
    scored = model.score(frame).assignments.select("customer_key", "segment_id")
    joined = published.join(scored, on="customer_key", how="full", suffix="_rescored")
    return joined.filter(pl.col("segment_id").ne_missing(pl.col("segment_id_rescored"))).height
