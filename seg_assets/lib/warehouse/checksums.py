"""A checksum of every warehouse table, to prove that a rerun gives the same warehouse.

Two runs of the same inputs and settings, in any folders, give the same checksums: the only
columns left out are the ones below, which differ by design.
"""

import duckdb

from seg_assets.lib.identifiers import quoted_name
from seg_assets.lib.warehouse.curated_store import CURATED_CATALOG

# Column -> why it differs between two runs of the same inputs.
NOT_REPRODUCIBLE: dict[str, str] = {
    "run_id": "the Dagster run that wrote the row (history, quarantine and audit tables)",
    "quarantined_at": "when the run rejected the row",
    "validated_at": "when the run validated the table (quality history)",
    "applied_at": "when the run applied a steward override (master-data audit)",
    "computed_at": "when the run computed the month's drift statistics",
    "decided_at": "when the guard or an operator decided on a model version",
    "created_at": "when a model version was first trained (kept by reruns of the same folder)",
    "published_at": "when the run published a month's segments",
    "failing_rows_sample": (
        "up to 10 of an expectation's failing rows, as Great Expectations met them: which ten"
        " depends on the order the rows were read in when more fail (the counts are exact)"
    ),
}


def table_checksums(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """``{schema.table: "<rows>:<checksum>"}`` for every table of the working file and the
    curated store, independent of row order, ``NOT_REPRODUCIBLE`` columns left out.

    The checksum sums a hash of each row's other columns (as a 128-bit integer, so duplicate
    rows count twice instead of cancelling out).
    """
    [(catalog,)] = con.execute("select current_database()").fetchall()
    columns: dict[tuple[str, str, str], list[str]] = {}
    for database, schema, table, column in con.execute(
        "select database_name, schema_name, table_name, column_name from duckdb_columns()"
        " where database_name in (?, ?) and not internal order by all",
        [catalog, CURATED_CATALOG],
    ).fetchall():
        kept = columns.setdefault((database, schema, table), [])
        if column not in NOT_REPRODUCIBLE:
            kept.append(column)
    checksums = {}
    for (database, schema, table), kept in columns.items():
        row = f"hash({', '.join(map(quoted_name, kept))})" if kept else "0"
        [(rows, total)] = con.execute(
            f"select count(*), coalesce(sum({row}::hugeint), 0)"
            f" from {quoted_name(database, schema, table)}"
        ).fetchall()
        checksums[f"{schema}.{table}"] = f"{rows}:{total}"
    return checksums
