"""Order fulfilment and the segment KPI mart on a hand-computed fixture: two customers, seven
orders with early, late, split and partial shipments, a missing promised date, a line never
shipped (cancelled), a damaged return, a double invoice and an order not yet due.

Customer A (segment 1, Gold, DE): O0 in February (before any segment or tier), O1 (split line
late to promise, on time to request), O2 (no promised date, returned damaged), O6 (perfect).
Customer B (segment 2, Standard, FR): O3 (one line half shipped, one never shipped), O4 (late,
invoiced twice), O5 (due after the horizon: pending). The data horizon is the newest order
date, 2025-03-31."""

import datetime as dt

import duckdb
import pytest

from seg_assets.lib.model_runner import MonthWindow, run_model
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model

ACTIVITY = parse_model(sql_dir() / "intermediate" / "int_customer_activity_months.sql")
FULFILMENT = parse_model(sql_dir() / "kpi" / "fct_order_fulfilment.sql")
KPIS = parse_model(sql_dir() / "kpi" / "fct_segment_kpi_months.sql")
FEB, MAR = dt.date(2025, 2, 1), dt.date(2025, 3, 1)


def d(day: int, month: int = 3) -> dt.date:
    return dt.date(2025, month, day)


# order, customer, order date, requested date, requested before order
ORDERS = [
    ("O0", "A", d(10, 2), d(15, 2), False),
    ("O1", "A", d(3), d(10), False),
    ("O2", "A", d(5), d(12), False),
    ("O3", "B", d(10), d(14), False),
    ("O4", "B", d(20), d(25), False),
    ("O5", "B", d(31), d(10, 4), False),
    ("O6", "A", d(12), d(20), False),
]
# line, order, promised date, ordered, shipped, unit price
LINES = [
    ("L0", "O0", d(14, 2), 1, 1, 7.0),
    ("L1", "O1", d(8), 10, 10, 2.0),
    ("L2", "O1", d(8), 5, 5, 4.0),
    ("L3", "O2", None, 8, 8, 1.0),
    ("L4", "O3", d(14), 4, 2, 5.0),
    ("L5", "O3", d(14), 6, 0, 5.0),
    ("L6", "O4", d(24), 10, 10, 3.0),
    ("L7", "O5", d(9, 4), 1, 0, 9.0),
    ("L8", "O6", d(18), 2, 2, 10.0),
]
# shipment line, line, quantity, ship date, delivery date
SHIPMENT_LINES = [
    ("S0", "L0", 1, d(11, 2), d(12, 2)),
    ("S1", "L1", 10, d(5), d(7)),  # early
    ("S2", "L2", 3, d(5), d(6)),  # split: first part on time
    ("S3", "L2", 2, d(7), d(9)),  # split: second part late to promise
    ("S4", "L3", 8, d(9), d(11)),
    ("S5", "L4", 2, d(11), d(13)),  # partial
    ("S6", "L6", 10, d(24), d(27)),  # late
    ("S7", "L8", 2, d(13), d(15)),
]
# invoice, order, amount, currency (O4 invoiced twice)
INVOICES = [
    ("I0", "O0", 7.0, "EUR"),
    ("I1", "O1", 40.0, "EUR"),
    ("I2", "O2", 8.0, "EUR"),
    ("I3", "O3", 10.0, "EUR"),
    ("I4", "O4", 15.0, "EUR"),
    ("I5", "O4", 15.0, "EUR"),
    ("I6", "O6", 20.0, "EUR"),
]
TABLES = {
    "marts.fct_order_lines": "order_line_id varchar, order_id varchar, customer_key varchar,"
    " order_date date, order_month date, requested_delivery_date date,"
    " is_requested_before_order boolean, promised_date date, quantity_ordered integer,"
    " quantity_shipped integer, shipped_revenue decimal(18, 2)",
    "intermediate.int_shipment_lines_freight_allocated": "shipment_line_id varchar,"
    " order_line_id varchar, quantity_shipped integer, ship_date date, delivery_date date,"
    " is_delivery_before_ship boolean",
    "staging.stg_erp__returns": "return_id varchar, order_line_id varchar, reason_code varchar",
    "staging.stg_finance__invoices": "invoice_id varchar, order_id varchar,"
    " amount decimal(18, 2), currency varchar",
    "staging.stg_erp__orders": "order_id varchar, currency varchar",
    "segmentation.customer_segments": "customer_key varchar, as_of_month date,"
    " model_version varchar, segment_id integer, segment_name varchar",
    "marts.fct_customer_tiers": "customer_key varchar, as_of_month date, tier varchar",
    "mdm.dim_customer_golden": "customer_key varchar, country varchar",
    "marts.fct_customer_months": "customer_key varchar, order_month date, orders bigint,"
    " shipped_units bigint",
    "marts.fct_customer_profitability_months": "customer_key varchar, month date,"
    " net_revenue decimal(18, 2), cost_of_goods decimal(18, 2), cost_to_serve decimal(18, 2)",
    "intermediate.int_customer_service_months": "customer_key varchar, activity_month date,"
    " returned_units bigint, receivables_at_month_end decimal(18, 2),"
    " invoiced_amount decimal(18, 2), credited_amount decimal(18, 2)",
    "marts.fct_customer_cost_to_serve_months": "customer_key varchar, cost_month date",
}


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    marks = ", ".join("?" * len(rows[0]))
    con.executemany(f"insert into {table} values ({marks})", rows)


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        for schema in ("marts", "intermediate", "staging", "segmentation", "mdm", "kpi"):
            con.execute(f"create schema {schema}")
        for table, columns in TABLES.items():
            con.execute(f"create table {table} ({columns})")
        orders = {order: rest for order, *rest in ORDERS}
        _insert(
            con,
            "marts.fct_order_lines",
            [
                (
                    *(line, order, *orders[order][:2], orders[order][1].replace(day=1)),
                    *orders[order][2:],
                    *(promised, ordered, shipped, shipped * price),
                )
                for line, order, promised, ordered, shipped, price in LINES
            ],
        )
        _insert(
            con,
            "intermediate.int_shipment_lines_freight_allocated",
            [(*row, False) for row in SHIPMENT_LINES],
        )
        _insert(con, "staging.stg_erp__returns", [("R1", "L3", "DAMAGED"), ("R2", "L1", "LATE")])
        _insert(con, "staging.stg_finance__invoices", INVOICES)
        _insert(con, "staging.stg_erp__orders", [(order, "EUR") for order, *_ in ORDERS])
        _insert(
            con,
            "segmentation.customer_segments",
            [("A", MAR, "v1", 1, "Steady"), ("B", MAR, "v1", 2, "Small")],
        )
        _insert(con, "marts.fct_customer_tiers", [("A", MAR, "Gold"), ("B", MAR, "Standard")])
        _insert(con, "mdm.dim_customer_golden", [("A", "DE"), ("B", "FR")])
        _insert(
            con,
            "marts.fct_customer_months",
            [("A", FEB, 1, 1), ("A", MAR, 3, 25), ("B", MAR, 3, 12)],
        )
        _insert(
            con,
            "marts.fct_customer_profitability_months",
            [("A", MAR, 1000, 600, 100), ("B", MAR, 500, 350, 150)],
        )
        _insert(
            con,
            "intermediate.int_customer_service_months",
            [
                ("A", FEB, 1, 50, 100, 10),
                ("A", MAR, 2, 300, 1200, 20),
                ("B", MAR, 0, 100, 400, 0),
            ],
        )
        _insert(con, "marts.fct_customer_cost_to_serve_months", [("A", MAR), ("B", MAR)])
        run_model(con, ACTIVITY, "test", {}, MonthWindow(FEB, dt.date(2025, 4, 1)))
        run_model(con, FULFILMENT, "test", {})
        run_model(con, KPIS, "test", {})
        yield con


