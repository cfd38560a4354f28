"""The pandas reference path computes the same fact and mart as the SQL models, to the cent."""

import math
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from conftest import query, run_pipeline, write_tiny_landing

from seg_assets.lib.generator import GeneratorSettings, generate
from seg_assets.lib.pandas_reference import (
    MONEY_TYPE,
    allocate_freight,
    build_customer_months,
    customer_match_key,
    parse_column,
    stage_orders,
    stage_shipments,
)
from seg_assets.lib.project import PROJECT_ROOT

MART_MONEY = ["ordered_revenue", "shipped_revenue", "shipped_cost_of_goods", "freight_cost"]
MART_MEASURES = [
    "orders",
    "order_lines",
    "ordered_units",
    "shipped_units",
    *MART_MONEY,
    "lines_missing_freight",
]
# The pandas mart is keyed on the ERP customer, the SQL mart on the golden customer.
MART_COLUMNS = ["customer_id", "order_month", *MART_MEASURES]
GOLDEN_MART_COLUMNS = ["customer_key", "order_month", *MART_MEASURES]
FACT_COLUMNS = [
    "order_line_id",
    "customer_id",
    "order_month",
    "quantity_ordered",
    "quantity_shipped",
    "ordered_revenue",
    "shipped_revenue",
    "shipped_cost_of_goods",
    "freight_cost",
    "is_freight_cost_missing",
    "delivered_date",
    "is_fully_shipped",
]


def _plain(value: object) -> object:
    """A cell as comparable Python: money in whole cents, dates as dates, missing as None."""
    missing = value is None or value is pd.NaT or value is pd.NA
    if missing or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, Decimal | float):
        return round(value * 100)
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(map(_plain, row)) for row in frame[columns].itertuples(index=False)]


def _sql_rows(database: Path, table: str, columns: list[str], order_by: str) -> list[tuple]:
    rows = query(database, f"select {', '.join(columns)} from {table} order by {order_by}")
    return [tuple(map(_plain, row)) for row in rows]


# --- hand-made fixture (numbers computed on paper in tests/defs/test_pipeline_tiny.py) ----------


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory: pytest.TempPathFactory):
    landing = write_tiny_landing(tmp_path_factory.mktemp("tiny") / "landing")
    return build_customer_months(landing)


def test_tiny_order_line_fact_matches_hand_computation(tiny_result):
    fact = tiny_result.order_lines.sort_values("order_line_id")
    # fmt: off
    assert _rows(fact, FACT_COLUMNS) == [
        ("OL1", "C000001", date(2024, 11, 1), 10, 10, 10000, 10000, 6000, 909, False,
         date(2024, 11, 8), True),
        ("OL2", "C000001", date(2024, 11, 1), 4, 4, 2000, 2000, 1200, 91, False,
         date(2024, 11, 8), True),
        ("OL3", "C000002", date(2024, 12, 1), 3, 2, 2850, 1900, 1200, None, True, None, False),
    ]
    # fmt: on
    assert fact["freight_cost"].tolist()[:2] == [9.09, 0.91]


def test_tiny_customer_month_mart_matches_hand_computation(tiny_result):
    assert _rows(tiny_result.customer_months, MART_COLUMNS) == [
        ("C000001", date(2024, 11, 1), 1, 2, 14, 14, 12000, 12000, 7200, 1000, 0),
        ("C000002", date(2024, 12, 1), 1, 1, 3, 2, 2850, 1900, 1200, 0, 1),
    ]


def test_tiny_rejected_rows_are_counted(tiny_result):
    # Lines: OL6 (promised date 'N/A'), OL3 duplicate, OL4 zero quantity, OL5 unknown order.
    # Orders: SO3 unknown customer, SO4 missing order date.
    assert (tiny_result.quarantined_order_lines, tiny_result.quarantined_orders) == (4, 2)


