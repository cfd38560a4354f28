"""Load one landing extract into ``raw.<source>`` with its declared types.

Every row keeps its source file and 1-based data row number. A value that does not cast to its
declared type sends the whole row to ``quarantine.<source>`` with the column and value named;
the raw table and its quarantine are replaced together in one transaction.
"""

from dataclasses import dataclass
from pathlib import Path

import duckdb

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


# The contract fixes the CSV dialect, so a file in another dialect fails on its header instead of
# being guessed. WITH ORDINALITY numbers rows in file order even when DuckDB reads in parallel.
_CSV_ROWS = (
    "read_csv($source_file, header = true, all_varchar = true, delim = ',', quote = '\"')"
    " with ordinality"
)
_PARQUET_ROWS = "read_parquet($source_file, file_row_number = true)"


def landing_rows_sql(contract: SourceContract) -> tuple[str, str]:
    """Table expression reading the landing file, and the SQL of its 1-based row number."""
    if contract.format == "csv":
        return _CSV_ROWS, "ordinality"
    return _PARQUET_ROWS, "file_row_number + 1"


def check_landing_file(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, landing_dir: Path
) -> tuple[Path, tuple[str, ...]]:
    """Check that the landing file exists, is readable and has every declared column.

    Returns
    -------
    tuple
        The file's path and the names of extra columns present in the file but not declared
        (they are ignored, not loaded).
    """
    path = contract.landing_file(landing_dir)
    where = f"{contract.system}: {path}"
    if not path.is_file():
        raise SourceContractError(
            f"{where}: landing file for source {contract.name} is missing; deliver the extract"
            " there or point SEG_ASSETS_LANDING at the folder that holds it"
        )
    if path.stat().st_size == 0:
        raise SourceContractError(f"{where}: file is empty, expected a header row")
    rows, _ = landing_rows_sql(contract)
    try:
        present = [
            name
            for name, *_ in con.execute(
                f"describe select * from {rows}", {"source_file": str(path)}
            ).fetchall()
        ]
    except duckdb.Error as error:
        raise SourceContractError(
            f"{where}: cannot be read as {contract.format}: {error}"
        ) from error
    missing = [column for column in contract.column_names if column not in present]
    if missing:
        raise SourceContractError(
            f"{where}: missing column(s) {', '.join(missing)} in the header (row 1); the"
            f" contract in config/sources.yaml expects {', '.join(contract.column_names)}"
        )
    extra = tuple(
        column
        for column in present
        if column not in contract.column_names and column not in ("ordinality", "file_row_number")
    )
    return path, extra


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

    The file is read twice, once per target, so that no copy of it is held in memory.

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
    path, extra = check_landing_file(con, contract, landing_dir)
    rows, row_number = landing_rows_sql(contract)
    raw_table = qualified_table(RAW_SCHEMA, contract.name)
    quarantine_table = qualified_table(QUARANTINE_SCHEMA, contract.name)
    typed = ", ".join(
        f"try_cast({column} as {column_type}) as {column}"
        for column, column_type in contract.columns
    )
    as_text = ", ".join(
        f"cast({column} as varchar) as {column}" for column in contract.column_names
    )
    type_errors = _type_errors_expression(contract)
    ensure_schema(con, RAW_SCHEMA)
    ensure_schema(con, QUARANTINE_SCHEMA)
    params = {"source_file": str(path), "run_id": run_id, "rule": TYPE_ERROR_RULE}
    try:
        with transaction(con):
            con.execute(
                f"""
                create or replace table {raw_table} as
                select {typed}, $source_file as {SOURCE_FILE_COLUMN},
                    {row_number} as {SOURCE_ROW_COLUMN}
                from {rows}
                where {type_errors} is null
                """,
                {"source_file": params["source_file"]},
            )
            con.execute(
                f"""
                create or replace table {quarantine_table} as
                select
                    {as_text},
                    $source_file as {SOURCE_FILE_COLUMN},
                    {row_number} as {SOURCE_ROW_COLUMN},
                    $rule as quarantine_rule,
                    {type_errors} as quarantine_reason,
                    $run_id as run_id,
                    current_timestamp as quarantined_at
                from {rows}
                where {type_errors} is not null
                order by {SOURCE_ROW_COLUMN}
                """,
                params,
            )
    except duckdb.Error as error:
        raise SourceContractError(
            f"{contract.system}: {path}: cannot be read as {contract.format}: {error}"
        ) from error
    loaded, quarantined = row_count(con, raw_table), row_count(con, quarantine_table)
    return RawLoadResult(
        source=contract.name,
        file=path,
        rows_in_file=loaded + quarantined,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        ignored_columns=extra,
    )


def count_landing_rows(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, landing_dir: Path
) -> int:
    """Data rows in the landing file, counted independently of the loaded tables."""
    path, _ = check_landing_file(con, contract, landing_dir)
    rows, _ = landing_rows_sql(contract)
    [(count,)] = con.execute(f"select count(*) from {rows}", {"source_file": str(path)}).fetchall()
    return int(count)