OUTCOMES = (
    "is_measured, is_on_time_requested, is_on_time_promised, is_in_full, is_otif_requested,"
    " is_otif_promised, is_damage_free, is_invoice_accurate, is_perfect_order, cycle_time_days"
)
EXPECTED_OUTCOMES = {
    "O0": (True, True, True, True, True, True, True, True, True, 2),
    "O1": (True, True, False, True, True, False, True, True, False, 6),
    "O2": (True, True, None, True, True, None, False, True, False, 6),
    "O3": (True, False, False, False, False, False, True, True, False, None),
    "O4": (True, False, False, True, False, False, True, False, False, 7),
    "O5": (False, None, None, None, None, None, None, None, None, None),
    "O6": (True, True, True, True, True, True, True, True, True, 3),
}


def test_each_order_outcome_matches_the_hand_computed_one(con):
    rows = con.execute(f"select order_id, {OUTCOMES} from kpi.fct_order_fulfilment").fetchall()
    assert {order: tuple(rest) for order, *rest in rows} == EXPECTED_OUTCOMES


def test_order_quantities_cap_over_shipments_and_keep_the_last_delivery(con):
    rows = con.execute(
        "select order_id, lines, lines_in_full, ordered_units, filled_units, delivered_date,"
        " promised_date from kpi.fct_order_fulfilment where order_id in ('O1', 'O2', 'O3')"
        " order by order_id"
    ).fetchall()
    assert rows == [
        ("O1", 2, 2, 15, 15, d(9), d(8)),
        ("O2", 1, 1, 8, 8, d(11), None),
        ("O3", 2, 0, 10, 2, None, d(14)),
    ]


