"""Customer segmentation assets: one step trains or scores each month and publishes its tables.

The step is thin: `seg_assets.lib.segmentation.monthly` plans each month (train, score with
the latest model, roll back to a pinned version, or skip), and every table of a month is
published in one transaction. Months run in calendar order, so each model is aligned with the
one before it.
"""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.defs.partitions import month_window, monthly_partitions
from seg_assets.defs.resources import GroundTruth
from seg_assets.defs.segmentation.metadata import assignments_metadata, registry_metadata
from seg_assets.lib.automation.settings import load_automation_settings
from seg_assets.lib.model_runner import month_starts
from seg_assets.lib.segmentation.monthly import (
    DECISIONS,
    DecisionError,
    MonthOutcome,
    OperatorDecision,
    segment_month,
)
from seg_assets.lib.segmentation.settings import load_segmentation_settings
from seg_assets.lib.warehouse import qualified_table, row_count

GROUP = "segmentation"
MODEL_REGISTRY = dg.AssetKey([GROUP, "model_registry"])
CUSTOMER_SEGMENTS = dg.AssetKey([GROUP, "customer_segments"])
EXPLANATIONS = dg.AssetKey([GROUP, "customer_segment_explanations"])
SEGMENT_RULES = dg.AssetKey([GROUP, "segment_rules"])
MODEL_ASSIGNMENTS = dg.AssetKey([GROUP, "model_assignments"])
EXCLUDED = dg.AssetKey([GROUP, "excluded_customers"])
FEATURES = dg.AssetKey(["marts", "fct_customer_features"])
CROSSWALK = dg.AssetKey(["mdm", "crosswalk"])
TIERS = dg.AssetKey(["marts", "fct_customer_tiers"])
KINDS = {"python", "scikit-learn", "duckdb"}
SPEC_KEYS = (
    MODEL_REGISTRY,
    MODEL_ASSIGNMENTS,
    CUSTOMER_SEGMENTS,
    EXPLANATIONS,
    SEGMENT_RULES,
    EXCLUDED,
)


class SegmentationRunConfig(dg.Config):
    """Run options for the segmentation step (set in the launchpad, or by a sensor)."""

    model_version: str = ""
    """Roll back: publish this registered model version's assignments for the run's months
    instead of training (empty: train or score as planned)."""

    retrain: bool = False
    """Train a new model for every month of the run, even between retraining months."""

    decision: str = ""
    """A person's decision on ``model_version``: approve (publish a version pending approval
    for its month), reject (it never serves), rollback (publish it for the run's months even
    where the minimum-share rule would block it). Needs decided_by and decision_reason."""

    decided_by: str = ""
    """Who decided (recorded in segmentation.model_decisions)."""

    decision_reason: str = ""
    """Why (recorded in segmentation.model_decisions)."""

    def operator_decision(self) -> OperatorDecision | None:
        """The person's decision this run applies, validated (None when there is none)."""
        if not self.decision:
            return None
        if self.decision not in DECISIONS:
            raise DecisionError(
                f"run config decision {self.decision!r} is not one of {', '.join(DECISIONS)}"
            )
        missing = [
            name
            for name, value in (
                ("model_version", self.model_version),
                ("decided_by", self.decided_by),
                ("decision_reason", self.decision_reason),
            )
            if not value.strip()
        ]
        if missing:
            raise DecisionError(f"a {self.decision} decision needs {', '.join(missing)}")
        return OperatorDecision(
            self.decision, self.model_version, self.decided_by, self.decision_reason
        )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            MODEL_REGISTRY,
            # Tiers: the guard weighs a retrained model's downgrades by tier service levels.
            deps=[FEATURES, CROSSWALK, TIERS],
            description=(
                "segmentation.model_registry: one row per trained model version (algorithm,"
                " parameters, features, weights, scaler, data and settings fingerprints,"
                " metrics, the selection's reasons, the fitted model as JSON, created at), with"
                " model_candidates (every candidate clustering's metrics), model_stability"
                " (bootstrap, holdout, feature-perturbation and previous-model agreement) and"
                " segment_definitions (ids kept, new and retired by the alignment)."
            ),
            kinds=KINDS,
        ),
        dg.AssetSpec(
            MODEL_ASSIGNMENTS,
            deps=[MODEL_REGISTRY],
            description=(
                "segmentation.model_assignments: each trained version's assignments of its own"
                " training month, kept per version (a rollback or rerun of the month cannot"
                " overwrite them): what migration between any two versions compares."
            ),
            kinds=KINDS,
        ),
        dg.AssetSpec(
            CUSTOMER_SEGMENTS,
            deps=[FEATURES],
            description=(
                "segmentation.customer_segments: each customer's segment per as-of month, the"
                " model version that placed it, the runner-up segment, the confidence margin"
                " (d2 - d1) / (d2 + d1) and a borderline flag for review; publications logs"
                " which version each month published and why."
            ),
            kinds=KINDS,
        ),
        dg.AssetSpec(
            EXPLANATIONS,
            deps=[FEATURES],
            description=(
                "segmentation.customer_segment_explanations: per customer and month, the"
                " features that put it in its segment rather than the runner-up: the exact"
                " per-feature split of the squared-distance difference (they sum to it)."
            ),
            kinds=KINDS,
        ),
        dg.AssetSpec(
            SEGMENT_RULES,
            deps=[FEATURES],
            description=(
                "segmentation.segment_rules: readable rules per model version, the leaves of a"
                " shallow decision tree fitted to the assignments (raw feature units), with"
                " support, precision and the tree's fidelity in the registry metrics."
            ),
            kinds=KINDS,
        ),
        dg.AssetSpec(
            EXCLUDED,
            deps=[FEATURES],
            description=(
                "segmentation.excluded_customers: customers left out of a month's segmentation"
                " as data errors, with the feature, its value and the broken rule."
            ),
            kinds=KINDS,
        ),
    ],
    group_name=GROUP,
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def segment_customers(
    context: dg.AssetExecutionContext,
    config: SegmentationRunConfig,
    duckdb: DuckDBResource,
    ground_truth: GroundTruth,
):
    """Train, score or roll back each month of the run, in calendar order (see
    ``config/segmentation.yaml`` for the cadence, features and constraints)."""
    settings = load_segmentation_settings()
    guard = load_automation_settings().guard
    operator = config.operator_decision()
    window = month_window(context)
    outcomes: list[MonthOutcome] = []
    with duckdb.get_connection() as con:
        for month in month_starts(window.start, window.end):
            outcome = segment_month(
                con,
                month,
                settings,
                context.run_id,
                pinned_version=config.model_version or None,
                retrain=config.retrain,
                truth_dir=Path(ground_truth.path),
                guard=guard,
                operator=operator,
            )
            context.log.info(f"{month}: {outcome.mode} ({outcome.reason})")
            outcomes.append(outcome)
        rows = {key: row_count(con, qualified_table(*key.path)) for key in SPEC_KEYS}
    extra = {
        MODEL_REGISTRY: registry_metadata(outcomes),
        CUSTOMER_SEGMENTS: assignments_metadata(outcomes),
    }
    for key in SPEC_KEYS:
        yield dg.MaterializeResult(
            asset_key=key, metadata={"dagster/row_count": rows[key], **extra.get(key, {})}
        )


defs = dg.Definitions(assets=[segment_customers])
