"""Matching order customer IDs to the ERP master in stg_erp__orders, run on real DuckDB."""

from datetime import date

import duckdb
import pytest

from seg_assets.lib.model_runner import run_model
from seg_assets.lib.pipeline_settings import load_quarantine_rules
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model

CUSTOMERS = ["C000012", "C0000012", "C000013"]  # the first two share the match key C12
ORDERS = [
    ("SO1", "C000012"),  # exact ID: wins over the shared key
    ("SO2", " c12 "),  # not exact, key fits two customers
    ("SO3", "c000013"),  # not exact, key fits one customer
    ("SO4", "C7"),  # fits nobody
]


@pytest.fixture
def staged_orders(tmp_path) -> dict[str, tuple[str | None, str | None]]:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.erp__customers (customer_id varchar, customer_name varchar,"
            " tax_id varchar, street varchar, city varchar, postcode varchar, country varchar,"
            " region varchar, parent_customer_id varchar, customer_since date,"
            " payment_terms_days integer, _source_file varchar, _source_row bigint)"
        )
        con.executemany(
            "insert into raw.erp__customers (customer_id, _source_row) values (?, ?)",
            [(customer, row) for row, customer in enumerate(CUSTOMERS, start=1)],
        )
        con.execute(
            "create table raw.erp__orders (order_id varchar, customer_id varchar,"
            " order_date date, requested_delivery_date date, channel varchar,"
            " currency varchar, _source_file varchar, _source_row bigint)"
        )
        con.executemany(
            "insert into raw.erp__orders (order_id, customer_id, order_date, _source_row)"
            " values (?, ?, ?, ?)",
            [
                (order, customer, date(2025, 1, 2), row)
                for row, (order, customer) in enumerate(ORDERS, start=1)
            ],
        )
        rules = load_quarantine_rules()
        for name in ("stg_erp__customers", "stg_erp__orders"):
            run_model(con, parse_model(sql_dir() / "staging" / f"{name}.sql"), "r", rules)
        kept = con.execute("select order_id, customer_id from staging.stg_erp__orders").fetchall()
        quarantined = con.execute(
            "select order_id, quarantine_rule from quarantine.stg_erp__orders"
        ).fetchall()
    return {order: (customer, None) for order, customer in kept} | {
        order: (None, rule) for order, rule in quarantined
    }


def test_exact_ids_win_and_ambiguous_spellings_are_quarantined_not_duplicated(staged_orders):
    assert staged_orders == {
        "SO1": ("C000012", None),
        "SO2": (None, "ambiguous_customer"),
        "SO3": ("C000013", None),
        "SO4": (None, "unknown_customer"),
    }
