"""Open a landing extract the way its contract says, and explain in plain words why one fails.

The contract fixes the CSV dialect (comma, double quote, a header row, the declared encoding), so a
file in another dialect fails instead of being guessed. DuckDB's reader errors become messages
that name the system, file, line and column and say what to do, never DuckDB's raw dump.
"""

import csv
import re
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb

from seg_assets.lib.errors import SourceContractError
from seg_assets.lib.source_contracts import SourceContract

# Python's codec for each encoding DuckDB's CSV reader takes: utf-8-sig drops a byte-order mark
# just as DuckDB does, so a header written by Excel still matches.
_HEADER_CODECS = {"utf-8": "utf-8-sig", "utf-16": "utf-16", "latin-1": "latin-1"}
_OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
# DuckDB names file columns not in the contract by position, so odd header text never
# reaches SQL.
_IGNORED_COLUMN = "_ignored_column_{}"
# Temporary tables where DuckDB records the lines it could not parse (per connection).
REJECTED_LINES = "landing_rejected_lines"
_REJECTED_SCANS = "landing_rejected_scans"
_CSV_ROWS = (
    "read_csv($source_file, auto_detect = false, header = true, delim = ',', quote = '\"',"
    " escape = '\"', columns = $columns, encoding = $encoding{rejects}) with ordinality"
)
_CSV_REJECTS = (
    f", store_rejects = true, rejects_table = '{REJECTED_LINES}',"
    f" rejects_scan = '{_REJECTED_SCANS}'"
)
_PARQUET_ROWS = "read_parquet($source_file, file_row_number = true)"
_FIELD_COUNTS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_CSV_ERROR_LINE = re.compile(r"CSV Error on Line: (\d+)")
_KNOWN_CSV_PROBLEMS = re.compile(
    r"Value with unterminated quote found\.|Expected Number of Columns: \d+ Found: \d+"
    r"|Invalid unicode[^\n]*|Maximum line size[^\n]*"
)


@dataclass(frozen=True)
class LandingFile:
    """A landing extract, its header (column names in file order) and how DuckDB reads it."""

    contract: SourceContract
    path: Path
    header: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        """``<system>: <path>``, the start of every message about this file."""
        return f"{self.contract.system}: {self.path}"

    @property
    def ignored_columns(self) -> tuple[str, ...]:
        """Columns of the file that the contract does not declare: reported, never loaded."""
        return tuple(
            self.header_name(position)
            for position, name in enumerate(self.header)
            if name not in self.contract.column_names
        )

    @property
    def row_number_sql(self) -> str:
        """SQL of the 1-based data row number (header excluded), in file order."""
        return "ordinality" if self.contract.format == "csv" else "file_row_number + 1"

    def rows_sql(self, record_rejected_lines: bool = False) -> str:
        """Table expression reading the file; it takes the bound :meth:`parameters`.

        Parameters
        ----------
        record_rejected_lines
            Let DuckDB skip lines it cannot parse and record them in ``REJECTED_LINES``, so
            :func:`raise_on_rejected_lines` can name the line and column; otherwise the first
            such line aborts the read.
        """
        if self.contract.format != "csv":
            return _PARQUET_ROWS
        # WITH ORDINALITY numbers rows in file order even when DuckDB reads in parallel.
        return _CSV_ROWS.format(rejects=_CSV_REJECTS if record_rejected_lines else "")

    def parameters(self) -> dict[str, object]:
        """Bound parameters of :meth:`rows_sql`: the file, its columns and its encoding."""
        if self.contract.format != "csv":
            return {"source_file": str(self.path)}
        return {
            "source_file": str(self.path),
            "columns": {self._duckdb_name(i): "VARCHAR" for i in range(len(self.header))},
            "encoding": self.contract.encoding,
        }

    def _duckdb_name(self, position: int) -> str:
        name = self.header[position]
        if name in self.contract.column_names:
            return name
        return _IGNORED_COLUMN.format(position + 1)

    def header_name(self, position: int) -> str:
        """How messages name the header's column at 0-based ``position``."""
        return self.header[position] or f"number {position + 1} (unnamed)"

    def column_named(self, duckdb_name: str | None) -> str:
        """The header's name of a column DuckDB reports by its own name."""
        if duckdb_name is None:
            return "beyond the last header column"
        for position in range(len(self.header)):
            if self._duckdb_name(position) == duckdb_name:
                return self.header_name(position)
        return duckdb_name

    def error(self, problem: str) -> SourceContractError:
        """A contract error about this file."""
        return SourceContractError(f"{self.where}: {problem}")


def _encoding_advice(contract: SourceContract) -> str:
    return (
        f"deliver the file as {contract.encoding}, or declare its encoding for"
        f" {contract.name} in config/sources.yaml (encoding: one of utf-8, utf-16, latin-1)"
    )


def _csv_header(unread: LandingFile) -> tuple[str, ...]:
    encoding = unread.contract.encoding
    try:
        # Undecodable bytes are replaced, not raised: Python decodes whole blocks, so an error
        # here could come from a later line; DuckDB names the line when it reads the data.
        with unread.path.open(
            encoding=_HEADER_CODECS[encoding], errors="replace", newline=""
        ) as handle:
            header = tuple(next(csv.reader(handle), []))
    except csv.Error as error:
        raise unread.error(f"line 1 (header) cannot be read as {encoding} CSV: {error}") from error
    if any("\ufffd" in name for name in header):
        raise unread.error(
            f"line 1 (header) has bytes that are not valid {encoding};"
            f" {_encoding_advice(unread.contract)}"
        )
    return header


