"""Activity-based cost-to-serve on a hand-computed fixture: three ERP accounts of two golden
customers (one with a parent), four orders, three shipments and one pool of each kind, small
enough to compute every driver, rate, remainder cent and total on paper. The models run with
``run_model`` on a real temp DuckDB, exactly as the pipeline runs them."""

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from seg_assets.lib.mart_settings import load_mart_settings
from seg_assets.lib.model_runner import MonthWindow, run_model
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model
from seg_assets.lib.warehouse import replace_tables

JANUARY = MonthWindow(date(2025, 1, 1), date(2025, 2, 1))
FEBRUARY = MonthWindow(date(2025, 2, 1), date(2025, 3, 1))
MODELS = [
    parse_model(sql_dir() / path)
    for path in (
        "intermediate/int_shipment_lines_freight_allocated.sql",
        "intermediate/int_shipments_freight_imputed.sql",
        "intermediate/int_cost_driver_volumes.sql",
        "marts/fct_cost_allocations.sql",
        "marts/fct_customer_cost_to_serve_months.sql",
        "marts/fct_customer_group_cost_to_serve_months.sql",
    )
]
A, B, PARENT = "erp:C1", "erp:C2", "erp:C9"  # golden customers; C3 is A's duplicate ERP account


def _ts(day: int, hour: int = 9, month: int = 1) -> datetime:
    return datetime(2025, month, day, hour)


def _shipment(
    shipment: str, order: str, day: date, weight_kg: float, freight: Decimal | None
) -> tuple:
    missing = freight is None
    return (shipment, order, "LTL", "W1", "DE", day, None, False, weight_kg, freight, missing)


