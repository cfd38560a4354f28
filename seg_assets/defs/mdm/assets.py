"""Master-data assets: source records and golden records from ``sql/mdm``, and the Python steps
between them (matching, crosswalk, hierarchy, steward audit) from ``lib/mdm``."""

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from seg_assets.defs.mdm.evaluation import hierarchy_quality, match_quality
from seg_assets.defs.resources import GroundTruth, StewardOverridesFile
from seg_assets.defs.sql_model_assets import model_assets
from seg_assets.defs.table_metadata import table_metadata
from seg_assets.lib.mdm.matching import match_weights_table
from seg_assets.lib.mdm.overrides import load_overrides
from seg_assets.lib.mdm.resolution import (
    CROSSWALK,
    HIERARCHY,
    HIERARCHY_BRIDGE,
    HIERARCHY_REVIEW,
    MATCH_PAIRS,
    MDM_SCHEMA,
    SOURCE_RECORDS,
    STEWARD_AUDIT,
    append_audit,
    match_records,
    override_outcomes,
    publish_crosswalk,
    publish_hierarchy,
)
from seg_assets.lib.mdm.settings import load_mdm_settings
from seg_assets.lib.pipeline_settings import load_pipeline_settings
from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import qualified_table, row_count

MDM_GROUP = "mdm"
KINDS = {"duckdb", "python"}


def mdm_key(table: str) -> dg.AssetKey:
    """Asset key of ``mdm.<table>``."""
    return dg.AssetKey([MDM_SCHEMA, table])


def _mdm_asset(table: str, deps: list[str], kinds: frozenset[str] = frozenset()) -> Callable:
    """``@dg.asset`` for ``mdm.<table>`` built from the mdm tables ``deps``."""
    return dg.asset(
        key=mdm_key(table),
        group_name=MDM_GROUP,
        deps=[mdm_key(dep) for dep in deps],
        kinds={*KINDS, *kinds},
    )


def frame_markdown(frame: pl.DataFrame, limit: int = 20) -> dg.MetadataValue:
    """The first ``limit`` rows of a frame as a markdown table."""
    return dg.MetadataValue.md(markdown_table(frame.columns, frame.head(limit).rows()))


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    return dict(frame.group_by(column).len().sort(column).iter_rows())


