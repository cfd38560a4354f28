"""Validate a table against its Great Expectations suite and summarize the outcome.

Suites are JSON files in ``expectations/`` named after their table. Each expectation's
``meta.severity`` is ``error`` (blocks downstream) or ``warn`` (reported only). Great
Expectations evaluates the expectations in DataFrame mode; only the columns a suite needs are
moved out of DuckDB, and large tables go through in chunks so memory stays bounded: rows are
split by a hash of the uniqueness key, so duplicates always meet in the same chunk and every
row-wise expectation adds up exactly. Suites with table-level expectations (means, row counts,
distinct sets) are validated whole. Great Expectations is imported lazily (the import takes
seconds).
"""

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.warehouse import row_count

if TYPE_CHECKING:
    import pandas as pd

SEVERITIES = ("error", "warn")
TRACE_COLUMNS = ("_source_file", "_source_row")
SAMPLE_SIZE = 10
CHUNK_ROWS = 1_000_000
_COLUMN_ARGUMENTS = ("column", "column_A", "column_B")
# Expectations judged row by row, whose results over chunks add up to the whole table's.
_ROW_WISE_PREFIXES = (
    "expect_column_values_to_",
    "expect_column_pair_values_",
    "expect_multicolumn_",
    "expect_select_column_values_to_be_unique_within_record",
)
_TYPE_EXPECTATIONS = (
    "expect_column_values_to_be_of_type",
    "expect_column_values_to_be_in_type_list",
)
_UNIQUENESS = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result: which rows failed it and a sample of them."""

    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int
    element_count: int
    failing_rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SuiteOutcome:
    """The outcome of one suite on one table."""

    suite: str
    table: str
    outcomes: list[ExpectationOutcome]

    @property
    def failed_errors(self) -> list[ExpectationOutcome]:
        """Failed expectations of severity ``error``: these block downstream assets."""
        return [o for o in self.outcomes if not o.success and o.severity == "error"]

    @property
    def failed_warnings(self) -> list[ExpectationOutcome]:
        """Failed expectations of severity ``warn``: reported only."""
        return [o for o in self.outcomes if not o.success and o.severity == "warn"]


def read_suite_document(path: Path) -> dict[str, Any]:
    """Read a suite JSON file and check that every expectation declares a valid severity."""
    document = json.loads(path.read_text())
    for expectation in document.get("expectations", []):
        severity = (expectation.get("meta") or {}).get("severity")
        if severity not in SEVERITIES:
            raise SegAssetsError(
                f"{path}: expectation {expectation.get('type')} on"
                f" {expectation.get('kwargs', {}).get('column')} needs meta.severity in"
                f" {SEVERITIES}, not {severity!r}"
            )
    return document


def suite_columns(document: dict[str, Any]) -> list[str]:
    """Columns the suite's expectations read, in first-use order."""
    columns: list[str] = []
    for expectation in document.get("expectations", []):
        kwargs = expectation.get("kwargs", {})
        named = [kwargs[name] for name in _COLUMN_ARGUMENTS if name in kwargs]
        named += list(kwargs.get("column_list", []))
        columns += [column for column in named if column not in columns]
    return columns


@cache
def _batch_definition() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # Progress bars would interleave with the run's own progress output.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("warehouse")
    return source.add_dataframe_asset("table").add_batch_definition_whole_dataframe("whole")


