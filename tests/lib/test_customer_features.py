"""fct_customer_features on hand-made upstream tables: every formula checked against values
computed on paper in the comments, the window clipped at the first month of data, ratios null
when their denominator is zero (or revenue negative), and a one-month refresh that rewrites only
that month. The model runs with `run_model` on a real DuckDB file, as the pipeline runs it.
"""

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import write_month_calendar

from seg_assets.lib.mart_settings import SETTINGS_SCHEMA, load_mart_settings
from seg_assets.lib.model_runner import MonthWindow, run_model
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model
from seg_assets.lib.warehouse import replace_tables

FEATURES = parse_model(sql_dir() / "marts" / "fct_customer_features.sql")


def month(number: int) -> date:
    """First day of month ``number`` of 2025."""
    return date(2025, number, 1)


APRIL = MonthWindow(start=month(4), end=month(5))
JAN_TO_APR = MonthWindow(start=month(1), end=month(5))

# Golden customers: alpha (two ERP accounts, C1 and C1B), beta (ordered, nothing shipped),
# gamma (returns credited above its shipped revenue), delta (ordered in January only).
CROSSWALK = [
    ("erp:C1", "alpha"),
    ("erp:C1B", "alpha"),
    ("erp:C2", "beta"),
    ("erp:C3", "gamma"),
    ("erp:C4", "delta"),
]
# (customer, month, orders, lines, ordered units, shipped units, ordered revenue,
#  shipped revenue, cost of goods shipped). Alpha's January is outside April's Feb-Apr window:
# its large numbers would show in every feature if it were counted.
CUSTOMER_MONTHS = [
    ("alpha", 1, 5, 10, 100, 100, 1000, 1000, 600),
    ("alpha", 2, 1, 2, 10, 10, 100, 100, 60),
    ("alpha", 3, 2, 3, 20, 20, 200, 200, 120),
    ("alpha", 4, 3, 4, 30, 25, 300, 250, 150),
    ("beta", 3, 1, 1, 4, 0, 40, 0, 0),
    ("gamma", 2, 1, 1, 2, 2, 20, 20, 12),
    ("delta", 1, 1, 1, 7, 7, 70, 70, 35),
]
# (customer, cost month, cost to serve)
COST_TO_SERVE = [
    ("alpha", 1, 999),
    ("alpha", 2, 20),
    ("alpha", 3, 30),
    ("alpha", 4, 50),
    ("beta", 3, 5),
    ("delta", 1, 9),
]
# (customer, month, shipments, distance km, returned units, credit, paid amount,
#  paid amount x days, paid amount x days after the due date, invoiced amount, receivables at
#  the month's end)
SERVICE_MONTHS = [
    ("alpha", 1, 10, 10_000, 100, 1000, 1000, 1000, 500, 1000, 0),
    ("alpha", 2, 2, 200, 0, 0, 100, 3000, 1600, 100, 0),  # 100 paid after 30 days, 16 late
    ("alpha", 3, 3, 450, 11, 50, 0, 0, 0, 0, 0),
    ("alpha", 4, 1, 100, 0, 0, 300, 3000, -6000, 400, 120),  # 300 paid after 10, 20 early
    ("gamma", 2, 1, 80, 0, 0, 20, 900, 300, 20, 0),  # 20 paid after 45 days, 15 late
    ("gamma", 3, 0, 0, 3, 30, 0, 0, 0, 0, 0),
    ("delta", 4, 0, 0, 1, 10, 0, 0, 0, 0, 0),  # a late return does not make delta active
]
# (customer, customer since): beta was won in March, within April's February-April window.
GOLDEN_CUSTOMERS = [
    ("alpha", date(2019, 5, 4)),
    ("beta", date(2025, 3, 15)),
    ("gamma", date(2025, 2, 10)),
    ("delta", date(2024, 6, 1)),
]
# Returns of every customer at April over units shipped (alpha 11 of 55, beta none of 0,
# gamma 3 of 2), the common rate behind returns_rate_smoothed (prior 50 units, marts.yaml).
POPULATION_RETURNS_RATE = 14 / 57
PRIOR_UNITS = 50
# (shipment, order, ship month, origin warehouse, destination country); orders' ERP customers
# are in ORDERS.
SHIPMENTS = [
    ("S1", "O1", 1, "W3", "IT"),  # January: outside the window
    ("S2", "O2", 2, "W1", "FR"),
    ("S3", "O3", 3, "W1", "FR"),  # same lane again
    ("S4", "O3", 3, "W2", "FR"),
    ("S5", "O4", 4, "W1", "DE"),
    ("S6", "O5", 4, "W2", "DE"),  # alpha's second ERP account
    ("S7", "O4", 4, "W1", None),  # unknown destination: no lane
    ("S8", "O6", 2, "W1", "FR"),
]
ORDERS = [
    ("O1", "C1"),
    ("O2", "C1"),
    ("O3", "C1"),
    ("O4", "C1"),
    ("O5", "C1B"),
    ("O6", "C3"),
]
# (customer, as-of month, fast share, slow share, demand pattern, ABC, XYZ, demand CV)
CLASSES = [
    ("alpha", 4, 0.75, 0.05, "smooth", "A", "X", 0.25),
    ("gamma", 4, 0.25, 0.5, "intermittent", "C", "Z", 1.5),
]


