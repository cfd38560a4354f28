"""Publishing model results: whole tables, month windows, quarantine routing, atomicity."""

from datetime import date
from pathlib import Path

import duckdb
import pytest

from seg_assets.lib.errors import ModelDefinitionError, PartitionWriteError
from seg_assets.lib.model_runner import MonthWindow, run_model
from seg_assets.lib.sql_models import parse_model

NOVEMBER = MonthWindow(date(2024, 11, 1), date(2024, 12, 1))
DECEMBER = MonthWindow(date(2024, 12, 1), date(2025, 1, 1))
RULES = {"negative": "The amount is negative."}


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        connection.execute("create schema staging")
        connection.execute(
            "create table staging.events as select * from (values"
            " (1, date '2024-11-03', 10), (2, date '2024-11-20', -1),"
            " (3, date '2024-12-05', 7)) as t(id, event_date, amount)"
        )
        yield connection


def _model(root: Path, name: str, body: str, partition_column: str | None = None):
    header = "-- Test model.\n"
    if partition_column:
        header += f"-- @partition_column: {partition_column}\n"
    path = root / "marts" / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + body)
    return parse_model(path)


MONTHLY = """with
events as (
    select * from staging.events
    where event_date >= $month_start and event_date < $month_end
),
final as (
    select
        id,
        cast(date_trunc('month', event_date) as date) as event_month,
        amount,
        case when amount < 0 then 'negative' end as quarantine_rule,
    from events
)
select * from final
"""


def test_a_month_replaces_only_its_own_rows_and_reruns_are_idempotent(con, tmp_path):
    model = _model(tmp_path, "fct_events", MONTHLY, "event_month")
    run_model(con, model, "run-1", RULES, NOVEMBER)
    run_model(con, model, "run-1", RULES, DECEMBER)
    before = con.execute("select * from marts.fct_events order by id").fetchall()
    result = run_model(con, model, "run-2", RULES, NOVEMBER)
    assert con.execute("select * from marts.fct_events order by id").fetchall() == before
    assert before == [(1, date(2024, 11, 1), 10), (3, date(2024, 12, 1), 7)]
    assert (result.rows_written, result.rows_quarantined, result.rows_in_table) == (1, 1, 2)
    quarantined = con.execute(
        "select id, quarantine_rule, quarantine_reason, run_id from quarantine.fct_events"
    ).fetchall()
    assert quarantined == [(2, "negative", "The amount is negative.", "run-2")]


def test_rows_outside_the_window_abort_the_write_and_leave_the_table_unchanged(con, tmp_path):
    good = _model(tmp_path, "fct_events", MONTHLY, "event_month")
    run_model(con, good, "run-1", RULES, NOVEMBER)
    before = con.execute("select * from marts.fct_events").fetchall()
    leaky = _model(
        tmp_path,
        "fct_events",
        MONTHLY.replace(
            "where event_date >= $month_start and event_date < $month_end",
            "where $month_start is not null and $month_end is not null",
        ),
        "event_month",
    )
    with pytest.raises(PartitionWriteError, match="outside"):
        run_model(con, leaky, "run-2", RULES, NOVEMBER)
    assert con.execute("select * from marts.fct_events").fetchall() == before


def test_a_changed_schema_is_refused_for_partition_writes(con, tmp_path):
    run_model(con, _model(tmp_path, "fct_events", MONTHLY, "event_month"), "r", RULES, NOVEMBER)
    extra_column = MONTHLY.replace("        amount,\n", "        amount,\n        1 as extra,\n")
    widened = _model(tmp_path, "fct_events", extra_column, "event_month")
    with pytest.raises(ModelDefinitionError, match="columns changed"):
        run_model(con, widened, "r", RULES, DECEMBER)


def test_an_undocumented_quarantine_rule_is_refused(con, tmp_path):
    model = _model(tmp_path, "fct_events", MONTHLY, "event_month")
    with pytest.raises(ModelDefinitionError, match="negative"):
        run_model(con, model, "r", {}, NOVEMBER)


def test_a_failing_model_leaves_the_published_table_intact(con, tmp_path):
    whole = (
        "with\nevents as (\n    select * from staging.events\n)\nselect id, amount from events\n"
    )
    run_model(con, _model(tmp_path, "dim_events", whole), "r", RULES)
    before = con.execute("select * from marts.dim_events order by id").fetchall()
    failing = _model(tmp_path, "dim_events", whole.replace("amount from", "error('boom') from"))
    with pytest.raises(duckdb.Error, match="boom"):
        run_model(con, failing, "r", RULES)
    assert con.execute("select * from marts.dim_events order by id").fetchall() == before
