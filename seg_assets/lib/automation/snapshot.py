"""What sensors read from the published serving snapshot, never from the working warehouse.

DuckDB locks the working file while a run writes it; the serving file is only ever replaced
whole by an atomic rename, so a read-only open sees one complete snapshot.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from seg_assets.lib.identifiers import checked_identifier


@dataclass(frozen=True)
class MonthDrift:
    """The drift state of one published month (the ``overall`` row of drift_history)."""

    month: date
    model_version: str
    reference_month: date
    state: str
    detail: str


def _has_table(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str | None = None
) -> bool:
    """Whether ``schema.table`` exists (with ``column``, when one is named)."""
    [(found,)] = con.execute(
        "select count(*) from duckdb_columns() where schema_name = ? and table_name = ?"
        " and (? is null or column_name = ?)",
        [schema, table, column, column],
    ).fetchall()
    return bool(found)


def newest_month_drift(serving: Path) -> MonthDrift | None:
    """The newest month's drift in the snapshot (None without a snapshot or drift history)."""
    if not serving.exists():
        return None
    with duckdb.connect(str(serving), read_only=True) as con:
        if not _has_table(con, "segmentation", "drift_history"):
            return None
        rows = con.execute(
            "select as_of_month, model_version, reference_month, state, coalesce(detail, '')"
            " from segmentation.drift_history where subject = 'overall'"
            " order by as_of_month desc limit 1"
        ).fetchall()
    return MonthDrift(*rows[0]) if rows else None


def months_on_superseded_keys(
    serving: Path, facts: Sequence[tuple[str, str, str]], key_table: tuple[str, str]
) -> list[date]:
    """Months of customer-keyed facts holding a customer_key that master data no longer has.

    Parameters
    ----------
    serving
        The snapshot.
    facts
        ``(schema, table, month column)`` of partitioned facts; those with a ``customer_key``
        column are checked.
    key_table
        ``(schema, table)`` of the current golden customers (``customer_key``).
    """
    if not serving.exists():
        return []
    months: set[date] = set()
    golden = ".".join(checked_identifier(part, "table") for part in key_table)
    with duckdb.connect(str(serving), read_only=True) as con:
        if not _has_table(con, *key_table):
            return []
        for schema, table, column in facts:
            if not _has_table(con, schema, table, "customer_key"):
                continue
            fact = f"{checked_identifier(schema, 'schema')}.{checked_identifier(table, 'table')}"
            month = checked_identifier(column, "column")
            rows = con.execute(
                f"select distinct facts.{month} from {fact} as facts"
                f" where not exists (select 1 from {golden} as golden"
                " where golden.customer_key = facts.customer_key)"
            ).fetchall()
            months |= {value for (value,) in rows if value is not None}
    return sorted(months)
