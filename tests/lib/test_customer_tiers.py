"""Top-down tiers: the first rule whose conditions hold places the customer, and says so."""

import datetime as dt
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from seg_assets.lib.model_runner import MonthWindow, run_model
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model
from seg_assets.lib.warehouse import replace_tables

MODEL = parse_model(sql_dir() / "marts" / "fct_customer_tiers.sql")
MAR, APR, MAY = dt.date(2025, 3, 1), dt.date(2025, 4, 1), dt.date(2025, 5, 1)
RULES = pl.DataFrame(
    {
        "tier": ["Platinum", "Gold", "Standard"],
        "priority": [1, 2, 3],
        "min_net_margin": [1000, 100, None],
        "max_cost_to_serve_pct": [0.1, 0.3, None],
    }
)


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema marts")
        # (customer, month, revenue, cost of goods, cost to serve, cost to serve % of revenue)
        con.execute(
            "create table marts.fct_customer_features as select * from (values"
            " ('big', date '2025-04-01', 10000.00::decimal(18, 2), 8000.00::decimal(18, 2),"
            "  900.00::decimal(18, 2), 0.09),"
            " ('costly', date '2025-04-01', 10000.00, 7000.00, 1500.00, 0.15),"
            " ('small', date '2025-04-01', 500.00, 300.00, 100.00, 0.2),"
            " ('loss', date '2025-04-01', 100.00, 90.00, 50.00, 0.5),"
            " ('credits', date '2025-04-01', -20.00, 0.00, 0.00, null),"
            " ('big', date '2025-03-01', 100.00, 90.00, 5.00, 0.05))"
            " t(customer_key, as_of_month, revenue, cost_of_goods, cost_to_serve,"
            " cost_to_serve_pct_revenue)"
        )
        yield con


def _tiers(con, rules=RULES, start=MAR, end=MAY):
    replace_tables(con, "settings", {"customer_tiers": rules})
    run_model(con, MODEL, "test", {}, MonthWindow(start, end))
    return {
        (key, month): rest
        for key, month, *rest in con.execute(
            "select customer_key, as_of_month, net_margin, tier, tier_rule"
            " from marts.fct_customer_tiers"
        ).fetchall()
    }


def test_the_first_rule_that_fits_places_the_customer_and_is_recorded(con):
    tiers = _tiers(con)
    # big: margin 1,100 and 9% -> Platinum. costly: margin 1,500 but 15% -> Gold.
    # small: 100 and 20% -> Gold (>= 100 holds on the edge). loss: -40 -> Standard.
    assert tiers[("big", APR)] == [
        Decimal("1100.00"),
        "Platinum",
        "Platinum: net margin >= 1000 and cost to serve <= 0.1 of revenue",
    ]
    assert tiers[("costly", APR)][1:] == [
        "Gold",
        "Gold: net margin >= 100 and cost to serve <= 0.3 of revenue",
    ]
    assert tiers[("small", APR)][1] == "Gold"
    assert tiers[("loss", APR)][1:] == ["Standard", "Standard: every customer"]
    # The same customer in another as-of month is tiered on that month's history.
    assert tiers[("big", MAR)][:2] == [Decimal("5.00"), "Standard"]


def test_an_unknown_cost_share_fails_a_cost_condition(con):
    # credits: revenue is negative, so its cost-to-serve share is null: no Gold, no Platinum.
    assert _tiers(con)[("credits", APR)][1] == "Standard"


def test_without_a_catch_all_unplaced_customers_are_kept_and_said_so(con):
    tiers = _tiers(con, RULES.head(2))
    assert tiers[("loss", APR)] == [Decimal("-40.00"), None, "no tier rule matched"]
    assert len(tiers) == 6


def test_priority_not_file_order_decides(con):
    reversed_rules = RULES.reverse()
    assert _tiers(con, reversed_rules)[("big", APR)][1] == "Platinum"


def test_a_month_refresh_rewrites_only_that_month(con):
    _tiers(con)
    con.execute("update marts.fct_customer_tiers set tier = 'x'")
    tiers = _tiers(con, start=APR, end=MAY)
    assert tiers[("big", MAR)][1] == "x"
    assert tiers[("big", APR)][1] == "Platinum"