def write_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """The upstream tables, with the column types the pipeline gives them."""
    for schema in ("marts", "intermediate", "staging", "mdm"):
        con.execute(f"create schema if not exists {schema}")
    write_month_calendar(con)
    con.execute("create or replace table mdm.crosswalk (record_id varchar, customer_key varchar)")
    con.executemany("insert into mdm.crosswalk values (?, ?)", CROSSWALK)
    con.execute(
        "create or replace table staging.stg_erp__orders (order_id varchar, customer_id varchar)"
    )
    con.executemany("insert into staging.stg_erp__orders values (?, ?)", ORDERS)
    con.execute(
        "create or replace table marts.fct_customer_months (customer_key varchar,"
        " order_month date, orders bigint, order_lines bigint, ordered_units hugeint,"
        " shipped_units hugeint, ordered_revenue decimal(38, 2), shipped_revenue decimal(38, 2),"
        " shipped_cost_of_goods decimal(38, 2))"
    )
    con.executemany(
        "insert into marts.fct_customer_months values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(c, month(m), *rest) for c, m, *rest in CUSTOMER_MONTHS],
    )
    con.execute(
        "create or replace table marts.fct_customer_cost_to_serve_months (customer_key varchar,"
        " cost_month date, cost_to_serve decimal(18, 2))"
    )
    con.executemany(
        "insert into marts.fct_customer_cost_to_serve_months values (?, ?, ?)",
        [(c, month(m), cost) for c, m, cost in COST_TO_SERVE],
    )
    con.execute(
        "create or replace table intermediate.int_customer_service_months (customer_key varchar,"
        " activity_month date, shipments bigint, shipped_distance_km double,"
        " returned_units hugeint, credited_amount decimal(38, 2), paid_amount decimal(38, 2),"
        " paid_amount_days decimal(38, 2), paid_amount_days_late decimal(38, 2),"
        " invoiced_amount decimal(38, 2), receivables_at_month_end decimal(38, 2))"
    )
    con.executemany(
        "insert into intermediate.int_customer_service_months"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(c, month(m), *rest) for c, m, *rest in SERVICE_MONTHS],
    )
    con.execute(
        "create or replace table mdm.dim_customer_golden (customer_key varchar,"
        " customer_since date)"
    )
    con.executemany("insert into mdm.dim_customer_golden values (?, ?)", GOLDEN_CUSTOMERS)
    con.execute(
        "create or replace table intermediate.int_shipments_freight_imputed (shipment_id varchar,"
        " order_id varchar, ship_month date, origin_warehouse_id varchar,"
        " destination_country varchar)"
    )
    con.executemany(
        "insert into intermediate.int_shipments_freight_imputed values (?, ?, ?, ?, ?)",
        [(s, o, month(m), origin, country) for s, o, m, origin, country in SHIPMENTS],
    )
    con.execute(
        "create or replace table marts.fct_customer_classes (customer_key varchar,"
        " as_of_month date, fast_line_share double, slow_line_share double,"
        " demand_pattern varchar, abc_class varchar, xyz_class varchar, demand_cv double)"
    )
    con.executemany(
        "insert into marts.fct_customer_classes values (?, ?, ?, ?, ?, ?, ?, ?)",
        [(c, month(m), *rest) for c, m, *rest in CLASSES],
    )