def test_order_window_keeps_only_orders_dated_inside_it(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    result = build_customer_months(landing, order_window=(date(2024, 12, 1), date(2025, 1, 1)))
    assert result.order_lines["order_line_id"].tolist() == ["OL3"]
    assert result.customer_months["customer_id"].tolist() == ["C000002"]


# --- pure pieces --------------------------------------------------------------------------------


def test_customer_match_key_strips_leading_zeros_and_needs_a_number():
    ids = pd.Series(["C000012", "C12", "C0", "C000", "ACME", None], dtype="str")
    keys = customer_match_key(ids).tolist()
    assert keys[:4] == ["C12", "C12", "C0", "C0"]
    assert pd.isna(keys[4]) and pd.isna(keys[5])


def test_unparseable_text_becomes_missing_instead_of_a_value():
    dates = pd.Series(["2025-01-31", "31/13/2025", "N/A", "2025-02-30", None], dtype="str")
    assert parse_column(dates, "DATE").isna().tolist() == [False, True, True, True, True]
    amounts = pd.Series(["9.51", "0.29", "x"], dtype="str")
    assert parse_column(amounts, "DECIMAL(18,2)").tolist()[:2] == [951, 29]
    quantities = pd.Series(["3", "2.5", "9999999999"], dtype="str")
    assert parse_column(quantities, "INTEGER").isna().tolist() == [False, True, True]


def test_values_the_raw_layer_quarantines_become_missing_too():
    weights = pd.Series(["1.5", "NaN", "inf", "-Infinity", "1e999"], dtype="str")
    assert parse_column(weights, "DOUBLE").isna().tolist() == [False, True, True, True, True]
    amounts = parse_column(pd.Series(["10.01", "10.005", "10.010"], dtype="str"), MONEY_TYPE)
    assert amounts.isna().tolist() == [False, True, False]
    assert amounts.iloc[0] == amounts.iloc[2] == 1001


def test_orders_and_shipments_dated_after_today_are_quarantined():
    today = pd.Timestamp(date.today())
    dates = pd.Series([today, today + pd.Timedelta(days=1)])
    customers = pd.DataFrame({"customer_id": ["C000001"], "customer_match_key": ["C1"]})
    orders = pd.DataFrame(
        {"order_id": ["SO1", "SO2"], "customer_id": ["C000001"] * 2, "order_date": dates}
    )
    kept, quarantined = stage_orders(orders, customers)
    assert (kept["order_id"].tolist(), quarantined) == (["SO1"], 1)
    shipments = pd.DataFrame(
        {
            "shipment_id": ["SH1", "SH2"],
            "ship_date": dates,
            "delivery_date": dates,
            "weight_kg": [1.0, 1.0],
            "freight_cost": [100, 100],
            "distance_km": [1.0, 1.0],
        }
    )
    assert stage_shipments(shipments)["shipment_id"].tolist() == ["SH1"]


def test_freight_leftover_cents_go_to_lowest_line_id_on_ties_and_units_without_weight():
    shipment_lines = pd.DataFrame(
        {
            "shipment_line_id": ["L3", "L1", "L2", "L4", "L5"],
            "shipment_id": ["S1", "S1", "S1", "S2", "S3"],
            "order_line_id": ["O3", "O1", "O2", "O4", "O5"],
            "quantity_shipped": [1, 1, 1, 2, 1],
        }
    )
    shipments = pd.DataFrame(
        {
            "shipment_id": ["S1", "S2", "S3"],
            "delivery_date": pd.to_datetime(["2025-01-02"] * 3),
            "freight_cost": pd.array([100, 7, None], dtype="Int64"),
        }
    )
    order_lines = pd.DataFrame(
        {"order_line_id": ["O1", "O2", "O3", "O4", "O5"], "product_id": ["P"] * 4 + ["Q"]}
    )
    products = pd.DataFrame({"product_id": ["P", "Q"], "unit_weight_kg": [0.0, 1.0]})
    allocated = allocate_freight(shipment_lines, shipments, order_lines, products)
    cents = dict(zip(allocated["order_line_id"], allocated["freight_cost"], strict=True))
    # S1 weighs nothing: thirds by units, 33 cents each, the leftover cent to L1.
    assert [cents["O1"], cents["O2"], cents["O3"], cents["O4"]] == [34, 33, 33, 7]
    assert pd.isna(cents["O5"])
    missing = allocated.set_index("order_line_id")["is_freight_cost_missing"]
    assert missing[missing].index.tolist() == ["O5"]


# --- generated data against the real SQL pipeline -----------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """300 customers over 6 months, run through the SQL pipeline and the pandas path once."""
    root = tmp_path_factory.mktemp("pandas_reference")
    settings = GeneratorSettings.from_yaml(
        PROJECT_ROOT / "config" / "generator.yaml", customers=300, months=6, order_lines=20_000
    )
    generate(settings, root / "landing", root / "truth")
    database = root / "warehouse.duckdb"
    run_pipeline(database, root / "landing")
    return {"database": database, "result": build_customer_months(root / "landing")}


def _erp_crosswalk(database: Path) -> pd.DataFrame:
    """The warehouse's ERP customer ID -> golden ``customer_key``."""
    rows = query(
        database,
        "select source_id, customer_key from mdm.crosswalk where source_system = 'erp'",
    )
    return pd.DataFrame(rows, columns=["customer_id", "customer_key"])


def _on_golden_customers(mart: pd.DataFrame, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """The ERP-keyed mart summed per golden customer and month, money in exact cents.

    Each order has one ERP customer, so summing distinct orders over a golden customer's ERP
    customers counts its distinct orders.
    """
    keyed = mart.merge(crosswalk, on="customer_id", how="left", validate="many_to_one")
    unmapped = keyed.loc[keyed["customer_key"].isna(), "customer_id"].unique().tolist()
    assert not unmapped, f"ERP customers without a golden customer: {unmapped}"
    in_cents = keyed.assign(
        **{column: (keyed[column] * 100).round().astype("Int64") for column in MART_MONEY}
    )
    summed = in_cents.groupby(["customer_key", "order_month"], as_index=False)[MART_MEASURES]
    golden = summed.sum(min_count=1).sort_values(["customer_key", "order_month"])
    # Back to dollars, as the SQL mart holds them: cents / 100 rounds back to the same cents.
    return golden.assign(**{column: golden[column] / 100 for column in MART_MONEY})


def test_pandas_mart_equals_the_sql_mart_row_by_row(generated):
    database, mart = generated["database"], generated["result"].customer_months
    expected = _sql_rows(database, "marts.fct_customer_months", GOLDEN_MART_COLUMNS, "1, 2")
    actual = _rows(_on_golden_customers(mart, _erp_crosswalk(database)), GOLDEN_MART_COLUMNS)
    assert len(actual) == len(expected) > 500
    assert actual == expected
    # Duplicate ERP accounts of one customer were merged, so the mapping was exercised.
    assert len(mart) > len(actual)


def _cents(values: pd.Series) -> int:
    return int((values * 100).round().sum())


def test_pandas_fact_equals_the_sql_fact(generated):
    database, fact = generated["database"], generated["result"].order_lines
    [(lines, units, shipped, revenue, freight, missing)] = query(
        database,
        "select count(*), sum(quantity_ordered), sum(quantity_shipped), sum(ordered_revenue),"
        " sum(freight_cost), count(*) filter (where is_freight_cost_missing)"
        " from marts.fct_order_lines",
    )
    assert len(fact) == lines
    assert fact["quantity_ordered"].sum() == units
    assert fact["quantity_shipped"].sum() == shipped
    assert _cents(fact["ordered_revenue"]) == revenue * 100
    assert _cents(fact["freight_cost"]) == freight * 100
    assert fact["is_freight_cost_missing"].sum() == missing > 0
    # Per line, a leftover cent between two lines whose remainders tie exactly is decided by
    # floating-point noise (DuckDB and pandas sum weights differently), so freight is compared
    # per order, where the allocation is exact in both.
    columns = [column for column in FACT_COLUMNS if column != "freight_cost"]
    expected = _sql_rows(database, "marts.fct_order_lines", columns, "order_line_id")
    assert _rows(fact.sort_values("order_line_id"), columns) == expected
    expected_freight = _sql_rows(
        database,
        "(select order_id, sum(freight_cost) as freight_cost from marts.fct_order_lines"
        " group by order_id)",
        ["order_id", "freight_cost"],
        "order_id",
    )
    freight_by_order = fact.groupby("order_id", as_index=False)["freight_cost"].sum(min_count=1)
    assert _rows(freight_by_order, ["order_id", "freight_cost"]) == expected_freight


def test_rejected_rows_match_the_quarantine_tables(generated):
    [(lines, orders)] = query(
        generated["database"],
        "select"
        " (select count(*) from quarantine.erp__order_lines)"
        " + (select count(*) from quarantine.stg_erp__order_lines),"
        " (select count(*) from quarantine.erp__orders)"
        " + (select count(*) from quarantine.stg_erp__orders)",
    )
    result = generated["result"]
    assert (result.quarantined_order_lines, result.quarantined_orders) == (lines, orders)
    assert lines > 0 and orders > 0