# Each table holds only the columns the models read.
FIXTURE: dict[str, tuple[str, list[tuple]]] = {
    "mdm.crosswalk": (
        "record_id varchar, customer_key varchar",
        [
            ("erp:C1", A),
            ("erp:C3", A),
            ("erp:C2", B),
            ("erp:C9", PARENT),
            ("finance:F1", A),
            ("finance:F2", B),
        ],
    ),
    "mdm.customer_hierarchy": (
        "customer_key varchar, ultimate_parent_key varchar",
        [(A, PARENT), (B, B), (PARENT, PARENT)],
    ),
    "mdm.customer_hierarchy_bridge": (
        "ancestor_key varchar, customer_key varchar, levels_below integer",
        [(PARENT, PARENT, 0), (PARENT, A, 1), (A, A, 0), (B, B, 0)],
    ),
    "staging.stg_erp__products": (
        "product_id varchar, unit_weight_kg double",
        [("P1", 1.0), ("P2", 2.0)],
    ),
    "staging.stg_erp__orders": (
        "order_id varchar, customer_id varchar, order_date date, order_month date",
        [
            ("SO1", "C1", date(2025, 1, 5), date(2025, 1, 1)),
            ("SO2", "C2", date(2025, 1, 20), date(2025, 1, 1)),
            ("SO3", "C3", date(2025, 1, 25), date(2025, 1, 1)),  # A's duplicate account
            ("SO4", "C2", date(2025, 2, 3), date(2025, 2, 1)),
            ("SO5", "C2", date(2025, 1, 28), date(2025, 1, 1)),  # no lines: not an order served
            ("SO6", "CX", date(2025, 1, 10), date(2025, 1, 1)),  # customer with no golden record
        ],
    ),
    "staging.stg_erp__order_lines": (
        "order_line_id varchar, order_id varchar, product_id varchar, quantity_ordered integer",
        [
            ("OL1", "SO1", "P1", 10),
            ("OL2", "SO1", "P2", 5),
            ("OL3", "SO2", "P1", 20),
            ("OL4", "SO3", "P2", 4),
            ("OL5", "SO4", "P1", 7),
            ("OL6", "SO6", "P1", 1),
        ],
    ),
    # All LTL from W1 to DE, in the light band (< 100 kg); SH2's freight is missing.
    "staging.stg_tms__shipments": (
        "shipment_id varchar, order_id varchar, mode varchar, origin_warehouse_id varchar,"
        " destination_country varchar, ship_date date, delivery_date date,"
        " is_delivery_before_ship boolean, weight_kg double, freight_cost decimal(18, 2),"
        " is_freight_cost_missing boolean",
        [
            _shipment("SH1", "SO1", date(2025, 1, 6), 25.0, Decimal("30.00")),
            _shipment("SH2", "SO2", date(2025, 1, 21), 40.0, None),
            _shipment("SH3", "SO3", date(2025, 1, 31), 15.0, Decimal("15.00")),
            _shipment("SH4", "SO4", date(2025, 2, 4), 7.0, Decimal("9.99")),
        ],
    ),
    "staging.stg_tms__shipment_lines": (
        "shipment_line_id varchar, shipment_id varchar, order_line_id varchar,"
        " quantity_shipped integer",
        [
            ("SL1", "SH1", "OL1", 10),
            ("SL2", "SH1", "OL2", 5),
            ("SL3", "SH2", "OL3", 20),
            ("SL4", "SH3", "OL4", 4),
            ("SL5", "SH4", "OL5", 7),
        ],
    ),
    "staging.stg_wms__activity": (
        "activity_id varchar, activity_type varchar, order_line_id varchar, shipment_id varchar,"
        " units integer, activity_ts timestamp",
        [
            ("A1", "pick", "OL1", "SH1", 10, _ts(5)),
            ("A2", "pick", "OL2", "SH1", 5, _ts(5)),
            ("A3", "pick", "OL3", "SH2", 12, _ts(20)),
            ("A4", "pick", "OL3", "SH2", 8, _ts(21)),  # OL3 picked twice
            ("A5", "pick", "OL4", "SH3", 4, _ts(31, hour=23)),
            ("A7", "pick", "OL6", None, 1, _ts(10)),  # customer with no golden record
            ("A8", "pick", "OLX", None, 1, _ts(11)),  # line not in staging (quarantined)
            # Pack events count units per shipment (SH1 in inner packs: 30 for 15 shipped).
            ("K1", "pack", None, "SH1", 30, _ts(6)),
            ("K2", "pack", None, "SH2", 20, _ts(21)),
            ("K3", "pack", None, "SH3", 4, _ts(31)),
            ("K4", "pack", None, "SH4", 7, _ts(4, month=2)),
        ],
    ),
    "staging.stg_wms__storage": (
        "storage_id varchar, storage_month date, source_customer_id varchar, pallet_days double",
        [
            ("S1", date(2025, 1, 1), "C1", 30.0),
            ("S2", date(2025, 1, 1), "C3", 10.0),
            ("S3", date(2025, 1, 1), "C2", 60.0),
            ("S4", date(2025, 2, 1), "C2", 50.0),
        ],
    ),
    "staging.stg_erp__returns": (
        "return_id varchar, order_line_id varchar, return_date date",
        [
            ("R1", "OL1", date(2025, 1, 10)),
            ("R2", "OL3", date(2025, 1, 25)),
            ("R3", "OL3", date(2025, 1, 28)),
            ("R4", "OL1", date(2025, 2, 2)),
        ],
    ),
    "staging.stg_finance__invoices": (
        "invoice_id varchar, billing_account_id varchar, order_id varchar, invoice_date date,"
        " payment_date date, amount decimal(18, 2)",
        [
            # January: 1000 x 10 days, 2000 x 12 days (open: to the month end), 500 x 9 days
            ("INV1", "F1", "SO1", date(2025, 1, 5), date(2025, 1, 15), Decimal("1000.00")),
            ("INV2", "F2", "SO2", date(2025, 1, 20), None, Decimal("2000.00")),
            ("INV0", "F1", "SO0", date(2024, 12, 20), date(2025, 1, 10), Decimal("500.00")),
            # paid on the last day of December: no January days
            ("INV4", "F1", "SO9", date(2024, 12, 1), date(2025, 1, 1), Decimal("800.00")),
            # February: 300 x 24 days; INV2 still open: 2000 x 28 days
            ("INV3", "F2", "SO4", date(2025, 2, 5), None, Decimal("300.00")),
        ],
    ),
    "staging.stg_finance__cost_pools": (
        "cost_pool_id varchar, cost_month date, cost_pool varchar, amount decimal(18, 2)",
        [
            ("PICK-01", date(2025, 1, 1), "warehouse_picking", Decimal("100.01")),
            ("PACK-01", date(2025, 1, 1), "warehouse_packing", Decimal("10.00")),
            ("STOR-01", date(2025, 1, 1), "warehouse_storage", Decimal("200.00")),
            ("TRAN-01", date(2025, 1, 1), "transport_overhead", Decimal("80.00")),
            ("CS-01", date(2025, 1, 1), "customer_service", Decimal("100.00")),
            ("RET-01", date(2025, 1, 1), "returns_handling", Decimal("30.00")),
            ("CRED-01", date(2025, 1, 1), "credit_carrying", Decimal("77.00")),
            ("MKT-01", date(2025, 1, 1), "marketing", Decimal("50.00")),  # no driver configured
            ("CS-02", date(2025, 2, 1), "customer_service", Decimal("40.00")),
            ("PICK-02", date(2025, 2, 1), "warehouse_picking", Decimal("5.00")),  # no picks
            ("CRED-02", date(2025, 2, 1), "credit_carrying", Decimal("63.20")),
        ],
    ),
    # Freight imputation: light [0, 100) and bulk; a lane rate needs 2 known shipments.
    "settings.freight_weight_bands": (
        "weight_band varchar, from_kg bigint",
        [("light", 0), ("bulk", 100)],
    ),
    "settings.freight_imputation": ("min_known_shipments bigint", [(2,)]),
}


