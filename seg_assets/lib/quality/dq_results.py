"""``quality.dq_results``: every expectation's result of every run, kept as history.

One row per run x table x scope x expectation. Re-validating the same scope in the same run
replaces its rows, so retries do not double count. The history also gives the previous row
count that row-count bands compare against, and ``quality.dq_latest_results`` (the latest
validation of each table) behind the data-quality report.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from seg_assets.lib.quality.validation import SuiteOutcome
from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import ensure_schema, transaction

DQ_RESULTS = "quality.dq_results"

_CREATE = f"""
create table if not exists {DQ_RESULTS} (
    run_id varchar not null,
    validated_at timestamp with time zone not null,
    table_name varchar not null,
    suite varchar not null,
    scope varchar not null,
    scope_kind varchar not null,
    rows_validated bigint not null,
    expectation_index integer not null,
    expectation varchar not null,
    column_name varchar,
    severity varchar not null,
    success boolean not null,
    unexpected_count bigint not null,
    element_count bigint not null,
    observed_value varchar,
    failing_rows_sample varchar
)
"""


def ensure_dq_results(con: duckdb.DuckDBPyConnection) -> None:
    """Create the history table if this warehouse has none yet."""
    ensure_schema(con, "quality")
    con.execute(_CREATE)


def record_outcome(con: duckdb.DuckDBPyConnection, run_id: str, outcome: SuiteOutcome) -> None:
    """Append ``outcome`` to the history (replacing this run's earlier rows for its scope)."""
    validated_at = datetime.now(UTC)
    rows = [
        (
            run_id,
            validated_at,
            outcome.table,
            outcome.suite,
            outcome.scope,
            outcome.scope_kind,
            outcome.rows_validated,
            item.index,
            item.expectation,
            item.column,
            item.severity,
            item.success,
            item.unexpected_count,
            item.element_count,
            None if item.observed_value is None else json.dumps(item.observed_value),
            json.dumps(item.failing_rows) if item.failing_rows else None,
        )
        for item in outcome.outcomes
    ]
    ensure_dq_results(con)
    with transaction(con):
        con.execute(
            f"delete from {DQ_RESULTS} where run_id = ? and table_name = ? and scope = ?",
            [run_id, outcome.table, outcome.scope],
        )
        if rows:
            con.executemany(
                f"insert into {DQ_RESULTS} values ({', '.join(['?'] * len(rows[0]))})", rows
            )


def previous_rows_validated(con: duckdb.DuckDBPyConnection, table: str, run_id: str) -> int | None:
    """Rows the latest other run validated in this table as a whole or over a range of months
    (a range that gained a month still compares with the previous run), if any run did."""
    ensure_dq_results(con)
    found = con.execute(
        f"select rows_validated from {DQ_RESULTS}"
        " where table_name = ? and scope_kind in ('table', 'months') and run_id <> ?"
        " order by validated_at desc limit 1",
        [table, run_id],
    ).fetchall()
    return int(found[0][0]) if found else None


DQ_LATEST = "quality.dq_latest_results"
_SUMMARY_COLUMNS = [
    "table_name",
    "scope",
    "rows_validated",
    "expectations",
    "errors_failed",
    "warnings_failed",
    "validated_at",
    "run_id",
]
_FAILURE_COLUMNS = [
    "table_name",
    "expectation",
    "column_name",
    "severity",
    "unexpected_count",
    "element_count",
    "observed_value",
    "failing_rows_sample",
]


@dataclass(frozen=True)
class LatestResults:
    """The latest validation of every table and scope: one summary row each, and failures."""

    summary: list[tuple[Any, ...]]
    failures: list[tuple[Any, ...]]

    def as_markdown(self) -> str:
        """The report as markdown: a table of tables, then every failed expectation."""
        if not self.summary:
            return "No validation results yet: run the suite checks first."
        failures = (
            markdown_table(_FAILURE_COLUMNS, self.failures)
            if self.failures
            else "Every expectation passed."
        )
        return (
            "### Latest validation per table\n\n"
            + markdown_table(_SUMMARY_COLUMNS, self.summary)
            + "\n\n### Failed expectations\n\n"
            + failures
        )


def refresh_latest_results(con: duckdb.DuckDBPyConnection) -> LatestResults:
    """Replace ``quality.dq_latest_results`` with each table and scope's latest validation."""
    ensure_dq_results(con)
    with transaction(con):
        con.execute(
            f"""
            create or replace table {DQ_LATEST} as
            select *
            from {DQ_RESULTS}
            qualify validated_at = max(validated_at) over (partition by table_name, scope)
            """
        )
    summary = con.execute(
        f"""
        select
            table_name, scope, any_value(rows_validated), count(*),
            count(*) filter (where not success and severity = 'error'),
            count(*) filter (where not success and severity = 'warn'),
            any_value(validated_at), any_value(run_id)
        from {DQ_LATEST}
        group by table_name, scope
        order by table_name, scope
        """
    ).fetchall()
    failures = con.execute(
        f"select {', '.join(_FAILURE_COLUMNS)} from {DQ_LATEST}"
        " where not success order by severity, table_name, expectation_index"
    ).fetchall()
    return LatestResults(summary=summary, failures=failures)
