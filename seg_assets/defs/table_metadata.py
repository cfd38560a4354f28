"""Metadata attached to every materialization: row count, column schema and a preview."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
import duckdb

from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import row_count, table_columns

PREVIEW_ROWS = 5


def table_metadata(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    where: str = "",
    params: Mapping[str, Any] | None = None,
    column_descriptions: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Row count, schema and preview of ``schema.table`` (optionally of the rows in ``where``).

    ``schema`` and ``table`` must already be validated identifiers.
    """
    qualified = f"{schema}.{table}"
    columns = table_columns(con, schema, table)
    preview = con.execute(
        f"select * from {qualified}"
        + (f" where {where}" if where else "")
        + f" limit {PREVIEW_ROWS}",
        params or {},
    ).fetchall()
    return {
        "dagster/row_count": row_count(con, qualified, where, params),
        "dagster/table_name": f"warehouse.{qualified}",
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(name, data_type, (column_descriptions or {}).get(name))
                for name, data_type in columns
            ]
        ),
        "preview": dg.MetadataValue.md(markdown_table([name for name, _ in columns], preview)),
    }