def write_settings(con: duckdb.DuckDBPyConnection, **settings: object) -> None:
    """settings.features from config/marts.yaml, with ``settings`` overriding its values."""
    features = load_mart_settings()["features"].rows.with_columns(
        pl.lit(value).alias(name) for name, value in settings.items()
    )
    replace_tables(con, SETTINGS_SCHEMA, {"features": features})


def features(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, date], dict]:
    """Rows of the mart by (customer, as-of month)."""
    rows = con.sql("select * from marts.fct_customer_features").pl().to_dicts()
    return {(row["customer_key"], row["as_of_month"]): row for row in rows}


def build(
    database: Path, window: MonthWindow = APRIL, **settings: object
) -> dict[tuple[str, date], dict]:
    """Build the mart for ``window`` on the hand-made inputs (3-month window by default)."""
    with duckdb.connect(str(database)) as con:
        write_inputs(con)
        write_settings(con, **{"window_months": 3, "trend_min_months": 3, **settings})
        run_model(con, FEATURES, "test", {}, window)
        return features(con)


# As-of April, window Feb-Apr (3 months), worked out column by column.
EXPECTED_APRIL = {
    "alpha": {
        "months_in_window": 3,
        "first_order_month": month(1),
        "last_order_month": month(4),
        "orders": 6,  # 1 + 2 + 3
        "order_lines": 9,  # 2 + 3 + 4
        "ordered_units": 60,  # 10 + 20 + 30
        "shipped_units": 55,  # 10 + 20 + 25
        "ordered_revenue": 600,
        "shipped_revenue": 550,  # 100 + 200 + 250
        "returns_credit": 50,
        "revenue": 500,  # 550 - 50
        "cost_of_goods": 330,  # 60 + 120 + 150
        "cost_to_serve": 100,  # 20 + 30 + 50
        "returned_units": 11,
        "shipments": 6,  # 2 + 3 + 1
        "order_frequency": 2.0,  # 6 orders / 3 months
        "active_months": 3,  # a customer since 2019: the whole window
        "orders_per_active_month": 2.0,
        "avg_order_units": 10.0,  # 60 / 6
        "avg_order_lines": 1.5,  # 9 / 6
        "avg_line_units": 60 / 9,
        "avg_order_value": 100.0,  # 600 / 6
        "gross_margin_pct": 0.34,  # (500 - 330) / 500
        "cost_to_serve_pct_revenue": 0.2,  # 100 / 500
        "net_margin_pct": 0.14,  # (500 - 330 - 100) / 500
        "returns_rate": 0.2,  # 11 / 55
        "returns_rate_smoothed": (11 + PRIOR_UNITS * POPULATION_RETURNS_RATE) / (55 + PRIOR_UNITS),
        "days_to_pay": 15.0,  # (3000 + 3000) / (100 + 300)
        "days_late": -11.0,  # (1600 - 6000) / (100 + 300)
        # Receivables at April's end 120 over the window's invoicing 100 + 0 + 400, times the
        # window's 89 days (February to April 2025).
        "dso": 120 / 500 * 89,
        "fast_mover_share": 0.75,
        "slow_mover_share": 0.05,
        # W1-FR (twice), W2-FR, W1-DE, W2-DE (second ERP account); W3-IT is January's, and
        # the shipment without a destination country is no lane.
        "distinct_lanes": 4,
        "avg_distance_km": 125.0,  # (200 + 450 + 100) / 6
        "demand_pattern": "smooth",
        "abc_class": "A",
        "xyz_class": "X",
        "demand_cv": 0.25,
        # Units 10, 20, 30: slope 10 a month over a mean of 20. By the formula, n = 3,
        # sum(y) = 60, sum(k y) = 2 * 10 + 1 * 20 = 40: (6 * 2 * 60 - 12 * 40) / (8 * 60) = .5
        "volume_trend": 0.5,
    },
    "beta": {
        "months_in_window": 3,
        "first_order_month": month(3),
        "last_order_month": month(3),
        "orders": 1,
        "order_lines": 1,
        "ordered_units": 4,
        "shipped_units": 0,
        "ordered_revenue": 40,
        "shipped_revenue": 0,
        "returns_credit": 0,
        "revenue": 0,
        "cost_of_goods": 0,
        "cost_to_serve": 5,
        "returned_units": 0,
        "shipments": 0,
        "order_frequency": 1 / 3,
        "active_months": 2,  # won in March: March and April
        "orders_per_active_month": 0.5,
        "avg_order_units": 4.0,
        "avg_order_lines": 1.0,
        "avg_line_units": 4.0,
        "avg_order_value": 40.0,
        # Revenue 0: every share of revenue is null; nothing shipped: no returns rate and no
        # distance per shipment; no paid invoice: no days to pay.
        "gross_margin_pct": None,
        "cost_to_serve_pct_revenue": None,
        "net_margin_pct": None,
        "returns_rate": None,
        # Nothing shipped: the common rate alone.
        "returns_rate_smoothed": POPULATION_RETURNS_RATE,
        "days_to_pay": None,
        "days_late": None,
        "dso": None,  # nothing invoiced in the window
        # No row in fct_customer_classes: classes and shares unknown.
        "fast_mover_share": None,
        "slow_mover_share": None,
        "distinct_lanes": 0,
        "avg_distance_km": None,
        "demand_pattern": None,
        "abc_class": None,
        "xyz_class": None,
        "demand_cv": None,
        # Units 0, 4, 0: no slope.
        "volume_trend": 0.0,
    },
    "gamma": {
        "months_in_window": 3,
        "first_order_month": month(2),
        "last_order_month": month(2),
        "orders": 1,
        "order_lines": 1,
        "ordered_units": 2,
        "shipped_units": 2,
        "ordered_revenue": 20,
        "shipped_revenue": 20,
        "returns_credit": 30,
        "revenue": -10,  # 20 - 30
        "cost_of_goods": 12,
        "cost_to_serve": 0,  # no cost rows
        "returned_units": 3,
        "shipments": 1,
        "order_frequency": 1 / 3,
        "active_months": 3,  # since February 2025: the window's first month
        "orders_per_active_month": 1 / 3,
        "avg_order_units": 2.0,
        "avg_order_lines": 1.0,
        "avg_line_units": 2.0,
        "avg_order_value": 20.0,
        # Negative revenue: shares of it are null.
        "gross_margin_pct": None,
        "cost_to_serve_pct_revenue": None,
        "net_margin_pct": None,
        "returns_rate": 1.5,  # 3 / 2: returns of earlier shipments can come in the window
        "returns_rate_smoothed": (3 + PRIOR_UNITS * POPULATION_RETURNS_RATE) / (2 + PRIOR_UNITS),
        "days_to_pay": 45.0,  # 900 / 20
        "days_late": 15.0,  # 300 / 20
        "dso": 0.0,  # 20 invoiced in February, all paid by April's end
        "fast_mover_share": 0.25,
        "slow_mover_share": 0.5,
        "distinct_lanes": 1,  # W1-FR
        "avg_distance_km": 80.0,
        "demand_pattern": "intermittent",
        "abc_class": "C",
        "xyz_class": "Z",
        "demand_cv": 1.5,
        # Units 2, 0, 0 (t = 0, 1, 2): slope -1 over a mean of 2/3 = -1.5. By the formula,
        # sum(y) = 2, sum(k y) = 2 * 2 = 4: (6 * 2 * 2 - 12 * 4) / (8 * 2) = -1.5
        "volume_trend": -1.5,
    },
}


