"""Customer P&L waterfall, its roll-up to groups and the whale curve, computed by hand."""

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from seg_assets.defs.marts.whale_curve import whale_curve_metadata
from seg_assets.lib.model_runner import MonthWindow, run_model
from seg_assets.lib.pipeline_settings import load_quarantine_rules
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model

JAN, FEB, MAR = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)
COSTS = (
    "picking_cost, packing_cost, storage_cost, transport_overhead_cost, customer_service_cost,"
    " returns_handling_cost, credit_carrying_cost, other_activity_cost, freight_cost,"
    " freight_cost_imputed, cost_to_serve"
)


def _run(con, name, start=JAN, end=MAR, schema="marts"):
    model = parse_model(sql_dir() / schema / f"{name}.sql")
    run_model(con, model, "test", load_quarantine_rules(), MonthWindow(start, end))


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        for schema in ("marts", "intermediate", "mdm", "settings"):
            con.execute(f"create schema {schema}")
        # P (parent) and its subsidiary S; L a loss-making customer. January only, except S's
        # return, credited in February.
        con.execute(
            "create table marts.fct_customer_months as select * from (values"
            " ('P', date '2025-01-01', 1000.00::decimal(18, 2), 600.00::decimal(18, 2)),"
            " ('S', date '2025-01-01', 400.00, 250.00),"
            " ('L', date '2025-01-01', 100.00, 80.00))"
            " t(customer_key, order_month, shipped_revenue, shipped_cost_of_goods)"
        )
        con.execute(
            "create table intermediate.int_customer_service_months as select * from (values"
            " ('S', date '2025-02-01', 40.00::decimal(18, 2)))"
            " t(customer_key, activity_month, credited_amount)"
        )
        con.execute(
            f"create table marts.fct_customer_cost_to_serve_months as select * from (values"
            " ('P', date '2025-01-01', 10.00::decimal(18, 2), 5.00, 20.00, 3.00, 2.00, 0.00,"
            " 1.00, 0.00, 30.00, 6.00, 71.00),"
            " ('S', date '2025-01-01', 4.00, 2.00, 0.00, 1.00, 2.00, 0.00, 1.00, 0.00, 10.00,"
            " 0.00, 20.00),"
            " ('L', date '2025-01-01', 5.00, 5.00, 10.00, 2.00, 2.00, 1.00, 0.00, 0.00, 15.00,"
            " 15.00, 40.00))"
            f" t(customer_key, cost_month, {COSTS})"
        )
        con.execute(
            "create table mdm.customer_hierarchy as select * from (values"
            " ('P', 'P'), ('S', 'P'), ('L', 'L')) t(customer_key, ultimate_parent_key)"
        )
        con.execute(
            "create table mdm.customer_hierarchy_bridge as select * from (values"
            " ('P', 'P', 0), ('S', 'S', 0), ('P', 'S', 1), ('L', 'L', 0))"
            " t(ancestor_key, customer_key, levels_below)"
        )
        con.execute("create table settings.profitability as select 12 as whale_curve_months")
        _run(con, "int_customer_activity_months", schema="intermediate")
        yield con


def test_the_waterfall_runs_from_revenue_to_net_margin(con):
    _run(con, "fct_customer_profitability_months")
    rows = con.execute(
        "select customer_key, ultimate_parent_key, month, shipped_revenue, returns_credit,"
        " net_revenue, cost_of_goods, gross_margin, cost_to_serve, net_margin,"
        " round(gross_margin_pct, 4), round(cost_to_serve_pct_revenue, 4),"
        " round(net_margin_pct, 4)"
        " from marts.fct_customer_profitability_months order by customer_key, month"
    ).fetchall()
    d = Decimal
    # P: 1000 - 600 = 400 gross, - 71 = 329 net (32.9%); L: 100 - 80 = 20, - 40 = -20.
    # S: January 400 - 250 - 20 = 130; February only the credit: -40 net revenue, -40 margin,
    # and no margin percentages on revenue that is not positive.
    assert rows == [
        ("L", "L", JAN, d("100.00"), d("0.00"), d("100.00"), d("80.00"), d("20.00"),
         d("40.00"), d("-20.00"), 0.2, 0.4, -0.2),
        ("P", "P", JAN, d("1000.00"), d("0.00"), d("1000.00"), d("600.00"), d("400.00"),
         d("71.00"), d("329.00"), 0.4, 0.071, 0.329),
        ("S", "P", JAN, d("400.00"), d("0.00"), d("400.00"), d("250.00"), d("150.00"),
         d("20.00"), d("130.00"), 0.375, 0.05, 0.325),
        ("S", "P", FEB, d("0.00"), d("40.00"), d("-40.00"), d("0.00"), d("-40.00"),
         d("0.00"), d("-40.00"), None, None, None),
    ]  # fmt: skip


