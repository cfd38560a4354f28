"""Run one SQL model and publish its result atomically.

Non-partitioned models replace their table. Partitioned models replace exactly the rows of the
requested month window, so reruns are idempotent and other months are untouched. A model whose
result has a ``quarantine_rule`` column routes those rows to ``quarantine.<model>`` with the
catalogued reason instead of dropping them. A model's table commits in one transaction, its
quarantined rows in the one before.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from seg_assets.lib.errors import ModelDefinitionError, PartitionWriteError
from seg_assets.lib.sql_models import QUARANTINE_RULE_COLUMN, SqlModel
from seg_assets.lib.warehouse import (
    ensure_schema,
    qualified_table,
    row_count,
    table_columns,
    table_exists,
    transaction,
)

QUARANTINE_SCHEMA = "quarantine"


@dataclass(frozen=True)
class MonthWindow:
    """Half-open date window ``[start, end)`` covering one or more whole months."""

    start: date
    end: date

    def as_parameters(self) -> dict[str, date]:
        """Bound parameters of a partitioned model."""
        return {"month_start": self.start, "month_end": self.end}

    @staticmethod
    def predicate(column: str) -> str:
        """SQL selecting the window's rows on ``column`` (a validated identifier)."""
        return f"{column} >= $month_start and {column} < $month_end"

    @property
    def is_one_month(self) -> bool:
        """Whether the window is exactly one month."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month == 1

    def month_before(self) -> "MonthWindow":
        """The month just before the window."""
        previous = (self.start - timedelta(days=1)).replace(day=1)
        return MonthWindow(start=previous, end=self.start)


def month_starts(start: date, end: date) -> list[date]:
    """First days of the months in ``[start, end)``, in calendar order."""
    months, month = [], start.replace(day=1)
    while month < end:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


@dataclass(frozen=True)
class ModelRunResult:
    """Rows the run wrote to the model's table and to its quarantine."""

    table: str
    rows_written: int
    rows_quarantined: int
    rows_in_table: int


_KEPT_ROWS = f"""(
    select * exclude ({QUARANTINE_RULE_COLUMN})
    from model_result
    where {QUARANTINE_RULE_COLUMN} is null
)"""
_QUARANTINED_ROWS = f"""(
    select
        model_result.*,
        quarantine_rule_reasons.reason as quarantine_reason,
        quarantine_rule_reasons.run_id,
        current_timestamp as quarantined_at,
    from model_result
    inner join quarantine_rule_reasons
        on model_result.{QUARANTINE_RULE_COLUMN} = quarantine_rule_reasons.rule
)"""


def _write(
    con: duckdb.DuckDBPyConnection,
    rows: str,
    rows_parameters: dict[str, date],
    schema: str,
    name: str,
    partition_column: str | None,
    window: MonthWindow | None,
) -> int:
    """Publish ``rows`` (a table or a subquery taking ``rows_parameters``) as ``schema.name``.

    Partitioned tables have exactly the window's rows replaced; the caller's transaction is
    rolled back if ``rows`` strays outside the window. Returns the number of rows written.
    """
    target = qualified_table(schema, name)
    ensure_schema(con, schema)
    if partition_column is None or window is None:
        con.execute(f"create or replace table {target} as select * from {rows}", rows_parameters)
        return row_count(con, target)
    empty = f"select * from {rows} limit 0"
    if not table_exists(con, schema, name):
        con.execute(f"create table {target} as {empty}", rows_parameters)
    elif table_columns(con, schema, name) != [
        (column[0], column[1])
        for column in con.execute(f"describe {empty}", rows_parameters).fetchall()
    ]:
        raise ModelDefinitionError(
            f"{target}: the model's columns changed since the table was built; drop the table"
            " (or run `make clean`) and rebuild all partitions"
        )
    in_window = MonthWindow.predicate(partition_column)
    con.execute(f"delete from {target} where {in_window}", window.as_parameters())
    [(written,)] = con.execute(
        f"insert into {target} select * from {rows}", rows_parameters
    ).fetchall()
    # The window was emptied first, so every row written must now be in it.
    outside = int(written) - row_count(con, target, in_window, window.as_parameters())
    if outside:
        raise PartitionWriteError(
            f"{target}: {outside} row(s) have {partition_column} outside"
            f" [{window.start}, {window.end}); a partitioned model must filter on its window"
        )
    return int(written)


def _prepare_quarantine(
    con: duckdb.DuckDBPyConnection, model: SqlModel, rule_reasons: Mapping[str, str], run_id: str
) -> None:
    """Check every rule in ``model_result`` is documented; stage the reasons for the join."""
    rules = {
        rule
        for (rule,) in con.execute(
            f"select distinct {QUARANTINE_RULE_COLUMN} from model_result"
            f" where {QUARANTINE_RULE_COLUMN} is not null"
        ).fetchall()
    }
    undocumented = sorted(rules - set(rule_reasons))
    if undocumented:
        raise ModelDefinitionError(
            f"{model.path}: quarantine rule(s) {undocumented} are not described in"
            " config/quarantine_rules.yaml"
        )
    con.execute(
        "create or replace temp table quarantine_rule_reasons"
        " (rule varchar, reason varchar, run_id varchar)"
    )
    con.executemany(
        "insert into quarantine_rule_reasons values (?, ?, ?)",
        [(rule, reason, run_id) for rule, reason in rule_reasons.items()],
    )


def run_model(
    con: duckdb.DuckDBPyConnection,
    model: SqlModel,
    run_id: str,
    rule_reasons: Mapping[str, str],
    window: MonthWindow | None = None,
) -> ModelRunResult:
    """Execute ``model`` and publish its table (its quarantined rows first, in their own
    transaction).

    Parameters
    ----------
    con
        Open connection to the warehouse.
    model
        The SQL model to run.
    run_id
        Recorded on quarantined rows.
    rule_reasons
        Human-readable reason for each quarantine rule code.
    window
        Month window to replace; required for partitioned models, ignored otherwise.
    """
    if model.partition_column and window is None:
        raise ModelDefinitionError(f"{model.table} is partitioned: give it a month window")
    parameters = window.as_parameters() if model.partition_column and window else {}
    quarantines = model.routes_to_quarantine
    quarantined = 0
    if quarantines:
        # Materialized once, then split: kept rows to the model's table, the rest to quarantine.
        con.execute(f"create or replace temp table model_result as\n{model.sql}", parameters)
        _prepare_quarantine(con, model, rule_reasons, run_id)
        # Two transactions: the quarantine lives in the working file, a marts model's table in
        # the curated store, and a DuckDB transaction writes one file. Quarantine first, so a
        # table never shows kept rows whose rejected ones are missing; a rerun replaces both.
        with transaction(con):
            quarantined = _write(
                con,
                _QUARANTINED_ROWS,
                {},
                QUARANTINE_SCHEMA,
                model.name,
                model.partition_column,
                window,
            )
        with transaction(con):
            written = _write(
                con, _KEPT_ROWS, {}, model.schema, model.name, model.partition_column, window
            )
        con.execute("drop table model_result")
        con.execute("drop table quarantine_rule_reasons")
    else:
        with transaction(con):
            written = _write(
                con,
                f"(\n{model.sql}\n)",
                parameters,
                model.schema,
                model.name,
                model.partition_column,
                window,
            )
    return ModelRunResult(
        table=model.table,
        rows_written=written,
        rows_quarantined=quarantined,
        rows_in_table=row_count(con, model.table),
    )
