"""Month-over-month migration and revenue concentration on hand-computed fixtures.

January: A and B in segment 1, C in segment 2. February: A stays, B moves to segment 2, C is
no longer segmented, D and E are new (E with a negative window revenue)."""

import datetime as dt

import duckdb
import pytest

from seg_assets.lib.model_runner import run_model
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model

MIGRATION = parse_model(sql_dir() / "kpi" / "fct_segment_migration_months.sql")
CONCENTRATION = parse_model(sql_dir() / "kpi" / "fct_segment_concentration_months.sql")
JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
NAMES = {1: "One", 2: "Two", 3: "Three"}
# customer, month, segment, window revenue
ASSIGNMENTS = [
    ("A", JAN, 1, 100),
    ("B", JAN, 1, 200),
    ("C", JAN, 2, 50),
    ("A", FEB, 1, 110),
    ("B", FEB, 2, 300),
    ("D", FEB, 2, 20),
    ("E", FEB, 1, -5),
]


def _build(tmp_path, assignments) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    for schema in ("segmentation", "marts", "kpi"):
        con.execute(f"create schema {schema}")
    con.execute(
        "create table segmentation.customer_segments (customer_key varchar, as_of_month date,"
        " model_version varchar, segment_id integer, segment_name varchar)"
    )
    con.execute(
        "create table marts.fct_customer_features (customer_key varchar, as_of_month date,"
        " revenue decimal(18, 2))"
    )
    con.executemany(
        "insert into segmentation.customer_segments values (?, ?, 'v1', ?, ?)",
        [(key, month, segment, NAMES[segment]) for key, month, segment, _ in assignments],
    )
    con.executemany(
        "insert into marts.fct_customer_features values (?, ?, ?)",
        [(key, month, revenue) for key, month, _, revenue in assignments],
    )
    run_model(con, MIGRATION, "test", {})
    run_model(con, CONCENTRATION, "test", {})
    return con


@pytest.fixture
def con(tmp_path):
    with _build(tmp_path, ASSIGNMENTS) as con:
        yield con


def test_the_migration_matrix_counts_stayers_movers_leavers_and_new_customers(con):
    rows = con.execute(
        "select month, previous_month, from_segment_id, from_segment_name, to_segment_id,"
        " to_segment_name, customers, revenue, share_of_from_segment"
        " from kpi.fct_segment_migration_months order by all"
    ).fetchall()
    assert [(*row[2:7], float(row[7]), row[8]) for row in rows] == [
        (1, "One", 1, "One", 1, 110.0, 0.5),
        (1, "One", 2, "Two", 1, 300.0, 0.5),
        (2, "Two", None, "no longer segmented", 1, 50.0, 1.0),  # last month's revenue
        (None, "new customer", 1, "One", 1, -5.0, None),
        (None, "new customer", 2, "Two", 1, 20.0, None),
    ]
    assert {row[:2] for row in rows} == {(FEB, JAN)}  # the first month has no predecessor


def _concentration(con) -> dict:
    rows = con.execute(
        "select month, segment_id, customers, revenue, hhi_revenue, top_10_revenue_share,"
        " previous_customers, customers_change_pct, previous_revenue, revenue_change_pct"
        " from kpi.fct_segment_concentration_months"
    ).fetchall()
    return {(month, segment): tuple(rest) for month, segment, *rest in rows}


def test_hhi_and_top_10_share_within_segments_and_overall(con):
    rows = _concentration(con)
    assert rows[(JAN, 1)][:4] == (2, 300, pytest.approx(5 / 9), 1.0)  # (1/3)^2 + (2/3)^2
    assert rows[(JAN, 2)][2] == 1.0
    assert rows[(JAN, None)][2] == pytest.approx((100**2 + 200**2 + 50**2) / 350**2)
    # E's negative revenue holds no share but E counts as a customer.
    assert rows[(FEB, 1)][:3] == (2, 110, 1.0)
    assert rows[(FEB, 2)][2] == pytest.approx((300**2 + 20**2) / 320**2)


def test_volume_shift_against_the_previous_month(con):
    rows = _concentration(con)
    assert rows[(JAN, 1)][4:] == (None, None, None, None)
    previous, change, previous_revenue, revenue_change = rows[(FEB, 2)][4:]
    assert (previous, change, float(previous_revenue)) == (1, 1.0, 50.0)
    assert revenue_change == pytest.approx((320 - 50) / 50)
    assert rows[(FEB, None)][5] == pytest.approx(1 / 3)  # three customers, then four
    assert rows[(FEB, None)][7] == pytest.approx((430 - 350) / 350)


def test_top_10_share_leaves_the_smaller_customers_out(tmp_path):
    many = [(f"K{n:02d}", JAN, 3, n) for n in range(1, 12)]
    with _build(tmp_path, many) as con:
        assert _concentration(con)[(JAN, 3)][3] == pytest.approx(sum(range(2, 12)) / 66)


@pytest.mark.parametrize("model", [MIGRATION, CONCENTRATION])
def test_every_column_is_described(con, model):
    described = [name for name, _ in model.column_descriptions]
    built = [row[0] for row in con.execute(f"describe {model.table}").fetchall()]
    assert described == built
