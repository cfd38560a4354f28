"""Load one landing extract into ``raw.<source>`` with its declared types.

Every row keeps its source file and 1-based data row number. A value that is not a usable value
of its declared type (it does not cast, is out of range, is NaN or infinite, or would be
rounded) sends the whole row to ``quarantine.<source>`` with the column, value and reason named;
the raw table and its quarantine are replaced together in one transaction. A file DuckDB cannot
parse, or one with no data rows, fails the load and leaves both tables as they were.
"""

from dataclasses import dataclass
from pathlib import Path

import duckdb

from seg_assets.lib.errors import SourceContractError
from seg_assets.lib.landing_files import (
    LandingFile,
    open_landing_file,
    raise_on_rejected_lines,
    read_error,
)
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


def _value_problems(column: str, column_type: str) -> list[tuple[str, str]]:
    """SQL conditions on a non-null ``column`` value, each with why the value is not usable.

    ``try_cast`` alone would let NaN and infinity through as DOUBLE, silently round 3.5 to the
    INTEGER 4 and 10.005 to the DECIMAL(18,2) 10.01, and give the same reason for a number out
    of range as for text that is no number at all. The first condition that holds gives the
    reason. Column names and types were validated when the contract was loaded.
    """
    kind = column_type.split("(")[0]
    typed = f"try_cast({column} as {column_type})"
    as_double = f"try_cast({column} as DOUBLE)"
    problems = []
    if kind in ("INTEGER", "BIGINT", "DECIMAL"):
        problems.append(
            (f"{typed} is null and isfinite({as_double})", f"is out of range for {column_type}")
        )
    problems.append((f"{typed} is null", f"is not a valid {column_type}"))
    if kind in ("DOUBLE", "DATE", "TIMESTAMP"):
        problems.append((f"not isfinite({typed})", f"is not a finite {column_type}"))
    if kind in ("INTEGER", "BIGINT"):
        problems.append((f"{as_double} <> {typed}", f"is not a whole number ({column_type})"))
    if kind == "DECIMAL":
        precision, scale = (int(part) for part in column_type[8:-1].split(","))
        # Wide enough for every value the declared type holds, with 20 more decimal places.
        exact = f"DECIMAL(38,{min(38 - precision + scale, scale + 20)})"
        problems.append(
            (
                f"try_cast(cast({column} as varchar) as {exact}) <> {typed}",
                f"has more than {scale} decimal places ({column_type})",
            )
        )
    return problems


def _type_errors_expression(contract: SourceContract) -> str:
    """SQL listing, per row, each value that is not a usable value of its type (or null)."""
    failures = []
    for column, column_type in contract.columns:
        if column_type == "VARCHAR":
            continue
        cases = " ".join(
            f"when {condition} then '{column}=''' || cast({column} as varchar) || ''' {reason}'"
            for condition, reason in _value_problems(column, column_type)
        )
        failures.append(f"case when {column} is null then null {cases} end")
    return f"nullif(concat_ws('; ', {', '.join(failures)}), '')" if failures else "null"


def _empty_extract_error(landing: LandingFile) -> SourceContractError:
    what = "has a header but no data rows" if landing.contract.format == "csv" else "has no rows"
    return landing.error(
        f"{what}; an empty extract is almost always a broken feed: deliver it again, or set"
        f" allow_empty: true for {landing.contract.name} in config/sources.yaml if this source"
        " may legitimately be empty"
    )


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

    Raises
    ------
    SourceContractError
        The file is missing, lacks a declared column, cannot be parsed (the message names the
        line and column), or has no data rows while the contract does not allow that.
    """
    landing = open_landing_file(con, contract, landing_dir)
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
    parameters = {**landing.parameters(), "source_name": contract.landing_name}
    row_number = landing.row_number_sql
    try:
        with transaction(con):
            con.execute(
                f"""
                create or replace table {raw_table} as
                select {typed}, $source_name as {SOURCE_FILE_COLUMN},
                    {row_number} as {SOURCE_ROW_COLUMN}
                from {landing.rows_sql(record_rejected_lines=True)}
                where {type_errors} is null
                """,
                parameters,
            )
            if contract.format == "csv":
                raise_on_rejected_lines(con, landing)
            con.execute(
                f"""
                create or replace table {quarantine_table} as
                select
                    {as_text},
                    $source_name as {SOURCE_FILE_COLUMN},
                    {row_number} as {SOURCE_ROW_COLUMN},
                    $rule as quarantine_rule,
                    {type_errors} as quarantine_reason,
                    $run_id as run_id,
                    current_timestamp as quarantined_at
                from {landing.rows_sql()}
                where {type_errors} is not null
                order by {SOURCE_ROW_COLUMN}
                """,
                {**parameters, "run_id": run_id, "rule": TYPE_ERROR_RULE},
            )
            loaded, quarantined = row_count(con, raw_table), row_count(con, quarantine_table)
            if loaded + quarantined == 0 and not contract.allow_empty:
                raise _empty_extract_error(landing)
    except duckdb.Error as error:
        raise read_error(landing, error) from error
    return RawLoadResult(
        source=contract.name,
        file=landing.path,
        rows_in_file=loaded + quarantined,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        ignored_columns=landing.ignored_columns,
    )


def count_landing_rows(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, landing_dir: Path
) -> int:
    """Data rows in the landing file, counted independently of the loaded tables."""
    landing = open_landing_file(con, contract, landing_dir)
    try:
        [(count,)] = con.execute(
            f"select count(*) from {landing.rows_sql()}", landing.parameters()
        ).fetchall()
    except duckdb.Error as error:
        raise read_error(landing, error) from error
    return int(count)
