"""Master data on the default generated data: matching precision and recall against the planted
duplicates, planted parent links recovered, checks and UI metadata, reruns that reproduce the
same keys, and steward overrides applied and audited."""

from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from conftest import materialization_metadata, query, run_pipeline

from seg_assets.lib.generator import GeneratorSettings, generate
from seg_assets.lib.mdm.evaluation import (
    pairwise_scores,
    parent_link_scores,
    read_truth_crosswalk,
    read_truth_parent_links,
)
from seg_assets.lib.project import config_dir
from seg_assets.lib.warehouse import copy_warehouse

MDM = dg.AssetSelection.groups("mdm")
# Everything master data needs: the customer sources, their staging and the mdm group.
MDM_AND_UPSTREAM = MDM.upstream()
# Rebuild from the published match pairs on: clustering, hierarchy, golden records and audit.
FROM_CROSSWALK = dg.AssetSelection.assets(dg.AssetKey(["mdm", "crosswalk"])).downstream() & MDM


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e
        for e in result.get_asset_check_evaluations()
    }


@pytest.fixture(scope="session")
def default_mdm(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The default generator settings (5,000 customers), master data materialized once."""
    root = tmp_path_factory.mktemp("default_mdm")
    settings = GeneratorSettings.from_yaml(config_dir() / "generator.yaml")
    generate(settings, root / "landing", root / "truth")
    database = root / "warehouse.duckdb"
    result = run_pipeline(database, root / "landing", selection=MDM_AND_UPSTREAM)
    return {"root": root, "database": database, "truth": root / "truth", "result": result}


def _assignment(database: Path) -> pl.DataFrame:
    return pl.DataFrame(
        query(database, "select record_id, customer_key from mdm.crosswalk order by record_id"),
        schema=["record_id", "anchor_record_id"],
        orient="row",
    )


def test_matching_meets_precision_and_recall_on_the_planted_duplicates(default_mdm):
    truth = read_truth_crosswalk(default_mdm["truth"])
    scores = pairwise_scores(_assignment(default_mdm["database"]), truth)
    assert scores.precision >= 0.99
    assert scores.recall >= 0.95
    # The same figures are in the Dagster UI: crosswalk metadata and a check against targets.
    metadata = materialization_metadata(default_mdm["result"], ["mdm", "crosswalk"])
    assert metadata["pairwise_precision"] == pytest.approx(scores.precision)
    assert metadata["pairwise_recall"] == pytest.approx(scores.recall)
    assert "| **0.9** |" in metadata["threshold_what_if"]
    assert _checks(default_mdm["result"])["mdm/crosswalk:matches_planted_truth"].passed


def test_every_planted_duplicate_record_joins_its_customer(default_mdm):
    truth = read_truth_crosswalk(default_mdm["truth"])
    assignment = _assignment(default_mdm["database"]).join(truth, on="record_id")
    duplicates = pl.read_csv(default_mdm["truth"] / "customer_duplicates.csv").select(
        (pl.col("source_system") + ":" + pl.col("source_id")).alias("record_id")
    )
    # The ERP record of the true customer anchors it: a duplicate should land on that key.
    anchored = assignment.filter(pl.col("record_id").is_in(duplicates["record_id"].implode()))
    on_true_key = anchored.filter(pl.col("anchor_record_id") == "erp:" + pl.col("true_customer_id"))
    assert on_true_key.height / anchored.height >= 0.95


def test_planted_parent_links_are_recovered(default_mdm):
    database, truth_dir = default_mdm["database"], default_mdm["truth"]
    hierarchy = pl.DataFrame(
        query(database, "select customer_key, parent_key from mdm.customer_hierarchy"),
        schema=["customer_key", "parent_key"],
        orient="row",
    )
    crosswalk = pl.DataFrame(
        query(database, "select record_id, customer_key from mdm.crosswalk"),
        schema=["record_id", "customer_key"],
        orient="row",
    )
    truth, links = read_truth_crosswalk(truth_dir), read_truth_parent_links(truth_dir)
    scores = parent_link_scores(hierarchy, crosswalk, truth, links)
    # Every link the ERP records, plus most of those only the CRM's free text names.
    assert scores.precision >= 0.98
    assert scores.recall >= 0.84
    [(recorded, recovered)] = query(
        database,
        "select count(*), count(*) filter (where h.parent_key = p.customer_key)"
        " from mdm.customer_source_records r join mdm.crosswalk c using (record_id)"
        " join mdm.customer_hierarchy h using (customer_key)"
        " join mdm.crosswalk p on p.record_id = 'erp:' || r.parent_customer_ref",
    )
    assert recorded == round(0.6 * len(links)) == recovered  # recorded_parent_share 0.6
    metadata = materialization_metadata(default_mdm["result"], ["mdm", "customer_hierarchy"])
    assert metadata["parent_link_recall"] == pytest.approx(scores.recall)
    # Parents suggested by name for a steward to confirm: right more often than not.
    assert metadata["suggested_parents"] > 0
    assert metadata["suggested_parents_right"] / metadata["suggested_parents"] > 0.5


def test_master_data_checks_pass(default_mdm):
    checks = _checks(default_mdm["result"])
    assert checks["mdm/crosswalk:one_customer_per_record"].passed
    assert checks["mdm/customer_hierarchy:hierarchy_is_a_forest"].passed
    # Roll-up bridge: each customer once at level 0, and once per ancestor above it.
    [(customers, self_rows, deeper_rows, depth_sum)] = query(
        default_mdm["database"],
        "select (select count(*) from mdm.customer_hierarchy),"
        " (select count(*) from mdm.customer_hierarchy_bridge where levels_below = 0),"
        " (select count(*) from mdm.customer_hierarchy_bridge where levels_below > 0),"
        " (select sum(depth) from mdm.customer_hierarchy)",
    )
    assert customers == self_rows and deeper_rows == depth_sum > 0


def test_rerun_reproduces_the_same_keys_and_pairs(default_mdm, tmp_path):
    database = tmp_path / "warehouse.duckdb"
    run_pipeline(database, default_mdm["root"] / "landing", selection=MDM_AND_UPSTREAM)
    for table in ("crosswalk", "customer_hierarchy", "dim_customer_golden"):
        sql = f"select * from mdm.{table} order by all"
        assert query(database, sql) == query(default_mdm["database"], sql), table
    pairs = "select * from mdm.customer_match_pairs order by all"
    assert query(database, pairs) == query(default_mdm["database"], pairs)


def _true_customer_records(database: Path, truth: pl.DataFrame, size: int) -> list[str]:
    """Records of one true customer with ``size`` records that the crosswalk keeps together."""
    assignment = _assignment(database).join(truth, on="record_id")
    grouped = assignment.group_by("true_customer_id").agg(
        pl.col("record_id").sort(), pl.col("anchor_record_id").n_unique().alias("keys")
    )
    chosen = grouped.filter((pl.col("record_id").list.len() == size) & (pl.col("keys") == 1))
    return chosen.sort("true_customer_id")["record_id"][0].to_list()


def test_steward_overrides_apply_and_every_run_is_audited(default_mdm, tmp_path):
    database = tmp_path / "warehouse.duckdb"
    copy_warehouse(default_mdm["database"], database)
    truth = read_truth_crosswalk(default_mdm["truth"])
    split = _true_customer_records(database, truth, 3)
    other = next(r for r in _true_customer_records(database, truth, 2) if r.startswith("erp:"))
    erp_anchor = next(r for r in split if r.startswith("erp:"))
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(
        f"""
overrides:
  - id: SO-1
    action: force_split
    records: [{split[0]}, {split[1]}]
    who: steward.one@example.com
    when: 2026-11-01
    why: Two legal entities sharing a VAT group.
  - id: SO-2
    action: force_match
    records: [{erp_anchor}, {other}]
    who: steward.two@example.com
    when: 2026-11-02
    why: Merger completed; one customer from now on.
  - id: SO-3
    action: set_parent
    child: {other}
    parent: null
    who: steward.two@example.com
    when: 2026-11-03
    why: Sold by its group.
  - id: SO-4
    action: force_match
    records: [erp:C999999, {other}]
    who: steward.three@example.com
    when: 2026-11-04
    why: Record retired since.
"""
    )
    for _ in range(2):
        result = run_pipeline(
            database, default_mdm["root"] / "landing", selection=FROM_CROSSWALK,
            overrides=overrides, truth=default_mdm["truth"],
        )  # fmt: skip
        assert result.success
    keys = dict(query(database, "select record_id, customer_key from mdm.crosswalk"))
    assert keys[split[0]] != keys[split[1]]
    assert keys[erp_anchor] == keys[other]
    [(rule,)] = query(database, "select match_rule from mdm.crosswalk where record_id = ?", [other])
    assert rule == "steward_force_match"
    audit = query(
        database,
        "select override_id, who, decided_on, why, outcome, run_id from mdm.steward_audit"
        " order by applied_at, override_id",
    )
    assert len(audit) == 8 and len({row[-1] for row in audit}) == 2  # two runs kept
    outcomes = {row[0]: row[4] for row in audit[4:]}
    assert outcomes["SO-1"] == "applied: split records the model had matched"
    assert outcomes["SO-2"] == f"applied: joined into {keys[erp_anchor]}"
    assert outcomes["SO-3"].startswith(f"applied: {keys[other]} -> (no parent)")
    assert outcomes["SO-4"] == "not applied: erp:C999999 not among this run's records"
    assert audit[0][1:4] == ("steward.one@example.com", audit[0][2], audit[0][3])
    assert str(audit[0][2]) == "2026-11-01" and audit[0][3].startswith("Two legal entities")