def test_every_column_is_described_in_the_model_header():
    with duckdb.connect() as con:
        write_inputs(con)
        write_settings(con)
        columns = [
            name
            for name, *_ in con.execute(
                f"describe select * from ({FEATURES.sql})", APRIL.as_parameters()
            ).fetchall()
        ]
    assert [name for name, _ in FEATURES.column_descriptions] == columns
    assert set(EXPECTED_APRIL["alpha"]) == set(columns) - {"customer_key", "as_of_month"}


@pytest.mark.parametrize("customer", EXPECTED_APRIL)
def test_every_feature_matches_the_hand_computed_value(tmp_path, customer):
    rows = build(tmp_path / "w.duckdb")
    assert sorted(rows) == [("alpha", month(4)), ("beta", month(4)), ("gamma", month(4))]
    row = rows[(customer, month(4))]
    expected = EXPECTED_APRIL[customer]
    assert {name: row[name] for name in expected} == {
        name: pytest.approx(value) if isinstance(value, float) else value
        for name, value in expected.items()
    }


def test_windows_are_clipped_at_the_first_month_of_data_and_inactive_customers_drop_out(
    tmp_path,
):
    # One run over Jan-Apr with a 3-month window; data starts in January.
    rows = build(tmp_path / "w.duckdb", window=JAN_TO_APR)
    assert {key: row["months_in_window"] for key, row in rows.items()} == {
        ("alpha", month(1)): 1,  # December and November are before the data: unknown
        ("alpha", month(2)): 2,
        ("alpha", month(3)): 3,
        ("alpha", month(4)): 3,
        ("beta", month(3)): 3,
        ("beta", month(4)): 3,
        ("gamma", month(2)): 2,
        ("gamma", month(3)): 3,
        ("gamma", month(4)): 3,
        # Delta ordered in January only: active while January is in the window (to March);
        # its April return does not make it active in April.
        ("delta", month(1)): 1,
        ("delta", month(2)): 2,
        ("delta", month(3)): 3,
    }
    alpha_february = rows[("alpha", month(2))]
    # Jan-Feb: 6 orders over 2 months; 110 units in 6 orders.
    assert alpha_february["order_frequency"] == 3.0
    assert alpha_february["avg_order_units"] == pytest.approx(110 / 6)
    # Two months are fewer than trend_min_months = 3: no trend.
    assert alpha_february["volume_trend"] is None
    assert rows[("alpha", month(1))]["volume_trend"] is None
    # April's rows are the same whether built alone or with the earlier months.
    april = build(tmp_path / "april.duckdb")
    assert {k: v for k, v in rows.items() if k[1] == month(4)} == april


