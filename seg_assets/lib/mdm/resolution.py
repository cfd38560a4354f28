"""The master-data steps on the warehouse: match records, publish the crosswalk, the hierarchy
and the steward audit. Each step reads its inputs from DuckDB and replaces its tables in one
transaction; the Dagster assets and the bare-DuckDB benchmark both call these."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from seg_assets.lib.mdm.clustering import cluster_at_thresholds, cluster_records
from seg_assets.lib.mdm.hierarchy import Hierarchy, resolve_hierarchy
from seg_assets.lib.mdm.matching import MatchResult, score_pairs
from seg_assets.lib.mdm.overrides import (
    StewardOverride,
    audit_rows,
    match_constraints,
    match_outcomes,
    not_found_outcome,
)
from seg_assets.lib.mdm.settings import MdmSettings
from seg_assets.lib.mdm.standardize import standardize_records
from seg_assets.lib.warehouse import (
    ensure_schema,
    qualified_table,
    read_table,
    replace_tables,
    table_exists,
    transaction,
)

MDM_SCHEMA = "mdm"
SOURCE_RECORDS = "customer_source_records"
MATCH_PAIRS = "customer_match_pairs"
CROSSWALK = "crosswalk"
HIERARCHY = "customer_hierarchy"
HIERARCHY_BRIDGE = "customer_hierarchy_bridge"
HIERARCHY_REVIEW = "hierarchy_review"
STEWARD_AUDIT = "steward_audit"


def match_records(
    con: duckdb.DuckDBPyConnection, settings: MdmSettings, duckdb_config: dict[str, Any]
) -> MatchResult:
    """Standardize ``mdm.customer_source_records``, score candidate pairs, publish the pairs."""
    records = read_table(con, MDM_SCHEMA, SOURCE_RECORDS)
    standardized = standardize_records(records, settings.fields, settings.standardization)
    result = score_pairs(standardized, settings, duckdb_config)
    replace_tables(con, MDM_SCHEMA, {MATCH_PAIRS: result.pairs})
    return result


@dataclass(frozen=True)
class CrosswalkResult:
    """The crosswalk, the overrides that name records this run does not have, and the records
    and scored pairs it was clustered from (so evaluations need not read them again)."""

    crosswalk: pl.DataFrame
    unknown_override_records: dict[str, tuple[str, ...]]
    records: pl.DataFrame
    pairs: pl.DataFrame


def crosswalk_from_clusters(records: pl.DataFrame, assignment: pl.DataFrame) -> pl.DataFrame:
    """Crosswalk rows: each source record, its golden ``customer_key`` and how it was linked."""
    sizes = assignment.group_by("anchor_record_id").len("records_in_customer")
    return (
        records.select("record_id", "source_system", "source_id")
        .join(assignment, on="record_id")
        .join(sizes, on="anchor_record_id")
        .select(
            "source_system",
            "source_id",
            "record_id",
            pl.col("anchor_record_id").alias("customer_key"),
            "match_rule",
            "match_probability",
            pl.col("records_in_customer").cast(pl.Int32),
        )
        .sort("source_system", "source_id")
    )


def assignments_at_thresholds(
    records: pl.DataFrame,
    pairs: pl.DataFrame,
    overrides: tuple[StewardOverride, ...],
    thresholds: Sequence[float],
) -> dict[float, pl.DataFrame]:
    """Each record's anchor at each threshold, with the steward overrides applied."""
    constraints = match_constraints(overrides, set(records["record_id"]))
    return cluster_at_thresholds(
        records["record_id"], pairs, thresholds, constraints.must_link, constraints.cannot_link
    )


def publish_crosswalk(
    con: duckdb.DuckDBPyConnection, overrides: tuple[StewardOverride, ...], settings: MdmSettings
) -> CrosswalkResult:
    """Cluster the scored pairs into golden customers and publish ``mdm.crosswalk``."""
    records = read_table(con, MDM_SCHEMA, SOURCE_RECORDS)
    pairs = read_table(con, MDM_SCHEMA, MATCH_PAIRS)
    constraints = match_constraints(overrides, set(records["record_id"]))
    assignment = cluster_records(
        records["record_id"],
        pairs,
        settings.match_threshold,
        constraints.must_link,
        constraints.cannot_link,
    )
    result = CrosswalkResult(
        crosswalk=crosswalk_from_clusters(records, assignment),
        unknown_override_records=constraints.unknown_records,
        records=records,
        pairs=pairs,
    )
    replace_tables(con, MDM_SCHEMA, {CROSSWALK: result.crosswalk})
    return result