def _build(con: duckdb.DuckDBPyConnection) -> None:
    for table, (columns, rows) in FIXTURE.items():
        con.execute(f"create schema if not exists {table.split('.')[0]}")
        con.execute(f"create table {table} ({columns})")
        marks = ", ".join("?" for _ in rows[0])
        con.executemany(f"insert into {table} values ({marks})", rows)
    # The shipped pool-to-driver mapping of config/marts.yaml.
    drivers = load_mart_settings()["cost_pool_drivers"].rows
    replace_tables(con, "settings", {"cost_pool_drivers": drivers})


def _run(con: duckdb.DuckDBPyConnection, window: MonthWindow) -> None:
    for model in MODELS:
        run_model(con, model, "r", {}, window)


@pytest.fixture
def warehouse(tmp_path) -> duckdb.DuckDBPyConnection:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        _build(con)
        _run(con, JANUARY)
        _run(con, FEBRUARY)
        yield con


def _allocated(con: duckdb.DuckDBPyConnection, pool_id: str) -> dict[str | None, tuple]:
    rows = con.execute(
        "select object_id, customer_key, driver_quantity, allocated_amount"
        " from marts.fct_cost_allocations where cost_pool_id = ?",
        [pool_id],
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_the_shipped_settings_give_every_finance_pool_one_driver():
    drivers = load_mart_settings()["cost_pool_drivers"].rows
    assert dict(zip(drivers["cost_pool"], drivers["cost_driver"], strict=True)) == {
        "warehouse_picking": "pick_events",
        "warehouse_packing": "packed_units",
        "warehouse_storage": "pallet_days",
        "transport_overhead": "shipped_weight_kg",
        "customer_service": "orders",
        "returns_handling": "returns",
        "credit_carrying": "receivable_days",
    }


def test_picking_by_pick_events_gives_the_leftover_cent_to_the_largest_remainder(warehouse):
    # 10001 cents / 5 picks: 2000.2 each, OL3 (2 picks) 4000.4 -> the leftover cent to OL3.
    # Picks in February, on a line with no golden customer or on a quarantined line don't count.
    assert _allocated(warehouse, "PICK-01") == {
        "OL1": (A, 1.0, Decimal("20.00")),
        "OL2": (A, 1.0, Decimal("20.00")),
        "OL3": (B, 2.0, Decimal("40.01")),
        "OL4": (A, 1.0, Decimal("20.00")),
    }


def test_packing_shares_pack_units_by_shipped_quantity_and_breaks_ties_by_id(warehouse):
    # SH1's 30 packed units: 20 to OL1 (10 of 15 shipped), 10 to OL2; total 54 units.
    # 1000 cents x 20/54 = 370.37 for OL1 and OL3 (a tie on the remainder: OL1 wins by ID).
    assert _allocated(warehouse, "PACK-01") == {
        "OL1": (A, 20.0, Decimal("3.71")),
        "OL2": (A, 10.0, Decimal("1.85")),
        "OL3": (B, 20.0, Decimal("3.70")),
        "OL4": (A, 4.0, Decimal("0.74")),
    }


def test_storage_by_pallet_days_merges_a_customers_erp_accounts(warehouse):
    assert _allocated(warehouse, "STOR-01") == {
        A: (A, 40.0, Decimal("80.00")),
        B: (B, 60.0, Decimal("120.00")),
    }


def test_transport_overhead_by_shipment_weight_shared_by_line_weight(warehouse):
    # SH1 25 kg: OL1 and OL2 weigh 10 kg each -> 12.5 kg each; 80 kg for 80.00.
    assert _allocated(warehouse, "TRAN-01") == {
        "OL1": (A, 12.5, Decimal("12.50")),
        "OL2": (A, 12.5, Decimal("12.50")),
        "OL3": (B, 40.0, Decimal("40.00")),
        "OL4": (A, 15.0, Decimal("15.00")),
    }


def test_customer_service_by_orders_with_lines_and_a_tied_cent_to_the_lowest_id(warehouse):
    # 10000 cents / 3 orders = 3333.33 each: the leftover cent ties three ways, SO1 wins.
    assert _allocated(warehouse, "CS-01") == {
        "SO1": (A, 1.0, Decimal("33.34")),
        "SO2": (B, 1.0, Decimal("33.33")),
        "SO3": (A, 1.0, Decimal("33.33")),
    }


def test_returns_handling_by_returns_per_order_line(warehouse):
    assert _allocated(warehouse, "RET-01") == {
        "OL1": (A, 1.0, Decimal("10.00")),
        "OL3": (B, 2.0, Decimal("20.00")),
    }


def test_credit_carrying_by_receivable_days_outstanding_in_the_month(warehouse):
    # 38500 amount-days for 77.00: 0.002 per euro-day.
    assert _allocated(warehouse, "CRED-01") == {
        "INV0": (A, 4500.0, Decimal("9.00")),
        "INV1": (A, 10000.0, Decimal("20.00")),
        "INV2": (B, 24000.0, Decimal("48.00")),
    }
    assert _allocated(warehouse, "CRED-02") == {
        "INV2": (B, 56000.0, Decimal("56.00")),
        "INV3": (B, 7200.0, Decimal("7.20")),
    }


def test_the_rate_is_the_pool_over_the_months_driver_volume(warehouse):
    rates = dict(
        warehouse.execute(
            "select distinct cost_pool_id, round(driver_rate, 9), from marts.fct_cost_allocations"
            " where not is_unallocated"
        ).fetchall()
    )
    assert rates == {
        "PICK-01": 20.002,
        "PACK-01": round(10 / 54, 9),
        "STOR-01": 2.0,
        "TRAN-01": 1.0,
        "CS-01": round(100 / 3, 9),
        "RET-01": 10.0,
        "CRED-01": 0.002,
        "CS-02": 40.0,
        "CRED-02": 0.001,
    }


def test_a_pool_without_driver_or_volume_stays_whole_on_an_unallocated_row(warehouse):
    rows = warehouse.execute(
        "select cost_pool_id, allocated_to, object_id, customer_key, allocated_amount,"
        " unallocated_reason from marts.fct_cost_allocations where is_unallocated order by 1"
    ).fetchall()
    assert rows == [
        ("MKT-01", "unallocated", None, None, Decimal("50.00"), "no_driver_configured"),
        ("PICK-02", "unallocated", None, None, Decimal("5.00"), "no_driver_volume"),
    ]


def test_every_pool_reconciles_to_the_cent(warehouse):
    mismatches = warehouse.execute(
        "select cost_pool_id from staging.stg_finance__cost_pools p full outer join"
        " (select cost_pool_id, sum(allocated_amount) as allocated"
        " from marts.fct_cost_allocations group by 1) a using (cost_pool_id)"
        " where p.amount is distinct from a.allocated"
    ).fetchall()
    assert mismatches == []


CUSTOMER_MONTH_COLUMNS = (
    "customer_key, cost_month, ultimate_parent_key, picking_cost, packing_cost, storage_cost,"
    " transport_overhead_cost, customer_service_cost, returns_handling_cost,"
    " credit_carrying_cost, other_activity_cost, activity_cost, shipments,"
    " shipments_freight_imputed, shipments_not_imputable, freight_cost_known,"
    " freight_cost_imputed, freight_cost, cost_to_serve, imputed_freight_share"
)


def _customer_month(
    customer: str,
    month: date,
    parent: str,
    activities: str,
    shipments: tuple[int, int, int],
    freight: str,
    imputed_share: float,
) -> tuple:
    """A customer-month row from the activity costs and freight written as text."""
    money = [Decimal(value) for value in activities.split()]
    freight_money = [Decimal(value) for value in freight.split()]
    return (customer, month, parent, *money, *shipments, *freight_money, imputed_share)


def test_customer_months_sum_the_activities_and_split_known_and_imputed_freight(warehouse):
    rows = warehouse.execute(
        f"select {CUSTOMER_MONTH_COLUMNS} from marts.fct_customer_cost_to_serve_months"
        " order by cost_month, customer_key"
    ).fetchall()
    january, february = date(2025, 1, 1), date(2025, 2, 1)
    assert rows == [
        # A: SH1 and SH3 known (30.00 + 15.00)
        _customer_month(
            A, january, PARENT, "60.00 6.30 80.00 40.00 66.67 10.00 29.00 0.00 291.97",
            (2, 0, 0), "45.00 0.00 45.00 336.97", 0.0,
        ),
        # B: SH2 imputed at the lane's 45.00 / 40 kg = 1.125 per kg x 40 kg
        _customer_month(
            B, january, B, "40.01 3.70 120.00 40.00 33.33 20.00 48.00 0.00 305.04",
            (1, 1, 0), "0.00 45.00 45.00 350.04", 1.0,
        ),
        _customer_month(
            B, february, B, "0.00 0.00 0.00 0.00 40.00 0.00 63.20 0.00 103.20",
            (1, 0, 0), "9.99 0.00 9.99 113.19", 0.0,
        ),
    ]  # fmt: skip


def test_customers_carry_every_allocated_pool_except_the_unallocated(warehouse):
    [(pools, unallocated, customers)] = warehouse.execute(
        "select (select sum(amount) from staging.stg_finance__cost_pools),"
        " (select sum(allocated_amount) from marts.fct_cost_allocations where is_unallocated),"
        " (select sum(activity_cost) from marts.fct_customer_cost_to_serve_months)"
    ).fetchall()
    assert pools == customers + unallocated == Decimal("755.21")


def test_parents_roll_up_their_subsidiaries(warehouse):
    rows = warehouse.execute(
        "select ancestor_key, customers_with_costs, activity_cost, freight_cost_imputed,"
        " cost_to_serve, imputed_freight_share"
        " from marts.fct_customer_group_cost_to_serve_months"
        " where cost_month = '2025-01-01' order by 1"
    ).fetchall()
    assert rows == [
        (A, 1, Decimal("291.97"), Decimal("0.00"), Decimal("336.97"), 0.0),
        (B, 1, Decimal("305.04"), Decimal("45.00"), Decimal("350.04"), 1.0),
        (PARENT, 1, Decimal("291.97"), Decimal("0.00"), Decimal("336.97"), 0.0),
    ]


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        model.table: con.execute(f"select * from {model.table} order by all").fetchall()
        for model in MODELS[1:]
    }


