"""Shipments, returns and invoices per golden customer and month, computed by hand."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import write_month_calendar

from seg_assets.lib.model_runner import MonthWindow, run_model
from seg_assets.lib.pipeline_settings import load_quarantine_rules
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model

MODEL = parse_model(sql_dir() / "intermediate" / "int_customer_service_months.sql")
JAN, FEB, MAR = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)


@pytest.fixture
def con(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        for schema in ("staging", "mdm"):
            con.execute(f"create schema {schema}")
        write_month_calendar(con)
        # Two ERP accounts of one golden customer (C1, C1B) and a second customer (C2);
        # order SO9's customer has no golden customer, so its activity is not attributed.
        con.execute(
            "create table mdm.crosswalk as select * from (values"
            " ('erp', 'C1', 'erp:C1'), ('erp', 'C1B', 'erp:C1'), ('erp', 'C2', 'erp:C2'),"
            " ('crm', 'C1', 'crm:X')) t(source_system, source_id, customer_key)"
        )
        con.execute(
            "create table staging.stg_erp__orders as select * from (values"
            " ('SO1', 'C1'), ('SO2', 'C1B'), ('SO3', 'C2'), ('SO9', 'C9'))"
            " t(order_id, customer_id)"
        )
        con.execute(
            "create table staging.stg_erp__order_lines as select * from (values"
            " ('OL1', 'SO1'), ('OL2', 'SO2'), ('OL3', 'SO3')) t(order_line_id, order_id)"
        )
        con.execute(
            "create table staging.stg_tms__shipments as select * from (values"
            " ('SH1', 'SO1', date '2025-01-05', 100.0, 50.0),"
            " ('SH2', 'SO2', date '2025-01-20', 40.0, 10.0),"
            " ('SH3', 'SO3', date '2025-02-02', 5.0, 300.0),"
            " ('SH9', 'SO9', date '2025-01-07', 7.0, 1.0))"
            " t(shipment_id, order_id, ship_date, weight_kg, distance_km)"
        )
        con.execute(
            "create table staging.stg_erp__returns as select * from (values"
            " ('R1', 'OL2', date '2025-02-10', 3, 30.00::decimal(18, 2)))"
            " t(return_id, order_line_id, return_date, quantity_returned, credit_amount)"
        )
        con.execute(
            "create table staging.stg_finance__invoices as select * from (values"
            " ('I1', 'SO1', date '2025-01-06', date '2025-01-20', date '2025-02-05', false,"
            "  100.00::decimal(18, 2)),"
            " ('I2', 'SO2', date '2025-01-21', date '2025-02-20', date '2025-01-31', false,"
            "  300.00::decimal(18, 2)),"
            " ('I3', 'SO3', date '2025-01-25', date '2025-02-24', null, true,"
            "  50.00::decimal(18, 2)))"
            " t(invoice_id, order_id, invoice_date, due_date, payment_date, is_open, amount)"
        )
        yield con


def _rows(con, start, end):
    run_model(con, MODEL, "test", load_quarantine_rules(), MonthWindow(start, end))
    return con.execute(
        "select * exclude (activity_month) from intermediate.int_customer_service_months"
        " order by customer_key, activity_month"
    ).fetchall()


def test_activity_is_summed_per_golden_customer_and_month(con):
    rows = _rows(con, JAN, MAR)
    # erp:C1 in January: SH1 + SH2 (both ERP accounts); I1 paid after 30 days, I2 after 10:
    # amount x days = 100 x 30 + 300 x 10 = 6,000 (20 days to pay, weighted by amount);
    # days late: I1 paid 16 days after its due date, I2 20 days before its due date:
    # 100 x 16 + 300 x -20 = -4,400 (11 days early, weighted by amount).
    # erp:C1 in February: the return of OL2. erp:C2: SH3 in February, open invoice I3 in
    # January. SO9 has no golden customer, so SH9 is attributed to nobody.
    # Receivables at month end: I1 (paid 5 February) is open at the end of January only; I2
    # is paid within January; I3 is still open, at the end of January and of February.
    assert rows == [
        ("erp:C1", 2, 140.0, 60.0, 0, 0, Decimal("0.00"), 2, Decimal("400.00"), 2,
         Decimal("400.00"), Decimal("6000.00"), Decimal("-4400.00"), Decimal("100.00")),
        ("erp:C1", 0, 0.0, 0.0, 1, 3, Decimal("30.00"), 0, Decimal("0.00"), 0,
         Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
        ("erp:C2", 0, 0.0, 0.0, 0, 0, Decimal("0.00"), 1, Decimal("50.00"), 0,
         Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("50.00")),
        ("erp:C2", 1, 5.0, 300.0, 0, 0, Decimal("0.00"), 0, Decimal("0.00"), 0,
         Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("50.00")),
    ]  # fmt: skip


def test_receivables_count_invoices_issued_before_the_refreshed_months(con):
    rows = _rows(con, FEB, MAR)
    # Only February is built, yet January's still-open I3 is a receivable at its end.
    assert [(row[0], row[-1]) for row in rows] == [
        ("erp:C1", Decimal("0.00")),
        ("erp:C2", Decimal("50.00")),
    ]


def test_a_month_refresh_reads_only_that_months_activity(con):
    _rows(con, JAN, MAR)
    con.execute("update intermediate.int_customer_service_months set shipments = -1")
    rows = _rows(con, FEB, MAR)
    months = con.execute(
        "select activity_month, min(shipments) from intermediate.int_customer_service_months"
        " group by all order by 1"
    ).fetchall()
    assert months == [(JAN, -1), (FEB, 0)]
    assert len(rows) == 4
