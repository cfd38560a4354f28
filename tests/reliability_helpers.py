"""Helpers of the reliability tests: every table's checksum of a warehouse or a serving file, and
which tables differ between two runs (see seg_assets/lib/warehouse/checksums.py)."""

import hashlib
from collections.abc import Collection
from contextlib import closing
from pathlib import Path

import duckdb

from seg_assets.lib.serving.views import META_SCHEMA, PUBLICATION_COLUMN
from seg_assets.lib.warehouse import connect_warehouse
from seg_assets.lib.warehouse.checksums import NOT_REPRODUCIBLE, table_checksums

# Tables every run appends its own rows to (``run_id`` names the run): two runs in one folder,
# or a killed run and its rerun, leave more rows than one run. Compared on one run's rows.
HISTORY_TABLES = {
    "quality.dq_results": "one row per expectation each time a run validates a table",
    "quality.source_profiles": "each run's measures of each source, the next run's baseline",
}


def _rows_checksum(
    con: duckdb.DuckDBPyConnection,
    table: str,
    excluded: Collection[str],
    run_id: str | None = None,
) -> str:
    """``<rows>:<digest>`` of ``table``'s rows (those ``run_id`` wrote, when given), the
    ``excluded`` columns left out."""
    columns = [d[0] for d in con.execute(f"select * from {table} limit 0").description or []]
    dropped = ", ".join(column for column in columns if column in excluded)
    select = f"select * exclude ({dropped})" if dropped else "select *"
    where = "where run_id = ?" if run_id is not None else ""
    rows = con.execute(
        f"{select} from {table} {where} order by all", [run_id] if run_id is not None else []
    ).fetchall()
    return f"{len(rows)}:{hashlib.sha256(repr(rows).encode()).hexdigest()}"


def run_checksums(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> dict[str, str]:
    """``table_checksums`` of ``con``; with ``run_id``, the ``HISTORY_TABLES`` hold that run's
    rows only."""
    checksums = table_checksums(con)
    if run_id is not None:
        for table in HISTORY_TABLES.keys() & checksums.keys():
            checksums[table] = _rows_checksum(con, table, NOT_REPRODUCIBLE, run_id)
    return checksums


def warehouse_checksums(database: Path, run_id: str | None = None) -> dict[str, str]:
    """Checksums of every table of the warehouse ``database`` (both files), opened read-only;
    with ``run_id``, history tables hold that run's rows only."""
    with connect_warehouse(database, read_only=True) as con:
        return run_checksums(con, run_id)


def publication(serving: Path) -> dict[str, object]:
    """The publication row of a serving file (its id, run, time and model versions)."""
    with closing(duckdb.connect(str(serving), read_only=True)) as con:
        [row] = con.execute(f"select * from {META_SCHEMA}.publication").fetchall()
        names = [d[0] for d in con.description or []]
    return dict(zip(names, row, strict=True))


def serving_checksums(serving: Path) -> dict[str, str]:
    """Checksums of every table and view of a serving file, opened read-only alone as a BI tool
    would: history tables on the publishing run's rows, the publication's id left out."""
    run_id = str(publication(serving)["run_id"])
    with closing(duckdb.connect(str(serving), read_only=True)) as con:
        checksums = run_checksums(con, run_id)
        # Every bi view names the publication it belongs to.
        for schema, table in con.execute(
            "select schema_name, table_name from duckdb_columns() where column_name = ?",
            [PUBLICATION_COLUMN],
        ).fetchall():
            checksums[f"{schema}.{table}"] = _rows_checksum(
                con, f"{schema}.{table}", {*NOT_REPRODUCIBLE, PUBLICATION_COLUMN}
            )
    return checksums


def differing_tables(first: dict[str, str], second: dict[str, str]) -> list[str]:
    """Tables whose checksums differ, in name order (both must hold the same tables)."""
    assert first.keys() == second.keys(), sorted(first.keys() ^ second.keys())
    return sorted(table for table, checksum in first.items() if second[table] != checksum)