def publish_hierarchy(
    con: duckdb.DuckDBPyConnection, overrides: tuple[StewardOverride, ...], settings: MdmSettings
) -> Hierarchy:
    """Resolve parents of golden customers; publish hierarchy, roll-up bridge and review list."""
    records = read_table(con, MDM_SCHEMA, SOURCE_RECORDS)
    crosswalk = read_table(con, MDM_SCHEMA, CROSSWALK)
    hierarchy = resolve_hierarchy(records, crosswalk, overrides, settings)
    replace_tables(
        con,
        MDM_SCHEMA,
        {
            HIERARCHY: hierarchy.customers,
            HIERARCHY_BRIDGE: hierarchy.bridge,
            HIERARCHY_REVIEW: hierarchy.review,
        },
    )
    return hierarchy


def override_outcomes(
    con: duckdb.DuckDBPyConnection, overrides: tuple[StewardOverride, ...], settings: MdmSettings
) -> dict[str, str]:
    """What each override did, read back from the published crosswalk and hierarchy."""
    records = read_table(con, MDM_SCHEMA, SOURCE_RECORDS)
    pairs = read_table(con, MDM_SCHEMA, MATCH_PAIRS)
    crosswalk = read_table(con, MDM_SCHEMA, CROSSWALK).select(
        "record_id", pl.col("customer_key").alias("anchor_record_id")
    )
    constraints = match_constraints(overrides, set(records["record_id"]))
    # Only force-matches and force-splits need the model's own clustering to compare with.
    model_only = (
        cluster_records(records["record_id"], pairs, settings.match_threshold)
        if constraints.must_link or constraints.cannot_link
        else crosswalk
    )
    outcomes = match_outcomes(overrides, constraints, crosswalk, model_only)
    hierarchy = read_table(con, MDM_SCHEMA, HIERARCHY)
    parent_of = dict(hierarchy.select("customer_key", "parent_key").iter_rows())
    key_of = dict(crosswalk.iter_rows())
    for override in overrides:
        if override.action != "set_parent":
            continue
        child, parent = override.records
        absent = [r for r in override.records if r is not None and r not in key_of]
        if absent:
            outcomes[override.override_id] = not_found_outcome(absent)
            continue
        wanted = key_of[parent] if parent else None
        actual = parent_of.get(key_of[child])
        if wanted == key_of[child]:
            outcome = f"not applied: child and parent are both records of {wanted}"
        elif actual == wanted:
            outcome = f"applied: {key_of[child]} -> {actual or '(no parent)'}"
        else:
            outcome = f"not applied: {key_of[child]} has parent {actual}, not {wanted}"
        outcomes[override.override_id] = outcome
    return outcomes


def append_audit(
    con: duckdb.DuckDBPyConnection,
    overrides: tuple[StewardOverride, ...],
    outcomes: dict[str, str],
    run_id: str,
) -> pl.DataFrame:
    """Append this run's override outcomes to ``mdm.steward_audit`` (its history is kept)."""
    rows = audit_rows(overrides, outcomes).with_columns(
        pl.lit(run_id).alias("run_id"),
        pl.lit(dt.datetime.now(dt.UTC).replace(tzinfo=None)).alias("applied_at"),
    )
    ensure_schema(con, MDM_SCHEMA)
    table = qualified_table(MDM_SCHEMA, STEWARD_AUDIT)
    with transaction(con):
        con.register("_audit_rows", rows.to_arrow())
        if table_exists(con, MDM_SCHEMA, STEWARD_AUDIT):
            con.execute(f"insert into {table} by name select * from _audit_rows")
        else:
            con.execute(f"create table {table} as select * from _audit_rows")
        con.unregister("_audit_rows")
    return rows