def test_one_run_over_both_months_equals_two_one_month_runs(warehouse, tmp_path):
    with duckdb.connect(str(tmp_path / "both.duckdb")) as con:
        _build(con)
        _run(con, MonthWindow(JANUARY.start, FEBRUARY.end))
        assert _tables(con) == _tables(warehouse)


def test_refreshing_a_month_rewrites_only_that_month(warehouse):
    tampered_tables = ("marts.fct_cost_allocations", "marts.fct_customer_cost_to_serve_months")
    for table in tampered_tables:
        warehouse.execute(
            f"update {table} set customer_key = 'tampered' where cost_month = ?", [FEBRUARY.start]
        )
    february = {table: _tables(warehouse)[table] for table in tampered_tables}
    # A late pick on OL4 arrives: 10001 cents / 6 picks = 1666.83; OL3 and OL4 3333.67 each.
    # Leftover 3 cents: OL1, OL2 (.83), then OL3 before OL4 on the tie at .67.
    warehouse.execute(
        "insert into staging.stg_wms__activity values ('A9', 'pick', 'OL4', 'SH3', 1, ?)",
        [_ts(30)],
    )
    _run(warehouse, JANUARY)
    assert _allocated(warehouse, "PICK-01") == {
        "OL1": (A, 1.0, Decimal("16.67")),
        "OL2": (A, 1.0, Decimal("16.67")),
        "OL3": (B, 2.0, Decimal("33.34")),
        "OL4": (A, 2.0, Decimal("33.33")),
    }
    after = _tables(warehouse)
    for table, rows in february.items():
        tampered = [row for row in rows if "tampered" in row]
        assert tampered
        assert [row for row in after[table] if "tampered" in row] == tampered
