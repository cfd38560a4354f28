"""The SQL layers run by bare DuckDB, without Dagster, quarantine or metadata: the yardstick.

Each landing file is loaded with DuckDB's own reader into a typed table, and each SQL model
becomes ``create or replace table ... as <model>`` in dependency order, with the partitioned
models run once over the whole window. This is the practical lower bound for the SQL work.
"""

from datetime import date
from pathlib import Path

import duckdb

from seg_assets.lib.landing_files import open_landing_file
from seg_assets.lib.raw_loading import RAW_SCHEMA
from seg_assets.lib.source_contracts import SourceContract
from seg_assets.lib.sql_models import QUARANTINE_RULE_COLUMN, SqlModel
from seg_assets.lib.warehouse import ensure_schema, qualified_table


def load_source(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, landing_dir: Path
) -> None:
    """``raw.<source>`` straight from the file, values cast to their declared types."""
    landing = open_landing_file(con, contract, landing_dir)
    typed = ", ".join(f"try_cast({c} as {t}) as {c}" for c, t in contract.columns)
    ensure_schema(con, RAW_SCHEMA)
    con.execute(
        f"create or replace table {qualified_table(RAW_SCHEMA, contract.name)} as"
        f" select {typed}, $source_file as _source_file, {landing.row_number_sql} as _source_row"
        f" from {landing.rows_sql()}",
        landing.parameters(),
    )


def build_model(con: duckdb.DuckDBPyConnection, model: SqlModel, start: date, end: date) -> None:
    """``model``'s table from its SQL; kept rows only where the model routes to quarantine."""
    parameters = {"month_start": start, "month_end": end} if model.partition_column else {}
    ensure_schema(con, model.schema)
    kept = f" where {QUARANTINE_RULE_COLUMN} is null" if model.routes_to_quarantine else ""
    exclude = f" exclude ({QUARANTINE_RULE_COLUMN})" if model.routes_to_quarantine else ""
    con.execute(
        f"create or replace table {model.table} as select *{exclude} from (\n{model.sql}\n){kept}",
        parameters,
    )