def _parquet_columns(con: duckdb.DuckDBPyConnection, unread: LandingFile) -> tuple[str, ...]:
    try:
        described = con.execute(
            f"describe select * from {unread.rows_sql()}", unread.parameters()
        ).fetchall()
    except duckdb.Error as error:
        raise read_error(unread, error) from error
    return tuple(name for name, *_ in described if name != "file_row_number")


def _check_header(landing: LandingFile) -> None:
    contract, header = landing.contract, landing.header
    csv_file = contract.format == "csv"
    where, holder = ("line 1 (header): ", "the header") if csv_file else ("", "the file")
    repeated = sorted({name for name in contract.column_names if header.count(name) > 1})
    if repeated:
        raise landing.error(f"{where}column(s) {', '.join(repeated)} appear twice")
    missing = [column for column in contract.column_names if column not in header]
    if not missing:
        return
    problem = (
        f"{where}missing column(s) {', '.join(missing)}; {holder} has"
        f" {', '.join(header) or 'no columns'} but the contract in config/sources.yaml expects"
        f" {', '.join(contract.column_names)}"
    )
    if csv_file and len(header) == 1:
        used = [name for mark, name in _OTHER_DELIMITERS.items() if mark in header[0]]
        if used:
            problem += (
                f". The header was read as one column: the file looks {used[0]}-delimited,"
                " but the contract expects comma-separated values"
            )
    raise landing.error(problem)


def open_landing_file(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, landing_dir: Path
) -> LandingFile:
    """Check that the source's landing file exists, is readable and has every declared column.

    Parameters
    ----------
    con
        Connection used to read a Parquet file's schema.
    contract
        The source's declared file, columns and encoding.
    landing_dir
        Root folder of the landing files.

    Returns
    -------
    LandingFile
        The file with its header; columns it has beyond the contract are ignored, not loaded.
    """
    unread = LandingFile(contract, contract.landing_file(landing_dir))
    if not unread.path.is_file():
        raise unread.error(
            f"landing file for source {contract.name} is missing; deliver the extract there or"
            " point SEG_ASSETS_LANDING at the folder that holds it"
        )
    if unread.path.stat().st_size == 0:
        raise unread.error("file is empty (0 bytes), expected a header row")
    if contract.format == "csv":
        header = _csv_header(unread)
    else:
        header = _parquet_columns(con, unread)
    landing = LandingFile(contract, unread.path, header)
    _check_header(landing)
    return landing


def _line_problem(landing: LandingFile, error_type: str, column: str, message: str) -> str:
    counts = _FIELD_COUNTS.search(message)
    if error_type == "UNQUOTED VALUE":
        return (
            f"unterminated quoted value in column {column}; close the quote, and double any"
            ' quote inside a quoted value ("")'
        )
    if error_type == "INVALID ENCODING":
        return (
            f"column {column} has bytes that are not valid {landing.contract.encoding};"
            f" {_encoding_advice(landing.contract)}"
        )
    if error_type == "MISSING COLUMNS" and counts:
        return (
            f"{counts.group(2)} value(s) where the header has {counts.group(1)} columns; no value"
            f" for column {column} (a different delimiter, or a line cut short?)"
        )
    if error_type == "TOO MANY COLUMNS" and counts:
        return (
            f"{counts.group(2)} values where the header has {counts.group(1)} columns; quote"
            " values that contain a comma"
        )
    return f"{message} (column {column})"


def raise_on_rejected_lines(con: duckdb.DuckDBPyConnection, landing: LandingFile) -> None:
    """Raise for the first line DuckDB could not parse in a read that recorded rejected lines.

    Drops the record tables afterwards, so the next read on the connection starts clean.
    """
    rejected = con.execute(
        f"select line, error_type, column_name, error_message from {REJECTED_LINES}"
        " order by line, column_idx limit 1"
    ).fetchall()
    con.execute(f"drop table if exists {REJECTED_LINES}")
    con.execute(f"drop table if exists {_REJECTED_SCANS}")
    if rejected:
        [(line, error_type, duckdb_column, message)] = rejected
        column = landing.column_named(duckdb_column)
        problem = _line_problem(landing, str(error_type), column, str(message))
        raise landing.error(f"line {line} (data row {int(line) - 1}): {problem}")


def read_error(landing: LandingFile, error: duckdb.Error) -> SourceContractError:
    """A contract error for a DuckDB read error: its line and its reason, without the dump."""
    text = str(error).split("\n\nLINE ")[0].replace(f" '{landing.path}'", "")
    text = text.replace(f' "{landing.path}"', "")
    reason = text.splitlines()[0].split(" Error: ", 1)[-1] if text else type(error).__name__
    line = _CSV_ERROR_LINE.search(text)
    if line:
        known = _KNOWN_CSV_PROBLEMS.search(text)
        number = int(line.group(1))
        reason = f"line {number} (data row {number - 1}): {known.group(0) if known else reason}"
    problem = f"cannot be read as {landing.contract.format}: {reason}"
    if landing.contract.format == "parquet":
        problem += "; the file is cut short or is not Parquet: deliver the complete extract again"
    return landing.error(problem)


def landing_file_errors(
    contracts: Iterable[SourceContract], landing_dir: Path
) -> list[SourceContractError]:
    """What :func:`open_landing_file` would refuse, for every source at once: the cheap checks
    (present, readable, every declared column in the header) a run makes before it writes.

    Parameters
    ----------
    contracts
        The sources to check.
    landing_dir
        Root folder of the landing files.
    """
    errors = []
    with closing(duckdb.connect()) as con:
        for contract in contracts:
            try:
                open_landing_file(con, contract, landing_dir)
            except SourceContractError as error:
                errors.append(error)
    return errors
