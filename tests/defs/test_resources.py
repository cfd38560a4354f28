"""The warehouse resource releases the DuckDB file when a step fails, not only when it succeeds."""

import dagster as dg
from conftest import run_pipeline

from seg_assets.lib.warehouse import connect_warehouse, copy_warehouse


def test_a_failed_step_leaves_the_warehouse_free_for_other_connections(tiny_warehouse, tmp_path):
    database, landing = tiny_warehouse
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(database, copy)
    with connect_warehouse(copy) as con:
        con.execute("alter table marts.fct_customer_group_months add column stale integer")
    result = run_pipeline(
        copy,
        landing,
        selection=dg.AssetSelection.assets(dg.AssetKey(["marts", "fct_customer_group_months"])),
        raise_on_error=False,
    )
    assert not result.success
    # A connection left open by the failed step would make this one (other settings) fail.
    with connect_warehouse(copy, read_only=True) as con:
        rows = con.execute("select count(*) from marts.fct_customer_group_months").fetchall()
    assert rows == [(3,)]
