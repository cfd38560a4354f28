"""The ``segmentation.drift_history`` table: created up front, one row set per as-of month."""

from datetime import date

import duckdb
import polars as pl

from seg_assets.lib.drift.history import HISTORY_COLUMNS
from seg_assets.lib.warehouse import ensure_schema

_TABLE = "segmentation.drift_history"
_COLUMNS = """
    as_of_month date, model_version varchar, reference_month date, subject_kind varchar,
    subject varchar, metric varchar, value double, watch double, act double, state varchar,
    detail varchar, computed_at timestamp"""


def ensure_drift_history(con: duckdb.DuckDBPyConnection) -> None:
    """Create the table if it does not exist."""
    ensure_schema(con, "segmentation")
    con.execute(f"create table if not exists {_TABLE} ({_COLUMNS})")


def replace_month(
    con: duckdb.DuckDBPyConnection, month: date, history: pl.DataFrame | None
) -> None:
    """Replace the month's rows by ``history`` (None: the month published nothing, so it has
    no drift); call inside a transaction."""
    con.execute(f"delete from {_TABLE} where as_of_month = ?", [month])
    if history is None or history.is_empty():
        return
    con.register("_new_drift_history", history.select(list(HISTORY_COLUMNS)).to_arrow())
    try:
        columns = ", ".join(HISTORY_COLUMNS)
        con.execute(
            f"insert into {_TABLE} ({columns}, computed_at)"
            f" select {columns}, current_localtimestamp() from _new_drift_history"
        )
    finally:
        con.unregister("_new_drift_history")


def read_drift_history(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every month's rows, oldest first."""
    return con.sql(
        f"select * from {_TABLE} order by as_of_month, subject_kind, subject, metric"
    ).pl()