@_mdm_asset(MATCH_PAIRS, [SOURCE_RECORDS], frozenset({"splink"}))
def customer_match_pairs(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Candidate pairs of customer records and how likely each pair is one customer.

    Names, addresses, tax IDs and ID references are standardized as `config/mdm.yaml` says.
    Deterministic rules (same tax ID and country, same ERP customer number) link pairs with
    probability 1; every other candidate pair (records sharing a blocking key, never all
    pairs) is scored by a Fellegi-Sunter model that Splink trains without labels on this run's
    records. `gamma_<field>` is the comparison level each field reached, so a steward can see
    why two records matched.
    """
    settings = load_mdm_settings()
    duckdb_config = load_pipeline_settings().duckdb_config
    with duckdb.get_connection() as con:
        result = match_records(con, settings, duckdb_config)
        metadata = table_metadata(con, MDM_SCHEMA, MATCH_PAIRS)
    context.log.info(f"match model trained: {'; '.join(result.training_steps)}")
    return dg.MaterializeResult(
        metadata={
            **metadata,
            "pairs_by_rule": _counts(result.pairs, "match_rule"),
            "training_steps": dg.MetadataValue.md(
                "\n".join(f"- {step}" for step in result.training_steps)
            ),
            "match_weights": frame_markdown(match_weights_table(result.model), limit=100),
            "seconds": {name: round(value, 2) for name, value in result.seconds.items()},
        }
    )


@_mdm_asset(CROSSWALK, [MATCH_PAIRS, SOURCE_RECORDS])
def crosswalk(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBResource,
    steward_overrides: StewardOverridesFile,
    ground_truth: GroundTruth,
) -> dg.MaterializeResult:
    """Every source record (system, source ID) and the golden `customer_key` it belongs to.

    Pairs at or above the match threshold are linked, strongest evidence first (steward
    force-matches, deterministic rules, then probability); a link that would join records a
    steward force-split is refused. A customer's key is the record that anchors it: its oldest
    ERP record if it has one (ERP before CRM before finance, then by ID), so keys do not move
    between runs. `match_rule` and `match_probability` give the strongest link that put the
    record in its customer (`unmatched` if none). Against planted truth, if there is any, the
    metadata reports pairwise precision and recall at the threshold and at the what-if ones.
    """
    settings = load_mdm_settings()
    overrides = load_overrides(Path(steward_overrides.path))
    with duckdb.get_connection() as con:
        result = publish_crosswalk(con, overrides, settings)
        metadata = table_metadata(con, MDM_SCHEMA, CROSSWALK)
    quality = match_quality(result, overrides, settings, Path(ground_truth.path))
    for override_id, records in result.unknown_override_records.items():
        context.log.warning(
            f"steward override {override_id} not applied: {', '.join(records)} not found"
        )
    table = result.crosswalk
    return dg.MaterializeResult(
        metadata={
            **metadata,
            "records_by_system": _counts(table, "source_system"),
            "golden_customers": table["customer_key"].n_unique(),
            "records_by_match_rule": _counts(table, "match_rule"),
            "match_threshold": settings.match_threshold,
            "steward_overrides": len(overrides),
            **quality,
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            mdm_key(HIERARCHY),
            group_name=MDM_GROUP,
            kinds=KINDS,
            deps=[mdm_key(CROSSWALK), mdm_key(SOURCE_RECORDS)],
            description=(
                "Each golden customer's parent (`parent_key`, null at the top), the evidence"
                " for it (`steward`, `erp_parent_id`, `crm_parent_name`), its ultimate parent,"
                " its depth (0 at the top) and its path from the top. Strongest evidence wins;"
                " a CRM parent name is resolved to the customer whose records carry that name"
                " (exact, else abbreviated; several candidates are narrowed to known parents,"
                " then to the child's country; a group named for a site is narrowed to the"
                " group member whose name the site's extends). Links closing a cycle are"
                " dropped, weakest first."
            ),
        ),
        dg.AssetSpec(
            mdm_key(HIERARCHY_BRIDGE),
            group_name=MDM_GROUP,
            kinds=KINDS,
            deps=[mdm_key(HIERARCHY)],
            description=(
                "Every (ancestor, customer) pair of the hierarchy, each customer also paired"
                " with itself (`levels_below` 0): join any customer metric on `customer_key`"
                " and group by `ancestor_key` to roll it up to any level."
            ),
        ),
        dg.AssetSpec(
            mdm_key(HIERARCHY_REVIEW),
            group_name=MDM_GROUP,
            kinds=KINDS,
            deps=[mdm_key(HIERARCHY)],
            description=(
                "Parent evidence a steward should look at: parent names that fit no customer"
                " or several, parent IDs that do not exist, conflicting parents, cycles"
                " broken, and parents suggested because a customer's name extends another's"
                " (`suggested_parent_key`; confirm with a set_parent override)."
            ),
        ),
    ],
)
def customer_hierarchy(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBResource,
    steward_overrides: StewardOverridesFile,
    ground_truth: GroundTruth,
):
    """Parent-subsidiary hierarchy of golden customers."""
    settings = load_mdm_settings()
    overrides = load_overrides(Path(steward_overrides.path))
    with duckdb.get_connection() as con:
        hierarchy = publish_hierarchy(con, overrides, settings)
        quality = hierarchy_quality(con, hierarchy, Path(ground_truth.path))
        tables = {
            name: table_metadata(con, MDM_SCHEMA, name)
            for name in (HIERARCHY, HIERARCHY_BRIDGE, HIERARCHY_REVIEW)
        }
    customers = hierarchy.customers
    yield dg.MaterializeResult(
        asset_key=mdm_key(HIERARCHY),
        metadata={
            **tables[HIERARCHY],
            "customers_by_depth": {
                str(depth): count for depth, count in _counts(customers, "depth").items()
            },
            "parents_by_evidence": _counts(
                customers.drop_nulls("parent_evidence"), "parent_evidence"
            ),
            "groups": customers.filter(pl.col("depth") > 0)["ultimate_parent_key"].n_unique(),
            **quality,
        },
    )
    yield dg.MaterializeResult(
        asset_key=mdm_key(HIERARCHY_BRIDGE), metadata=tables[HIERARCHY_BRIDGE]
    )
    review = hierarchy.review
    if review.height:
        context.log.warning(
            f"{review.height} hierarchy issue(s) for review in mdm.{HIERARCHY_REVIEW}"
        )
    yield dg.MaterializeResult(
        asset_key=mdm_key(HIERARCHY_REVIEW),
        metadata={**tables[HIERARCHY_REVIEW], "issues": _counts(review, "issue")},
    )


@_mdm_asset(STEWARD_AUDIT, [CROSSWALK, HIERARCHY])
def steward_audit(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBResource,
    steward_overrides: StewardOverridesFile,
) -> dg.MaterializeResult:
    """Audit trail of steward overrides: one row per override per run with who decided, when
    and why, and what it did in this run, read back from the published crosswalk and hierarchy
    (applied, already the model's result, or not applied and why). Rows are appended, so the
    table holds every run's history."""
    settings = load_mdm_settings()
    overrides = load_overrides(Path(steward_overrides.path))
    with duckdb.get_connection() as con:
        outcomes = override_outcomes(con, overrides, settings)
        rows = append_audit(con, overrides, outcomes, context.run_id)
        history = row_count(con, qualified_table(MDM_SCHEMA, STEWARD_AUDIT))
        metadata = table_metadata(con, MDM_SCHEMA, STEWARD_AUDIT)
    return dg.MaterializeResult(
        metadata={
            **metadata,
            "overrides_this_run": rows.height,
            "not_applied": rows.filter(pl.col("outcome").str.starts_with("not applied")).height,
            "audit_rows_total": history,
            "this_run": frame_markdown(rows.drop("run_id"), limit=50),
        }
    )


defs = dg.Definitions(
    assets=[
        *model_assets(MDM_SCHEMA),
        customer_match_pairs,
        crosswalk,
        customer_hierarchy,
        steward_audit,
    ]
)
