"""Missing freight imputed by lane x mode x weight band, then mode x band, then mode, from the
same month's known shipments (intermediate.int_shipments_freight_imputed), on real DuckDB with
hand-computed values."""

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from seg_assets.lib.model_runner import MonthWindow, run_model
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model

JANUARY = MonthWindow(date(2025, 1, 1), date(2025, 2, 1))
FEBRUARY = MonthWindow(date(2025, 2, 1), date(2025, 3, 1))
MODEL = parse_model(sql_dir() / "intermediate" / "int_shipments_freight_imputed.sql")

# Bands: light [0, 10), heavy [10, 100), bulk [100, ...); a rate needs 2 known shipments below
# the mode level.
BANDS = [("light", 0), ("heavy", 10), ("bulk", 100)]
# shipment_id, mode, origin, destination country, ship date, weight kg, freight (None: missing)
SHIPMENTS = [
    # lane W1->DE PARCEL light: 15.00 over 5 kg = 3.00 per kg
    ("K1", "PARCEL", "W1", "DE", date(2025, 1, 3), 2.0, Decimal("10.00")),
    ("K2", "PARCEL", "W1", "DE", date(2025, 1, 9), 3.0, Decimal("5.00")),
    # lane W1->FR PARCEL light: one known shipment, below the minimum of 2
    ("K3", "PARCEL", "W1", "FR", date(2025, 1, 12), 5.0, Decimal("20.00")),
    # lane W1->DE PARCEL heavy: one known shipment; PARCEL heavy overall also one
    ("K4", "PARCEL", "W1", "DE", date(2025, 1, 20), 20.0, Decimal("30.00")),
    # M1: lane rate 3.00/kg x 4 kg = 12.00
    ("M1", "PARCEL", "W1", "DE", date(2025, 1, 15), 4.0, None),
    # M2: lane W1->FR has 1 known: PARCEL light (K1, K2, K3) = 35.00 / 10 kg = 3.50/kg x 1 kg
    ("M2", "PARCEL", "W1", "FR", date(2025, 1, 16), 1.0, None),
    # M3: exactly 10 kg is heavy; lane and PARCEL heavy have 1 known each: PARCEL overall
    # (K1..K4) = 65.00 / 30 kg x 10 kg = 21.666... = 21.67
    ("M3", "PARCEL", "W1", "DE", date(2025, 1, 17), 10.0, None),
    # M4: no LTL shipment with known freight in January
    ("M4", "LTL", "W1", "DE", date(2025, 1, 18), 500.0, None),
    # M6: no weight
    ("M6", "PARCEL", "W1", "DE", date(2025, 1, 19), None, None),
    # February: a known PARCEL at 1000.00 per kg that must not change January's rates
    ("K5", "PARCEL", "W1", "DE", date(2025, 2, 3), 1.0, Decimal("1000.00")),
    ("M5", "PARCEL", "W1", "DE", date(2025, 2, 4), 0.5, None),
]


def _create(con: duckdb.DuckDBPyConnection, table: str, columns: str, rows: list) -> None:
    con.execute(f"create schema if not exists {table.split('.')[0]}")
    con.execute(f"create table {table} ({columns})")
    if rows:
        marks = ", ".join("?" for _ in rows[0])
        con.executemany(f"insert into {table} values ({marks})", rows)


@pytest.fixture
def warehouse(tmp_path) -> duckdb.DuckDBPyConnection:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        _create(
            con,
            "staging.stg_tms__shipments",
            "shipment_id varchar, order_id varchar, mode varchar, origin_warehouse_id varchar,"
            " destination_country varchar, ship_date date, weight_kg double,"
            " freight_cost decimal(18, 2), is_freight_cost_missing boolean",
            [
                (
                    shipment,
                    f"SO-{shipment}",
                    mode,
                    origin,
                    country,
                    day,
                    weight,
                    freight,
                    freight is None,
                )
                for shipment, mode, origin, country, day, weight, freight in SHIPMENTS
            ],
        )
        _create(con, "settings.freight_weight_bands", "weight_band varchar, from_kg bigint", BANDS)
        _create(con, "settings.freight_imputation", "min_known_shipments bigint", [(2,)])
        yield con


def _imputed(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = con.execute(
        "select shipment_id, weight_band, freight_cost, is_freight_imputed,"
        " freight_imputation_rule, round(imputation_rate_per_kg, 6), imputation_known_shipments"
        " from intermediate.int_shipments_freight_imputed"
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_each_rule_and_fallback_imputes_the_hand_computed_freight(warehouse):
    run_model(warehouse, MODEL, "r", {}, JANUARY)
    imputed = _imputed(warehouse)
    assert imputed["M1"] == ("light", Decimal("12.00"), True, "lane_mode_weight_band", 3.0, 2)
    assert imputed["M2"] == ("light", Decimal("3.50"), True, "mode_weight_band", 3.5, 3)
    assert imputed["M3"] == ("heavy", Decimal("21.67"), True, "mode", round(65 / 30, 6), 4)


def test_known_freight_is_kept_and_unimputable_freight_stays_missing_and_flagged(warehouse):
    run_model(warehouse, MODEL, "r", {}, JANUARY)
    imputed = _imputed(warehouse)
    assert imputed["K1"] == ("light", Decimal("10.00"), False, None, None, None)
    assert imputed["K4"] == ("heavy", Decimal("30.00"), False, None, None, None)
    assert imputed["M4"] == ("bulk", None, False, "not_imputable", None, None)
    assert imputed["M6"] == (None, None, False, "not_imputable", None, None)


def test_rates_come_from_the_shipments_own_month_only(warehouse):
    run_model(warehouse, MODEL, "r", {}, JANUARY)
    january = _imputed(warehouse)
    run_model(warehouse, MODEL, "r", {}, FEBRUARY)
    both = _imputed(warehouse)
    # February's 1000.00/kg shipment is not behind any January value, and a one-month refresh
    # of February left January's rows as they were.
    assert {key: both[key] for key in january} == january
    assert set(both) - set(january) == {"K5", "M5"}
    assert both["M5"] == ("light", Decimal("500.00"), True, "mode", 1000.0, 1)
    run_model(warehouse, MODEL, "r", {}, MonthWindow(JANUARY.start, FEBRUARY.end))
    assert _imputed(warehouse) == both
