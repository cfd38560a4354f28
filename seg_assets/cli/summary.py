"""A short text report of what the warehouse holds, for the end of `make demo`."""

from pathlib import Path

import duckdb

from seg_assets.lib.project import serving_path
from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import connect_warehouse, row_count, warehouse_files

# In lineage order; the published bi views are what BI reads (see the README's For BI tools).
_LAYERS = ("raw", "staging", "mdm", "intermediate", "marts", "segmentation", "kpi", "quarantine")


def table_row_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(schema, table, rows) for every table of the pipeline's layers, in lineage order."""
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in (select unnest($layers)) and table_type = 'BASE TABLE'"
        " order by table_name",
        {"layers": list(_LAYERS)},
    ).fetchall()
    tables.sort(key=lambda item: (_LAYERS.index(item[0]), item[1]))
    # Names come from the catalog itself, so they are safe to quote as identifiers.
    return [(schema, name, row_count(con, f'"{schema}"."{name}"')) for schema, name in tables]


def quarantine_reasons(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(quarantine table, rule, rows) for every quarantined row group."""
    counts = []
    for schema, name, rows in table_row_counts(con):
        if schema == "quarantine" and rows:
            counts += [
                (name, rule, count)
                for rule, count in con.execute(
                    f'select quarantine_rule, count(*) from "quarantine"."{name}"'
                    " group by all order by 2 desc"
                ).fetchall()
            ]
    return counts


def summary_text(database: Path) -> str:
    """Tables with row counts, quarantine reasons, and where to look next."""
    with connect_warehouse(database, read_only=True) as con:
        counts = table_row_counts(con)
        reasons = quarantine_reasons(con)
    size = sum(path.stat().st_size for path in warehouse_files(database) if path.exists())
    lines = [
        f"Warehouse {database} and its curated store ({size / 1e6:.1f} MB)",
        "",
        # Empty quarantine tables are the good news; list only the ones holding rows.
        markdown_table(
            ["schema", "table", "rows"],
            [[s, t, f"{n:,}"] for s, t, n in counts if s != "quarantine" or n],
        ),
        "",
        "Quarantined rows by rule:",
        markdown_table(["table", "rule", "rows"], [[t, r, f"{n:,}"] for t, r, n in reasons])
        if reasons
        else "none",
        "",
        "Next: `make ui` opens the Dagster UI (lineage, checks, run history) at"
        " http://localhost:3000;",
        "query the published snapshot that BI tools read with DuckDB 2.x:"
        f" duckdb -readonly {serving_path()}"
        " \"select * from bi.segment_kpi_months where dimension = 'segment' limit 10\"",
    ]
    return "\n".join(lines)
