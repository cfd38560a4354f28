"""The customer x month key spine on a hand-computed fixture: one row per customer and month
with any activity, a flag per kind, and one-month refreshes."""

import datetime as dt

import duckdb
import pytest

from seg_assets.lib.model_runner import MonthWindow, run_model
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model

MODEL = parse_model(sql_dir() / "intermediate" / "int_customer_activity_months.sql")
JAN, FEB, MAR = (dt.date(2025, month, 1) for month in (1, 2, 3))


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        for schema in ("marts", "intermediate"):
            con.execute(f"create schema {schema}")
        con.execute(
            "create table marts.fct_customer_months as select * from (values"
            " ('A', date '2025-01-01'), ('B', date '2025-02-01')) t(customer_key, order_month)"
        )
        con.execute(
            "create table intermediate.int_customer_service_months as select * from (values"
            " ('A', date '2025-01-01', 0.00::decimal(18, 2)), ('B', date '2025-02-01', 5.00),"
            " ('D', date '2025-02-01', 0.00)) t(customer_key, activity_month, credited_amount)"
        )
        con.execute(
            "create table marts.fct_customer_cost_to_serve_months as select * from (values"
            " ('A', date '2025-01-01'), ('C', date '2025-02-01')) t(customer_key, cost_month)"
        )
        run_model(con, MODEL, "test", {}, MonthWindow(JAN, MAR))
        yield con


def _rows(con):
    return con.execute(f"select * from {MODEL.table} order by all").fetchall()


def test_each_customer_month_has_one_row_with_its_kinds_of_activity(con):
    assert _rows(con) == [
        ("A", JAN, True, False, True, True),
        ("B", FEB, True, True, True, False),  # a credited return
        ("C", FEB, False, False, False, True),  # costs only
        ("D", FEB, False, False, True, False),  # service activity without a credit
    ]


def test_a_one_month_refresh_rewrites_only_that_month(con):
    con.execute(f"update {MODEL.table} set has_orders = false")
    run_model(con, MODEL, "test", {}, MonthWindow(FEB, MAR))
    assert [(key, month, orders) for key, month, orders, *_ in _rows(con)] == [
        ("A", JAN, False),  # untouched
        ("B", FEB, True),
        ("C", FEB, False),
        ("D", FEB, False),
    ]


def test_every_column_is_described(con):
    described = [name for name, _ in MODEL.column_descriptions]
    assert described == [row[0] for row in con.execute(f"describe {MODEL.table}").fetchall()]