def test_the_trend_needs_trend_min_months(tmp_path):
    # trend_min_months 2: February's two months (Jan 100 units, Feb 10) get a trend:
    # slope -90 over a mean of 55. By the formula, n = 2, sum(y) = 110, sum(k y) = 100:
    # (6 * 1 * 110 - 12 * 100) / (3 * 110) = -540 / 330.
    rows = build(tmp_path / "w.duckdb", window=JAN_TO_APR, trend_min_months=2)
    assert rows[("alpha", month(2))]["volume_trend"] == pytest.approx(-90 / 55)
    # A one-month window has no slope whatever the setting.
    assert rows[("alpha", month(1))]["volume_trend"] is None


def test_a_longer_window_reaches_further_back(tmp_path):
    # Window 4 months at April: Jan-Apr, so alpha's January counts.
    rows = build(tmp_path / "w.duckdb", window_months=4)
    alpha = rows[("alpha", month(4))]
    assert (alpha["months_in_window"], alpha["orders"], alpha["order_frequency"]) == (4, 11, 2.75)
    assert alpha["cost_to_serve"] == 100 + 999
    assert alpha["distinct_lanes"] == 5  # W3-IT of January too
    assert ("delta", month(4)) in rows


def test_a_one_month_refresh_rewrites_only_that_month(tmp_path):
    database = tmp_path / "w.duckdb"
    before = build(database, window=JAN_TO_APR)
    with duckdb.connect(str(database)) as con:
        # Tamper with March and April, then refresh March alone.
        con.execute(
            "update marts.fct_customer_features set orders = -1 where as_of_month >= ?",
            [month(3)],
        )
        run_model(con, FEATURES, "test", {}, MonthWindow(start=month(3), end=month(4)))
        after = features(con)
    assert {k: v for k, v in after.items() if k[1] != month(4)} == {
        k: v for k, v in before.items() if k[1] != month(4)
    }
    assert {row["orders"] for (_, as_of), row in after.items() if as_of == month(4)} == {-1}
