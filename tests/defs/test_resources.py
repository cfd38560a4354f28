"""The warehouse resource releases the DuckDB file when a step fails, not only when it succeeds."""

import time

import dagster as dg
from conftest import file_held_by_another_process, run_pipeline

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


def test_a_run_on_a_held_warehouse_fails_its_first_step_naming_the_holder(tiny_warehouse, tmp_path):
    database, landing = tiny_warehouse
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(database, copy)
    with file_held_by_another_process(copy) as pid:
        started = time.monotonic()
        result = run_pipeline(
            copy,
            landing,
            selection=dg.AssetSelection.assets(dg.AssetKey(["marts", "fct_customer_group_months"])),
            raise_on_error=False,
        )
        elapsed = time.monotonic() - started
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.step_failure_data.error.cause.message
    assert "WarehouseLockedError" in message and f"held by process {pid} " in message
    # dagster-duckdb's retries took about 100 s; one refused open is far below that.
    assert elapsed < 60