def _kpis(con, dimension: str, member: str, month: dt.date = MAR) -> dict:
    cursor = con.execute(
        "select * from kpi.fct_segment_kpi_months"
        " where dimension = ? and member_key = ? and month = ?",
        [dimension, member, month],
    )
    names = [column[0] for column in cursor.description]
    [row] = cursor.fetchall()
    return dict(zip(names, row, strict=True))


def test_all_customers_service_kpis(con):
    kpis = _kpis(con, "all", "all")
    assert (kpis["customers"], kpis["orders"], kpis["measured_orders"]) == (2, 6, 5)
    expected = {
        "on_time_rate_requested": 3 / 5,  # O1, O2, O6 of the five measured
        "on_time_rate_promised": 1 / 4,  # O6 of O1, O3, O4, O6 (O2 has no promised date)
        "in_full_rate": 4 / 5,  # O3 is short
        "otif_rate_requested": 3 / 5,
        "otif_rate_promised": 1 / 4,
        "fill_rate_lines": 5 / 7,  # L4 partial and L5 cancelled of seven measured lines
        "fill_rate_orders": 4 / 5,
        "fill_rate_units": 37 / 45,  # O3 filled 2 of 10
        "damage_free_rate": 4 / 5,  # O2's damaged return; O1's LATE return does not count
        "invoice_accuracy_rate": 4 / 5,  # O4 invoiced twice
        "perfect_order_rate": 1 / 5,  # only O6
        "cycle_time_days_mean": (6 + 6 + 7 + 3) / 4,
        "cycle_time_days_p90": 7,  # nearest rank: ceil(0.9 x 4) = 4th of 3, 6, 6, 7
    }
    assert {name: kpis[name] for name in expected} == pytest.approx(expected)


def test_all_customers_money_kpis_and_the_inventory_placeholders(con):
    kpis = _kpis(con, "all", "all")
    expected = {
        "net_revenue": 1500,
        "cost_to_serve": 250,
        "cost_to_serve_per_order": 250 / 6,
        "cost_to_serve_per_unit": 250 / 37,
        "cost_to_serve_pct_revenue": 250 / 1500,
        "gross_margin_pct": (1500 - 950) / 1500,
        "net_margin_pct": (1500 - 950 - 250) / 1500,
        "returns_rate_units": 2 / 37,
        "dso_days": 400 / 1600 * 31,
    }
    assert {name: float(kpis[name]) for name in expected} == pytest.approx(expected)
    assert kpis["gmroi"] is None and kpis["inventory_turns"] is None


def test_segments_tiers_and_regions_split_the_same_orders(con):
    steady = _kpis(con, "segment", "1")
    assert steady["member_name"] == "Steady"
    assert (steady["orders"], steady["on_time_rate_requested"]) == (3, 1.0)
    assert steady["on_time_rate_promised"] == pytest.approx(1 / 2)  # O6 of O1, O6
    assert steady["perfect_order_rate"] == pytest.approx(1 / 3)
    assert (steady["cycle_time_days_mean"], steady["cycle_time_days_p90"]) == (5.0, 6.0)
    small = _kpis(con, "segment", "2")
    assert (small["orders"], small["measured_orders"], small["in_full_rate"]) == (3, 2, 0.5)
    assert small["fill_rate_units"] == pytest.approx(12 / 20)
    assert small["cycle_time_days_p90"] == 7.0
    assert _kpis(con, "tier", "Gold")["orders"] == _kpis(con, "region", "DE")["orders"] == 3
    assert float(_kpis(con, "region", "FR")["cost_to_serve_pct_revenue"]) == pytest.approx(0.3)


def test_a_month_without_segments_or_tiers_is_reported_as_such(con):
    february = _kpis(con, "segment", "unsegmented", FEB)
    assert (february["orders"], february["perfect_order_rate"]) == (1, 1.0)
    assert float(february["dso_days"]) == pytest.approx(50 / 100 * 28)
    assert _kpis(con, "tier", "untiered", FEB)["member_name"] == "untiered"


@pytest.mark.parametrize("model", [FULFILMENT, KPIS])
def test_every_column_is_described(con, model):
    described = [name for name, _ in model.column_descriptions]
    built = [row[0] for row in con.execute(f"describe {model.table}").fetchall()]
    assert described == built
