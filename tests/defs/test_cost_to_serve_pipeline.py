"""Cost-to-serve on a small generated data set run through the whole pipeline: every pool
reconciles to the cent, imputed freight is flagged and its share reported, a tampered cent fails
the blocking check, and a one-month refresh rewrites only that month."""

import dagster as dg
import pytest
from conftest import generated_warehouse, one_month_tags, query, run_pipeline

from seg_assets.defs.marts.cost_checks import allocations_reconcile_to_cost_pools
from seg_assets.lib.warehouse import connect_warehouse, copy_warehouse

MONTH = "2025-01-01"
OTHER_MONTH = "2025-02-01"
COST_ASSETS = dg.AssetSelection.assets(
    dg.AssetKey(["intermediate", "int_shipments_freight_imputed"]),
    dg.AssetKey(["intermediate", "int_cost_driver_volumes"]),
    dg.AssetKey(["marts", "fct_cost_allocations"]),
    dg.AssetKey(["marts", "fct_customer_cost_to_serve_months"]),
    dg.AssetKey(["marts", "fct_customer_group_cost_to_serve_months"]),
)
COST_CHECKS = {
    ("marts/fct_cost_allocations", "allocations_reconcile_to_cost_pools"),
    ("marts/fct_cost_allocations", "every_cost_pool_has_driver"),
    ("marts/fct_customer_cost_to_serve_months", "customer_costs_reconcile_to_allocations"),
    ("marts/fct_customer_cost_to_serve_months", "maps_to_one_golden_customer"),
}


@pytest.fixture(scope="session")
def generated_costs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """200 customers over 4 months, fully materialized once; tests must only read it."""
    return generated_warehouse(
        tmp_path_factory.mktemp("generated_costs"), customers=200, months=4, order_lines=8_000
    )


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], object]:
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def test_every_pool_reconciles_to_the_cent_and_the_cost_checks_pass(generated_costs):
    evaluations = _evaluations(generated_costs["result"])
    assert COST_CHECKS <= set(evaluations)
    assert all(evaluations[key].passed for key in COST_CHECKS)
    metadata = evaluations[(
        "marts/fct_cost_allocations", "allocations_reconcile_to_cost_pools"
    )].metadata  # fmt: skip
    assert metadata["cost_pools_checked"].value == 7 * 4
    assert metadata["mismatches"].value == 0
    database = generated_costs["database"]
    [(pools, customers, unallocated)] = query(
        database,
        "select (select sum(amount) from staging.stg_finance__cost_pools),"
        " (select sum(activity_cost) from marts.fct_customer_cost_to_serve_months),"
        " (select coalesce(sum(allocated_amount), 0) from marts.fct_cost_allocations"
        "  where is_unallocated)",
    )
    assert pools == customers + unallocated
    assert unallocated == 0


def test_missing_freight_is_imputed_flagged_and_its_share_reported(generated_costs):
    database = generated_costs["database"]
    [(missing, imputed, not_imputable)] = query(
        database,
        "select count(*) filter (where tms_freight_cost is null),"
        " count(*) filter (where is_freight_imputed),"
        " count(*) filter (where freight_imputation_rule = 'not_imputable')"
        " from intermediate.int_shipments_freight_imputed",
    )
    assert missing > 0
    assert imputed + not_imputable == missing
    assert not_imputable == 0
    [(share,)] = query(
        database,
        "select sum(freight_cost_imputed) / sum(freight_cost)"
        " from marts.fct_customer_cost_to_serve_months",
    )
    assert 0 < share < 0.1


def test_a_cent_off_fails_the_blocking_reconciliation_with_the_pool_listed(
    generated_costs, tmp_path
):
    database = tmp_path / "warehouse.duckdb"
    copy_warehouse(generated_costs["database"], database)
    [(pool_id, object_id)] = query(
        database,
        "select cost_pool_id, min(object_id) from marts.fct_cost_allocations"
        " where cost_month = ? and cost_pool = 'warehouse_picking' group by 1",
        [MONTH],
    )
    with connect_warehouse(database) as con:
        con.execute(
            "update marts.fct_cost_allocations set allocated_amount = allocated_amount + 0.01"
            " where cost_pool_id = ? and object_id = ?",
            [pool_id, object_id],
        )
    result = run_pipeline(
        database,
        generated_costs["landing"],
        tags=one_month_tags(MONTH),
        selection=dg.AssetSelection.checks(allocations_reconcile_to_cost_pools),
        raise_on_error=False,
    )
    [evaluation] = result.get_asset_check_evaluations()
    assert not evaluation.passed
    assert evaluation.metadata["mismatches"].value == 1
    assert pool_id in evaluation.metadata["mismatched_pools"].value


def test_a_one_month_refresh_rewrites_only_that_month(generated_costs, tmp_path):
    database = tmp_path / "warehouse.duckdb"
    copy_warehouse(generated_costs["database"], database)
    tables = {
        "marts.fct_cost_allocations": "allocated_amount",
        "marts.fct_customer_cost_to_serve_months": "activity_cost",
        "marts.fct_customer_group_cost_to_serve_months": "activity_cost",
        "intermediate.int_cost_driver_volumes": "driver_quantity",
    }
    rest = "select * from {} where cost_month <> ? order by all"
    before = {table: query(database, rest.format(table), [OTHER_MONTH]) for table in tables}
    with connect_warehouse(database) as con:
        for table, column in tables.items():
            con.execute(f"update {table} set {column} = -1 where cost_month = ?", [MONTH])
            con.execute(f"update {table} set {column} = -2 where cost_month = ?", [OTHER_MONTH])
    result = run_pipeline(
        database, generated_costs["landing"], tags=one_month_tags(MONTH), selection=COST_ASSETS
    )
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    for table, column in tables.items():
        # The refreshed month is rebuilt exactly as before; the other month keeps the tampering.
        assert query(database, f"select count(*) from {table} where {column} = -1") == [(0,)]
        [(kept,)] = query(database, f"select count(*) from {table} where {column} = -2")
        assert kept > 0
        assert query(database, rest.format(table), [OTHER_MONTH]) == before[table]


def test_freight_imputation_refreshes_one_ship_month_only(generated_costs, tmp_path):
    database = tmp_path / "warehouse.duckdb"
    copy_warehouse(generated_costs["database"], database)
    table = "intermediate.int_shipments_freight_imputed"
    month = f"select * from {table} where ship_month = ? order by all"
    before = query(database, month, [MONTH])
    with connect_warehouse(database) as con:
        con.execute(f"update {table} set freight_cost = -1 where ship_month = ?", [MONTH])
        con.execute(f"update {table} set freight_cost = -2 where ship_month = ?", [OTHER_MONTH])
    run_pipeline(
        database, generated_costs["landing"], tags=one_month_tags(MONTH), selection=COST_ASSETS
    )
    assert query(database, month, [MONTH]) == before
    assert query(database, f"select count(*) from {table} where freight_cost = -1") == [(0,)]
    [(kept,)] = query(database, f"select count(*) from {table} where freight_cost = -2")
    assert kept > 0
    [(imputed,)] = query(
        database,
        f"select count(*) from {table} where ship_month = ? and is_freight_imputed",
        [MONTH],
    )
    assert imputed > 0
