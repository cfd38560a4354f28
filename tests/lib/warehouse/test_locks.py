"""A warehouse file another process holds fails the open at once, naming that process."""

import pytest
from conftest import file_held_by_another_process

from seg_assets.lib.warehouse import WarehouseLockedError, connect_warehouse, curated_store


def test_a_held_working_file_names_its_holder(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    with (
        file_held_by_another_process(database) as pid,
        pytest.raises(WarehouseLockedError) as refused,
        connect_warehouse(database),
    ):
        pass
    message = str(refused.value)
    assert str(database) in message and f"process {pid} " in message
    # The holder's command line, so the operator knows which window to close.
    assert "time.sleep(120)" in message


def test_a_held_curated_store_names_its_holder(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    with connect_warehouse(database) as con:
        con.execute("create table marts.fct_orders as select 1 as order_id")
    with (
        file_held_by_another_process(curated_store(database)) as pid,
        pytest.raises(WarehouseLockedError, match=f"curated.duckdb is held by process {pid} "),
        connect_warehouse(database, read_only=True),
    ):
        pass
