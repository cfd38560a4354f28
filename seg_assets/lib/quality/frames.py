"""Rows of a warehouse table as pandas frames for Great Expectations, in bounded batches.

Only the columns a suite reads leave DuckDB, through Arrow (several times faster than
``.df()``), and they are typed so that Great Expectations takes its vectorized paths: integers
as int64, decimals as float64 and dates as nanosecond timestamps (other dtypes make its range
checks fall back to a Python function per value); text stays Arrow-backed, which halves the
time of uniqueness checks.
"""

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

if TYPE_CHECKING:
    import pandas as pd

_AS_BIGINT = ("TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT", "UINTEGER", "HUGEINT")
_AS_TIMESTAMP = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE")


@dataclass(frozen=True)
class Scope:
    """The rows to validate: a table (validated ``schema.table``), optionally one window."""

    table: str
    where: str | None = None  # SQL predicate over bound parameters, built from identifiers
    parameters: dict[str, Any] = field(default_factory=dict)
    kind: str = "table"  # "table", "months" (a range of months) or "month" (exactly one)

    @property
    def label(self) -> str:
        """Human-readable scope, e.g. ``all rows`` or ``2025-01-01..2025-02-01``."""
        if not self.parameters:
            return "all rows"
        return "..".join(str(value) for value in self.parameters.values())

    def select(self, expressions: Sequence[str], extra: str = "") -> str:
        """SQL selecting ``expressions`` (and ``extra``) from the scope's rows."""
        listed = ", ".join([*expressions, extra] if extra else expressions)
        where = f" where {self.where}" if self.where else ""
        return f"select {listed} from {self.table}{where}"


def typed_expressions(types: Mapping[str, str], columns: Sequence[str]) -> list[str]:
    """Select expressions for ``columns`` (DuckDB ``types`` by name) with the dtypes GE
    vectorizes."""
    expressions = []
    for column in columns:
        data_type = types[column]
        if data_type in _AS_BIGINT:
            expressions.append(f"cast({column} as bigint) as {column}")
        elif data_type.startswith("DECIMAL"):
            expressions.append(f"cast({column} as double) as {column}")
        elif data_type in _AS_TIMESTAMP:
            expressions.append(f"cast({column} as timestamp_ns) as {column}")
        else:
            expressions.append(column)
    return expressions


def count_rows(con: duckdb.DuckDBPyConnection, scope: Scope) -> int:
    """Rows in the scope."""
    [(count,)] = con.execute(scope.select(["count(*)"]), scope.parameters).fetchall()
    return int(count)


def _text_as_arrow(arrow_type: pa.DataType) -> "pd.ArrowDtype | None":
    import pandas as pd

    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None


def _to_pandas(table: pa.Table) -> "pd.DataFrame":
    return table.to_pandas(types_mapper=_text_as_arrow)


def prefetched(frames: Iterator["pd.DataFrame"]) -> Iterator["pd.DataFrame"]:
    """``frames``, with the next one read from DuckDB (which releases the GIL) while the
    caller validates the current one."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="validation-prefetch") as pool:
        pending = pool.submit(next, frames, None)
        while (frame := pending.result()) is not None:
            pending = pool.submit(next, frames, None)
            yield frame


def whole_frame(
    con: duckdb.DuckDBPyConnection, scope: Scope, expressions: Sequence[str]
) -> "pd.DataFrame":
    """Every row of the scope, only ``expressions``."""
    return _to_pandas(con.sql(scope.select(expressions), params=scope.parameters).to_arrow_table())


def row_batches(
    con: duckdb.DuckDBPyConnection, scope: Scope, expressions: Sequence[str], batch_rows: int
) -> Iterator["pd.DataFrame"]:
    """The scope's rows in frames of about ``batch_rows``, streamed in one pass."""
    reader = con.sql(scope.select(expressions), params=scope.parameters).to_arrow_reader(batch_rows)
    # The reader's batches are smaller than asked; each frame costs GE a fixed overhead.
    pending: list[pa.RecordBatch] = []
    for batch in reader:
        pending.append(batch)
        if sum(len(item) for item in pending) >= batch_rows:
            yield _to_pandas(pa.Table.from_batches(pending))
            pending = []
    if pending:
        yield _to_pandas(pa.Table.from_batches(pending))


def hash_chunks(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    expressions: Sequence[str],
    key: Sequence[str],
    chunks: int,
) -> Iterator["pd.DataFrame"]:
    """The scope's rows in ``chunks`` frames split by a hash of ``key`` columns.

    One pass writes the rows to Parquet partitioned by chunk in a scratch folder and each chunk
    is read back alone, so the work grows linearly with the table.
    """
    hashed = f"hash({', '.join(key)}) % $chunks as _chunk"
    with tempfile.TemporaryDirectory(prefix="seg_assets_validation_") as scratch:
        con.execute(
            f"copy ({scope.select(expressions, hashed)})"
            " to $folder (format parquet, partition_by (_chunk))",
            {**scope.parameters, "chunks": chunks, "folder": scratch},
        ).fetchall()
        for folder in sorted(Path(scratch).glob("_chunk=*")):
            yield _to_pandas(
                con.sql(
                    "select * from read_parquet($files, hive_partitioning = false)",
                    params={"files": str(folder / "*.parquet")},
                ).to_arrow_table()
            )