def test_groups_sum_their_members_and_recompute_percentages(con):
    _run(con, "fct_customer_profitability_months")
    _run(con, "fct_group_profitability_months")
    rows = con.execute(
        "select ancestor_key, month, customers, net_revenue, net_margin, round(net_margin_pct, 4)"
        " from marts.fct_group_profitability_months order by ancestor_key, month"
    ).fetchall()
    # The group's cost to serve by activity is its members': P's 10 + S's 4 of picking.
    assert con.execute(
        "select picking_cost, storage_cost, freight_cost, cost_to_serve"
        " from marts.fct_group_profitability_months where ancestor_key = 'P' and month = ?",
        [JAN],
    ).fetchall() == [(Decimal("14.00"), Decimal("20.00"), Decimal("40.00"), Decimal("91.00"))]
    assert rows == [
        ("L", JAN, 1, Decimal("100.00"), Decimal("-20.00"), -0.2),
        ("P", JAN, 2, Decimal("1400.00"), Decimal("459.00"), round(459 / 1400, 4)),
        ("P", FEB, 1, Decimal("-40.00"), Decimal("-40.00"), None),
        ("S", JAN, 1, Decimal("400.00"), Decimal("130.00"), 0.325),
        ("S", FEB, 1, Decimal("-40.00"), Decimal("-40.00"), None),
    ]


def test_the_whale_curve_ranks_by_net_margin_and_peaks_before_the_losses(con):
    _run(con, "fct_customer_profitability_months")
    _run(con, "fct_whale_curve")
    rows = con.execute(
        "select customer_key, profit_rank, net_margin, cumulative_net_margin,"
        " round(customer_share, 4), round(cumulative_profit_share, 4)"
        " from marts.fct_whale_curve order by profit_rank"
    ).fetchall()
    # Window: the 12 months up to February. S: 130 - 40 = 90. Total 329 + 90 - 20 = 399.
    assert rows == [
        ("P", 1, Decimal("329.00"), Decimal("329.00"), 0.3333, round(329 / 399, 4)),
        ("S", 2, Decimal("90.00"), Decimal("419.00"), 0.6667, round(419 / 399, 4)),
        ("L", 3, Decimal("-20.00"), Decimal("399.00"), 1.0, 1.0),
    ]
    metadata = whale_curve_metadata(con)
    assert metadata["unprofitable_customers"] == 1
    assert metadata["peak_cumulative_net_margin"] == 419.0
    assert metadata["peak_as_share_of_total"] == pytest.approx(419 / 399)
    assert metadata["whale_curve"].value.startswith("![whale curve](data:image/png;base64,")


def test_the_whale_curve_window_drops_older_months(con):
    con.execute("update settings.profitability set whale_curve_months = 1")
    _run(con, "fct_customer_profitability_months")
    _run(con, "fct_whale_curve")
    # Only February is in a one-month window: S's credit alone.
    assert con.execute("select customer_key, net_margin from marts.fct_whale_curve").fetchall() == [
        ("S", Decimal("-40.00"))
    ]


def test_a_month_refresh_rewrites_only_that_month(con):
    _run(con, "fct_customer_profitability_months")
    con.execute("update marts.fct_customer_profitability_months set net_margin = 0")
    _run(con, "fct_customer_profitability_months", FEB, MAR)
    assert con.execute(
        "select month, sum(net_margin) from marts.fct_customer_profitability_months"
        " group by all order by 1"
    ).fetchall() == [(JAN, Decimal("0.00")), (FEB, Decimal("-40.00"))]
