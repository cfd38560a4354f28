"""Checks on master data: one customer per record, a hierarchy that is a forest, facts that map
to exactly one golden customer, and match quality against planted truth."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.defs.mdm.assets import mdm_key
from seg_assets.defs.mdm.evaluation import published_assignment
from seg_assets.defs.resources import GroundTruth
from seg_assets.defs.violation_counts import violation_counts_result
from seg_assets.lib.mdm.evaluation import pairwise_scores, read_truth_crosswalk
from seg_assets.lib.mdm.resolution import CROSSWALK, HIERARCHY, SOURCE_RECORDS
from seg_assets.lib.mdm.settings import load_mdm_settings
from seg_assets.lib.warehouse import qualified_table

GOLDEN = "mdm.dim_customer_golden"


@dg.asset_check(asset=mdm_key(CROSSWALK), blocking=True)
def one_customer_per_record(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Every source record is in the crosswalk exactly once, with a customer key that is itself
    one of the customer's records (its anchor)."""
    records = f"mdm.{SOURCE_RECORDS}"
    crosswalk = f"mdm.{CROSSWALK}"
    return violation_counts_result(
        duckdb,
        {
            "records_missing": f"select count(*) from {records} r anti join {crosswalk} c"
            " using (record_id)",
            "records_unknown": f"select count(*) from {crosswalk} c anti join {records} r"
            " using (record_id)",
            "records_repeated": f"select count(*) - count(distinct record_id) from {crosswalk}",
            "keys_missing": f"select count(*) from {crosswalk} where customer_key is null",
            "keys_not_anchored": f"select count(*) from {crosswalk} c where not exists"
            f" (select 1 from {crosswalk} a where a.record_id = c.customer_key"
            " and a.customer_key = c.customer_key)",
        },
    )


@dg.asset_check(asset=mdm_key(HIERARCHY), blocking=True)
def hierarchy_is_a_forest(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Every golden customer appears once with at most one parent that exists; depths count
    up by one from a root (depth 0, its own ultimate parent) to each child, which rules out
    cycles; a child shares its parent's ultimate parent."""
    hierarchy = f"mdm.{HIERARCHY}"
    return violation_counts_result(
        duckdb,
        {
            "customers_repeated": "select count(*) - count(distinct customer_key)"
            f" from {hierarchy}",
            "customers_missing": f"select count(distinct customer_key) from mdm.{CROSSWALK} c"
            f" anti join {hierarchy} h using (customer_key)",
            "self_parents": f"select count(*) from {hierarchy} where parent_key = customer_key",
            "parents_missing": f"select count(*) from {hierarchy} c where parent_key is not"
            f" null and not exists (select 1 from {hierarchy} p where p.customer_key ="
            " c.parent_key)",
            "bad_roots": f"select count(*) from {hierarchy} where parent_key is null and"
            " (depth <> 0 or ultimate_parent_key <> customer_key)",
            "depth_or_group_mismatches": f"select count(*) from {hierarchy} c join {hierarchy}"
            " p on p.customer_key = c.parent_key where c.depth <> p.depth + 1"
            " or c.ultimate_parent_key <> p.ultimate_parent_key",
        },
    )


@dg.asset_check(asset=mdm_key(CROSSWALK), blocking=False)
def matches_planted_truth(duckdb: DuckDBResource, ground_truth: GroundTruth) -> dg.AssetCheckResult:
    """Pairwise precision and recall of the crosswalk reach the targets in `config/mdm.yaml`
    (passes with a note where there is no planted truth, as with real data)."""
    truth = read_truth_crosswalk(Path(ground_truth.path))
    if truth is None:
        return dg.AssetCheckResult(
            passed=True, metadata={"planted_truth": f"none in {ground_truth.path}"}
        )
    targets = load_mdm_settings().quality_targets
    with duckdb.get_connection() as con:
        scores = pairwise_scores(published_assignment(con), truth)
    measured = {"pairwise_precision": scores.precision, "pairwise_recall": scores.recall}
    return dg.AssetCheckResult(
        passed=all(measured[name] >= target for name, target in targets.items()),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={**measured, **{f"target_{k}": v for k, v in targets.items()}},
    )


def golden_customer_check(asset_key: dg.AssetKey) -> dg.AssetChecksDefinition:
    """Blocking check that every row of a customer fact maps to exactly one golden customer."""
    table = qualified_table(*asset_key.path)

    @dg.asset_check(
        asset=asset_key,
        name="maps_to_one_golden_customer",
        blocking=True,
        additional_deps=[dg.AssetKey(GOLDEN.split("."))],
        description=f"Every row of {table} has a customer_key found exactly once in {GOLDEN}.",
    )
    def maps_to_one_golden_customer(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        return violation_counts_result(
            duckdb,
            {
                "rows_without_customer_key": f"select count(*) from {table}"
                " where customer_key is null",
                "rows_not_in_one_golden_customer": f"select count(*) from {table} f left join"
                f" (select customer_key, count(*) as n from {GOLDEN} group by customer_key) g"
                " using (customer_key) where f.customer_key is not null"
                " and coalesce(g.n, 0) <> 1",
            },
        )

    return maps_to_one_golden_customer


# Every customer-keyed fact and mart (the cost-to-serve mart registers its own check).
CUSTOMER_FACTS = (
    dg.AssetKey(["marts", "fct_order_lines"]),
    dg.AssetKey(["marts", "fct_customer_months"]),
    dg.AssetKey(["marts", "fct_customer_profitability_months"]),
    dg.AssetKey(["marts", "fct_customer_classes"]),
    dg.AssetKey(["marts", "fct_customer_features"]),
    dg.AssetKey(["marts", "fct_customer_tiers"]),
    dg.AssetKey(["segmentation", "customer_segments"]),
    dg.AssetKey(["kpi", "dim_customer_segment_history"]),
)

defs = dg.Definitions(
    asset_checks=[
        one_customer_per_record,
        hierarchy_is_a_forest,
        matches_planted_truth,
        *(golden_customer_check(key) for key in CUSTOMER_FACTS),
    ]
)
