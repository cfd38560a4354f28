"""Load one landing extract into ``raw.<source>`` with its declared types.

Every row keeps its source file and 1-based data row number. A value that does not cast to its
declared type sends the whole row to ``quarantine.<source>`` with the column and value named;
the raw table and its quarantine are replaced together in one transaction.
"""

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from seg_assets.lib.errors import SourceContractError
from seg_assets.lib.source_contracts import SourceContract
from seg_assets.lib.warehouse import ensure_schema, qualified_table, row_count, transaction

RAW_SCHEMA = "raw"
QUARANTINE_SCHEMA = "quarantine"
SOURCE_FILE_COLUMN = "_source_file"
SOURCE_ROW_COLUMN = "_source_row"
TYPE_ERROR_RULE = "invalid_type"


@dataclass(frozen=True)
class RawLoadResult:
    """What a load did: rows read from the file, kept in raw, and quarantined."""

    source: str
    file: Path
    rows_in_file: int
    rows_loaded: int
    rows_quarantined: int
    ignored_columns: tuple[str, ...]


def scan_landing_file(
    contract: SourceContract, landing_dir: Path
) -> tuple[pl.LazyFrame, tuple[str, ...]]:
    """Open a landing file lazily, with the declared columns and a 1-based row number.

    Returns
    -------
    tuple
        The lazy frame (declared columns, then ``_source_row``) and the names of extra columns
        present in the file but not declared (they are ignored, not loaded).
    """
    path = contract.landing_file(landing_dir)
    where = f"{contract.system}: {path}"
    if not path.is_file():
        raise SourceContractError(
            f"{where}: landing file for source {contract.name} is missing; deliver the extract"
            " there or point SEG_ASSETS_LANDING at the folder that holds it"
        )
    try:
        frame = (
            pl.scan_csv(path, infer_schema=False)
            if contract.format == "csv"
            else pl.scan_parquet(path)
        )
        present = frame.collect_schema().names()
    except pl.exceptions.NoDataError as error:
        raise SourceContractError(f"{where}: file is empty, expected a header row") from error
    except (pl.exceptions.ComputeError, OSError) as error:
        raise SourceContractError(
            f"{where}: cannot be read as {contract.format}: {error}"
        ) from error
    missing = [column for column in contract.column_names if column not in present]
    if missing:
        raise SourceContractError(
            f"{where}: missing column(s) {', '.join(missing)} in the header (row 1); the"
            f" contract in config/sources.yaml expects {', '.join(contract.column_names)}"
        )
    extra = tuple(column for column in present if column not in contract.column_names)
    rows = frame.select(contract.column_names).with_row_index(SOURCE_ROW_COLUMN, offset=1)
    return rows, extra


def _type_errors_expression(contract: SourceContract) -> str:
    """SQL listing, per row, each value that does not cast to its declared type (or null)."""
    failures = [
        # Identifiers and types were validated when the contract was loaded.
        f"case when {column} is not null and try_cast({column} as {column_type}) is null"
        f" then '{column}=''' || cast({column} as varchar) || ''' is not a valid {column_type}'"
        " end"
        for column, column_type in contract.columns
        if column_type != "VARCHAR"
    ]
    return f"nullif(concat_ws('; ', {', '.join(failures)}), '')" if failures else "null"


def load_raw_table(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, landing_dir: Path, run_id: str
) -> RawLoadResult:
    """Replace ``raw.<source>`` and ``quarantine.<source>`` from the landing file.

    Parameters
    ----------
    con
        Open connection to the warehouse.
    contract
        The source's declared file and columns.
    landing_dir
        Root folder of the landing files.
    run_id
        Recorded on quarantined rows so they can be traced to the run that rejected them.
    """
    rows, extra = scan_landing_file(contract, landing_dir)
    path = contract.landing_file(landing_dir)
    raw_table = qualified_table(RAW_SCHEMA, contract.name)
    quarantine_table = qualified_table(QUARANTINE_SCHEMA, contract.name)
    typed = ", ".join(
        f"try_cast({column} as {column_type}) as {column}"
        for column, column_type in contract.columns
    )
    as_text = ", ".join(
        f"cast({column} as varchar) as {column}" for column in contract.column_names
    )
    con.register("landing_rows", rows)
    try:
        con.execute(
            f"""
            create or replace temp table landing_checked as
            select *, {_type_errors_expression(contract)} as type_errors
            from landing_rows
            """
        )
    except duckdb.Error as error:
        raise SourceContractError(
            f"{contract.system}: {path}: cannot be read as {contract.format}: {error}"
        ) from error
    finally:
        con.unregister("landing_rows")
    ensure_schema(con, RAW_SCHEMA)
    ensure_schema(con, QUARANTINE_SCHEMA)
    params = {"source_file": str(path), "run_id": run_id, "rule": TYPE_ERROR_RULE}
    with transaction(con):
        con.execute(
            f"""
            create or replace table {raw_table} as
            select {typed}, $source_file as {SOURCE_FILE_COLUMN}, {SOURCE_ROW_COLUMN}
            from landing_checked
            where type_errors is null
            order by {SOURCE_ROW_COLUMN}
            """,
            {"source_file": params["source_file"]},
        )
        con.execute(
            f"""
            create or replace table {quarantine_table} as
            select
                {as_text},
                $source_file as {SOURCE_FILE_COLUMN},
                {SOURCE_ROW_COLUMN},
                $rule as quarantine_rule,
                type_errors as quarantine_reason,
                $run_id as run_id,
                current_timestamp as quarantined_at
            from landing_checked
            where type_errors is not null
            order by {SOURCE_ROW_COLUMN}
            """,
            params,
        )
    rows_in_file = row_count(con, "landing_checked")
    con.execute("drop table landing_checked")
    return RawLoadResult(
        source=contract.name,
        file=path,
        rows_in_file=rows_in_file,
        rows_loaded=row_count(con, raw_table),
        rows_quarantined=row_count(con, quarantine_table),
        ignored_columns=extra,
    )


def count_landing_rows(contract: SourceContract, landing_dir: Path) -> int:
    """Data rows in the landing file, counted independently of the warehouse."""
    rows, _ = scan_landing_file(contract, landing_dir)
    return int(rows.select(pl.len()).collect().item())
