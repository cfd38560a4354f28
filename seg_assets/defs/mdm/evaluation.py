"""Match and hierarchy quality against planted truth, as asset metadata for the Dagster UI."""

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from seg_assets.lib.mdm.evaluation import (
    pairwise_scores,
    parent_link_scores,
    read_truth_crosswalk,
    read_truth_parent_links,
)
from seg_assets.lib.mdm.hierarchy import Hierarchy
from seg_assets.lib.mdm.overrides import StewardOverride
from seg_assets.lib.mdm.resolution import (
    CROSSWALK,
    MDM_SCHEMA,
    CrosswalkResult,
    assignments_at_thresholds,
)
from seg_assets.lib.mdm.settings import MdmSettings
from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import read_table


def _no_truth(truth_dir: Path) -> dict[str, object]:
    return {"planted_truth": f"none in {truth_dir}: precision and recall not measured"}


def published_assignment(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The published crosswalk as ``record_id`` -> ``anchor_record_id``."""
    return read_table(con, MDM_SCHEMA, CROSSWALK).select(
        "record_id", pl.col("customer_key").alias("anchor_record_id")
    )


def match_quality(
    result: CrosswalkResult,
    overrides: tuple[StewardOverride, ...],
    settings: MdmSettings,
    truth_dir: Path,
) -> dict[str, object]:
    """Pairwise precision and recall of the crosswalk and at each what-if threshold."""
    truth = read_truth_crosswalk(truth_dir)
    if truth is None:
        return _no_truth(truth_dir)
    published = result.crosswalk.select(
        "record_id", pl.col("customer_key").alias("anchor_record_id")
    )
    scores = pairwise_scores(published, truth)
    rows = []
    thresholds = {*settings.what_if_thresholds, settings.match_threshold}
    assignments = assignments_at_thresholds(
        result.records, result.pairs, overrides, tuple(thresholds)
    )
    for threshold, assignment in sorted(assignments.items()):
        at = pairwise_scores(assignment, truth)
        rows.append(
            [
                f"**{threshold}**" if threshold == settings.match_threshold else threshold,
                assignment["anchor_record_id"].n_unique(),
                f"{at.precision:.4f}",
                f"{at.recall:.4f}",
                f"{at.f1:.4f}",
            ]
        )
    return {
        "pairwise_precision": scores.precision,
        "pairwise_recall": scores.recall,
        "pairwise_f1": scores.f1,
        "true_same_customer_pairs": scores.true_pairs,
        "predicted_same_customer_pairs": scores.predicted_pairs,
        "threshold_what_if": dg.MetadataValue.md(
            markdown_table(["threshold", "customers", "precision", "recall", "F1"], rows)
        ),
    }


def hierarchy_quality(
    con: duckdb.DuckDBPyConnection, hierarchy: Hierarchy, truth_dir: Path
) -> dict[str, object]:
    """Precision and recall of the parent links against the planted ones, and how often the
    parents suggested by name for review are right."""
    truth = read_truth_crosswalk(truth_dir)
    links = read_truth_parent_links(truth_dir)
    if truth is None or links is None:
        return _no_truth(truth_dir)
    crosswalk = read_table(con, MDM_SCHEMA, CROSSWALK).select("record_id", "customer_key")
    scores = parent_link_scores(hierarchy.customers, crosswalk, truth, links)
    suggested = hierarchy.review.filter(pl.col("issue") == "suggested_parent_by_name").select(
        "customer_key", pl.col("suggested_parent_key").alias("parent_key")
    )
    suggestions = parent_link_scores(suggested, crosswalk, truth, links)
    return {
        "parent_link_precision": scores.precision,
        "parent_link_recall": scores.recall,
        "planted_parent_links": scores.true_links,
        "parent_links_found": scores.predicted_links,
        "suggested_parents_right": suggestions.correct_links,
        "suggested_parents": suggestions.predicted_links,
    }