def _plain(value: Any) -> Any:
    """A JSON-friendly version of a value GE returns (numpy scalars, NaN)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)


def chunk_key(document: dict[str, Any]) -> tuple[str, ...] | None:
    """Columns to hash rows into chunks by, ``()`` for any split, ``None`` if not chunkable.

    A suite is chunkable when every expectation is row-wise, and all its uniqueness
    expectations are on the same columns (the hash key, so duplicates share a chunk).
    """
    keys = set()
    for expectation in document.get("expectations", []):
        kind, kwargs = expectation["type"], expectation.get("kwargs", {})
        if kind in _UNIQUENESS:
            keys.add(tuple(kwargs.get("column_list") or [kwargs["column"]]))
        elif kind in _TYPE_EXPECTATIONS or not kind.startswith(_ROW_WISE_PREFIXES):
            return None
    if len(keys) > 1:
        return None
    return keys.pop() if keys else ()


def _merge(chunks: list[list[ExpectationOutcome]]) -> list[ExpectationOutcome]:
    """One outcome per expectation from its outcomes over all chunks."""
    return [
        ExpectationOutcome(
            expectation=parts[0].expectation,
            column=parts[0].column,
            severity=parts[0].severity,
            success=all(part.success for part in parts),
            unexpected_count=sum(part.unexpected_count for part in parts),
            element_count=sum(part.element_count for part in parts),
            failing_rows=[row for part in parts for row in part.failing_rows][:SAMPLE_SIZE],
        )
        for parts in zip(*chunks, strict=True)
    ]


def _validate_frame(suite: Any, frame: Any, trace: list[str]) -> list[ExpectationOutcome]:
    result = (
        _batch_definition()
        .get_batch(batch_parameters={"dataframe": frame})
        .validate(
            suite,
            result_format={
                "result_format": "SUMMARY",
                "unexpected_index_column_names": trace,
                "partial_unexpected_count": SAMPLE_SIZE,
            },
        )
    )
    return [
        ExpectationOutcome(
            expectation=item.expectation_config.type,
            column=item.expectation_config.kwargs.get("column"),
            severity=(item.expectation_config.meta or {}).get("severity", "error"),
            success=bool(item.success),
            unexpected_count=int(item.result.get("unexpected_count") or 0),
            element_count=int(item.result.get("element_count") or len(frame)),
            failing_rows=[
                {key: _plain(value) for key, value in row.items()}
                for row in item.result.get("partial_unexpected_index_list") or []
            ],
        )
        for item in result.results
    ]


def _hash_chunks(
    con: duckdb.DuckDBPyConnection, columns: str, table: str, key: list[str], chunks: int
) -> Iterator["pd.DataFrame"]:
    """The ``columns`` of ``table`` in ``chunks`` frames split by a hash of ``key``.

    One pass writes the rows to Parquet partitioned by chunk in a scratch folder, and each
    chunk is read back alone, so the work grows linearly with the table (a filtered scan per
    chunk would read the table ``chunks`` times).
    """
    # Columns come from the suite and were checked against the table's own columns.
    hashed = f"hash({', '.join(key)})" if key else "hash(rowid)"
    with tempfile.TemporaryDirectory(prefix="seg_assets_validation_") as scratch:
        con.execute(
            f"copy (select {columns}, {hashed} % $chunks as _chunk from {table})"
            " to $folder (format parquet, partition_by (_chunk))",
            {"chunks": chunks, "folder": scratch},
        ).fetchall()
        for folder in sorted(Path(scratch).glob("_chunk=*")):
            yield con.execute(
                "select * from read_parquet($files, hive_partitioning = false)",
                {"files": str(folder / "*.parquet")},
            ).df()


def validate_table(
    con: duckdb.DuckDBPyConnection, table: str, suite_path: Path, chunk_rows: int = CHUNK_ROWS
) -> SuiteOutcome:
    """Validate the validated ``schema.table`` against the suite in ``suite_path``.

    Parameters
    ----------
    con
        Open warehouse connection.
    table
        Qualified table name, already validated as identifiers.
    suite_path
        The suite's JSON file.
    chunk_rows
        Rows per chunk (about) for chunkable suites.
    """
    import great_expectations as gx

    document = read_suite_document(suite_path)
    schema, name = table.split(".")
    present = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    }
    needed = suite_columns(document)
    missing = [column for column in needed if column not in present]
    if missing:
        raise SegAssetsError(f"{suite_path}: {table} has no column(s) {', '.join(missing)}")
    trace = [column for column in TRACE_COLUMNS if column in present]
    columns = ", ".join(dict.fromkeys(needed + trace))
    suite = gx.ExpectationSuite(**document)
    key = chunk_key(document)
    chunks = max(1, -(-row_count(con, table) // chunk_rows)) if key is not None else 1
    if chunks == 1:
        frame = con.execute(f"select {columns} from {table}").df()
        outcomes = _validate_frame(suite, frame, trace)
    else:
        outcomes = _merge(
            [
                _validate_frame(suite, frame, trace)
                for frame in _hash_chunks(con, columns, table, key, chunks)
            ]
        )
    return SuiteOutcome(suite=document.get("name", suite_path.stem), table=table, outcomes=outcomes)
