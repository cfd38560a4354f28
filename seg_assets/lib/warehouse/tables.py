"""Small helpers for writing the DuckDB warehouse safely."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import polars as pl

from seg_assets.lib.identifiers import checked_identifier


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: readers see all of its writes or none of them."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def ensure_schema(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Create ``schema`` if it does not exist."""
    con.execute(f"create schema if not exists {checked_identifier(schema, 'schema')}")


def qualified_table(schema: str, table: str) -> str:
    """``schema.table`` after validating both identifiers."""
    return f"{checked_identifier(schema, 'schema')}.{checked_identifier(table, 'table')}"


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists."""
    [(found,)] = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(found)


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    """Column names and DuckDB types of ``schema.table`` in table order."""
    return [
        (name, data_type)
        for name, data_type in con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def row_count(
    con: duckdb.DuckDBPyConnection,
    table: str,
    where: str = "",
    params: Mapping[str, Any] | Sequence[Any] | None = None,
) -> int:
    """Rows of an already validated ``schema.table``, optionally filtered by a bound predicate."""
    sql = f"select count(*) from {table}" + (f" where {where}" if where else "")
    # fetchall, not fetchone: DuckDB 2 keeps a partly fetched result open on the connection.
    [(found,)] = con.execute(sql, params or {}).fetchall()
    return int(found)


def read_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> pl.DataFrame:
    """A whole warehouse table as a polars frame."""
    return pl.from_arrow(
        con.sql(f"select * from {qualified_table(schema, table)}").arrow().read_all()
    )


def replace_tables(
    con: duckdb.DuckDBPyConnection, schema: str, frames: dict[str, pl.DataFrame]
) -> None:
    """Replace ``schema.<name>`` by each frame, all in one transaction."""
    ensure_schema(con, schema)
    with transaction(con):
        for name, frame in frames.items():
            view = f"_new_{name}"
            con.register(view, frame.to_arrow())
            target = qualified_table(schema, name)
            con.execute(f"create or replace table {target} as select * from {view}")
            con.unregister(view)
