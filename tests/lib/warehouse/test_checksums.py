"""Table checksums: independent of row order and run stamps, sensitive to any value and to
duplicated rows, over both files of the warehouse."""

from seg_assets.lib.warehouse import connect_warehouse
from seg_assets.lib.warehouse.checksums import table_checksums


def _checksums(tmp_path, name: str, rows: str, quarantine_run: str = "run-1") -> dict[str, str]:
    with connect_warehouse(tmp_path / f"{name}.duckdb") as con:
        con.execute(f"create table marts.fct_sales as select * from (values {rows}) t(id, amount)")
        con.execute("create schema quarantine")
        con.execute(
            "create table quarantine.bad as select 'x' as id, ? as run_id, now() as quarantined_at",
            [quarantine_run],
        )
        return table_checksums(con)


def test_the_same_rows_in_another_order_and_run_give_the_same_checksums(tmp_path):
    first = _checksums(tmp_path, "first", "(1, 0.1), (2, 0.2)")
    again = _checksums(tmp_path, "again", "(2, 0.2), (1, 0.1)", quarantine_run="run-2")
    assert first == again
    assert set(first) == {"marts.fct_sales", "quarantine.bad"}


def test_a_changed_value_or_a_duplicated_row_changes_the_checksum(tmp_path):
    first = _checksums(tmp_path, "first", "(1, 0.1), (2, 0.2)")
    # The last bit of a double: what a different summation order changes.
    nudged = _checksums(tmp_path, "nudged", "(1, 0.1), (2, 0.2000000000000001)")
    doubled = _checksums(tmp_path, "doubled", "(1, 0.1), (2, 0.2), (2, 0.2)")
    assert nudged["marts.fct_sales"] != first["marts.fct_sales"]
    assert doubled["marts.fct_sales"] != first["marts.fct_sales"]
    assert nudged["quarantine.bad"] == first["quarantine.bad"]
