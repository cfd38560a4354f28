"""The warehouse's two files: curated schemas routed to the store, everything else in the
working file, single-file warehouses moved over with their rows, copies of both files."""

from pathlib import Path

import duckdb
import pytest

from seg_assets.lib.serving import publish_serving
from seg_assets.lib.warehouse import (
    CURATED_SCHEMAS,
    MAX_FREE_SHARE,
    connect_warehouse,
    copy_warehouse,
    curated_store,
    free_share,
)


def _tables_by_file(database: Path) -> dict[str, set[str]]:
    """Tables of each file, opened alone (no routing): ``{file name: {schema.table}}``."""
    found = {}
    for path in (database, curated_store(database)):
        with duckdb.connect(str(path), read_only=True) as con:
            rows = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        found[path.name] = {f"{schema}.{table}" for schema, table in rows}
    return found


def test_curated_schemas_are_written_to_the_store_and_the_rest_to_the_working_file(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    with connect_warehouse(database) as con:
        con.execute("create schema if not exists staging")
        con.execute("create table staging.stg_orders as select 1 as order_id")
        con.execute("create schema if not exists marts")
        con.execute("create table marts.fct_orders as select order_id from staging.stg_orders")
        con.execute("create table kpi.fct_kpis as select count(*) as orders from marts.fct_orders")
        [(orders,)] = con.execute("select orders from kpi.fct_kpis").fetchall()
    assert orders == 1
    assert _tables_by_file(database) == {
        "warehouse.duckdb": {"staging.stg_orders"},
        "warehouse.curated.duckdb": {"marts.fct_orders", "kpi.fct_kpis"},
    }
    # Read back read-only through the same names.
    with connect_warehouse(database, read_only=True) as con:
        assert con.execute("select * from marts.fct_orders").fetchall() == [(1,)]


def test_a_single_file_warehouse_moves_its_curated_tables_into_the_store(tmp_path):
    database = tmp_path / "legacy.duckdb"
    with duckdb.connect(str(database)) as con:
        for schema in ("staging", "marts", "segmentation"):
            con.execute(f"create schema {schema}")
        con.execute("create table staging.stg_orders as select range as order_id from range(5)")
        con.execute("create table marts.fct_orders as select range as order_id from range(3)")
        con.execute("create table segmentation.model_registry as select 'v1' as model_version")
    # Read-only and without a store, the old layout is read as it is.
    with connect_warehouse(database, read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_orders").fetchall() == [(3,)]
    assert not curated_store(database).exists()
    with connect_warehouse(database) as con:
        assert con.execute("select model_version from segmentation.model_registry").fetchall() == [
            ("v1",)
        ]
        assert con.execute("select count(*) from marts.fct_orders").fetchall() == [(3,)]
    assert _tables_by_file(database) == {
        "legacy.duckdb": {"staging.stg_orders"},
        "legacy.curated.duckdb": {"marts.fct_orders", "segmentation.model_registry"},
    }
    with duckdb.connect(str(database), read_only=True) as con:
        schemas = {s for (s,) in con.execute("select schema_name from duckdb_schemas()").fetchall()}
    assert schemas.isdisjoint(CURATED_SCHEMAS)


def test_a_copy_holds_both_files_and_no_stale_store(tmp_path):
    source, target = tmp_path / "source.duckdb", tmp_path / "target.duckdb"
    with connect_warehouse(source) as con:
        con.execute("create table marts.fct_orders as select 7 as order_id")
    copy_warehouse(source, target)
    with connect_warehouse(target, read_only=True) as con:
        assert con.execute("select order_id from marts.fct_orders").fetchall() == [(7,)]
    # A copy of a warehouse without a store removes the store an earlier copy left.
    single = tmp_path / "single.duckdb"
    duckdb.connect(str(single)).close()
    copy_warehouse(single, target)
    assert target.exists() and not curated_store(target).exists()


def test_publishing_needs_the_store_attached(tmp_path):
    with (
        duckdb.connect(str(tmp_path / "plain.duckdb")) as con,
        pytest.raises(ValueError, match="curated store attached"),
    ):
        publish_serving(con, tmp_path / "serving.duckdb", run_id="run")


def test_a_store_mostly_free_blocks_is_compacted_before_it_is_published(tmp_path):
    database, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    with connect_warehouse(database) as con:
        con.execute(
            "create table marts.fct_lines as"
            " select range as line_id, md5(range::varchar) as line_key from range(1000000)"
        )
        con.execute("checkpoint seg_curated")
        # Replaced by a small table: the big one's blocks stay in the file, free.
        con.execute("create or replace table marts.fct_lines as select 1 as line_id")
        con.execute("checkpoint seg_curated")
        bloated = curated_store(database).stat().st_size
        assert free_share(con) > MAX_FREE_SHARE
        first = publish_serving(con, serving, run_id="run-1", views=[], parquet=False)
        assert first.compacted and first.store_free_share > MAX_FREE_SHARE
        assert free_share(con) == 0.0
        # The connection writes and reads the compacted store through the same names.
        con.execute("insert into marts.fct_lines values (2)")
        second = publish_serving(con, serving, run_id="run-2", views=[], parquet=False)
        assert not second.compacted
    assert curated_store(database).stat().st_size < bloated / 10
    assert serving.stat().st_size < bloated / 10
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select * from marts.fct_lines order by 1").fetchall() == [(1,), (2,)]
