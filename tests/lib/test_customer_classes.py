"""ABC, XYZ, Syntetos-Boylan, RFM and velocity mix of fct_customer_classes on hand-made facts.

Every expected value is computed on paper in the comments; each class boundary is hit exactly.
The models run with `run_model` on a real DuckDB file, as the pipeline runs them.
"""

from collections.abc import Iterable
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

VELOCITY = parse_model(sql_dir() / "intermediate" / "int_product_velocity_classified.sql")
CLASSES = parse_model(sql_dir() / "marts" / "fct_customer_classes.sql")
APRIL = MonthWindow(start=date(2025, 4, 1), end=date(2025, 5, 1))


def month(number: int) -> date:
    """First day of month ``number`` of 2025."""
    return date(2025, number, 1)


def monthly_units(customer: str, units: Iterable[int]) -> list[tuple]:
    """Customer-month rows for units in Jan, Feb, ...; a 0 month has no row (no orders)."""
    return [
        (customer, month(number), 1, quantity, quantity * 10)
        for number, quantity in enumerate(units, start=1)
        if quantity
    ]


def classify(
    database: Path,
    customer_months: list[tuple],
    order_lines: list[tuple] = (),
    window: MonthWindow = APRIL,
    **settings: object,
) -> dict[tuple[str, date], dict]:
    """Build both models for ``window`` on hand-made facts; rows by (customer, as-of month).

    ``customer_months`` are (customer_key, order_month, orders, ordered_units, ordered_revenue);
    ``order_lines`` are (customer_key, product_id, order_month, number of such lines).
    """
    classification = load_mart_settings()["classification"].rows.with_columns(
        pl.lit(value).alias(name) for name, value in settings.items()
    )
    with duckdb.connect(str(database)) as con:
        con.execute("create schema if not exists marts")
        write_month_calendar(con)
        con.execute(
            "create or replace table marts.fct_customer_months (customer_key varchar,"
            " order_month date, orders bigint, order_lines bigint, ordered_units hugeint,"
            " ordered_revenue decimal(38, 2))"
        )
        con.executemany(
            "insert into marts.fct_customer_months values (?, ?, ?, ?, ?, ?)",
            [
                (c, m, orders, orders, units, revenue)
                for c, m, orders, units, revenue in customer_months
            ],
        )
        con.execute(
            "create or replace table marts.fct_order_lines (order_line_id varchar,"
            " customer_key varchar, product_id varchar, order_month date)"
        )
        lines = [
            (f"{customer}-{product}-{order_month}-{i}", customer, product, order_month)
            for customer, product, order_month, count in order_lines
            for i in range(count)
        ]
        if lines:
            con.executemany("insert into marts.fct_order_lines values (?, ?, ?, ?)", lines)
        replace_tables(con, SETTINGS_SCHEMA, {"classification": classification})
        for model in (VELOCITY, CLASSES):
            run_model(con, model, "test", {}, window)
        rows = con.sql("select * from marts.fct_customer_classes").pl().to_dicts()
    return {(row["customer_key"], row["as_of_month"]): row for row in rows}


def as_of_april(rows: dict[tuple[str, date], dict], column: str) -> dict[str, object]:
    """``column`` of every customer at as-of April."""
    return {customer: row[column] for (customer, as_of), row in rows.items() if as_of == month(4)}


def velocity(database: Path) -> dict[str, tuple[str, float]]:
    """Velocity class and cumulative line share of each product at as-of April."""
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select product_id, velocity_class, cumulative_line_share"
            " from intermediate.int_product_velocity_classified where as_of_month = ?",
            [month(4)],
        ).fetchall()
    return {product: (velocity_class, share) for product, velocity_class, share in rows}


# ABC: revenue in the 3-month window Feb-Apr, ranked highest first.
ABC_CASES = {
    # 500/1000 = .50 A; 800/1000 = .80 exactly: still A; .90 B; .95 exactly: still B; .98 C.
    # a1's 10,000 in January is outside the window: counted, it would make a1 the only A.
    "exact cut-offs stay in the higher class": (
        [("a1", month(1), 1, 1, 10_000)]
        + [
            (customer, month(4), 1, 1, revenue)
            for customer, revenue in [
                ("a1", 500),
                ("a2", 300),
                ("a3", 100),
                ("a4", 50),
                ("a5", 30),
                ("a6", 20),
            ]
        ],
        {
            "a1": ("A", 0.50),
            "a2": ("A", 0.80),
            "a3": ("B", 0.90),
            "a4": ("B", 0.95),
            "a5": ("C", 0.98),
            "a6": ("C", 1.00),
        },
    ),
    # .70 A; 900/1000 = .90 crosses the A cut (.80): the crossing customer is B; 1.00 C.
    "the customer crossing a cut-off goes to the lower class": (
        [("b1", month(2), 1, 1, 700), ("b2", month(3), 1, 1, 200), ("b3", month(4), 1, 1, 100)],
        {"b1": ("A", 0.70), "b2": ("B", 0.90), "b3": ("C", 1.00)},
    ),
    # .60 A; t2 and t3 tie at 150: both get (600 + 150 + 150) / 1000 = .90, so both are B
    # (ranked one after the other, the first would be .75 and A); t4 1.00 C.
    "tied customers share one class": (
        [
            ("t1", month(4), 1, 1, 600),
            ("t2", month(4), 1, 1, 150),
            ("t3", month(3), 1, 1, 150),
            ("t4", month(4), 1, 1, 100),
        ],
        {"t1": ("A", 0.60), "t2": ("B", 0.90), "t3": ("B", 0.90), "t4": ("C", 1.00)},
    ),
}


@pytest.mark.parametrize("case", ABC_CASES)
def test_abc_classes_by_cumulative_revenue_share(tmp_path, case):
    customer_months, expected = ABC_CASES[case]
    rows = classify(tmp_path / "w.duckdb", customer_months, window_months=3)
    classes = as_of_april(rows, "abc_class")
    shares = as_of_april(rows, "cumulative_revenue_share")
    assert {c: (classes[c], shares[c]) for c in classes} == {
        c: (abc, pytest.approx(share)) for c, (abc, share) in expected.items()
    }


def test_xyz_classes_by_cv_of_monthly_units_zero_months_included(tmp_path):
    # Window Jan-Apr (n = 4). cv = sqrt(n * sum(x^2) - sum(x)^2) / sum(x).
    customer_months = [
        *monthly_units("steady", [5, 5, 5, 5]),  # cv 0 -> X
        *monthly_units("x_edge", [1, 3, 1, 3]),  # sqrt(80 - 64) / 8 = 0.5 exactly -> X
        *monthly_units("y_low", [1, 3, 1, 4]),  # sqrt(108 - 81) / 9 = 0.577 -> Y
        *monthly_units("y_edge", [0, 2, 0, 2]),  # sqrt(32 - 16) / 4 = 1.0 exactly -> Y
        *monthly_units("z_low", [0, 2, 0, 3]),  # sqrt(52 - 25) / 5 = 1.039 -> Z
        # First order in April: the three months before it count as zero demand.
        *monthly_units("newcomer", [0, 0, 0, 4]),  # sqrt(64 - 16) / 4 = 1.732 -> Z
    ]
    rows = classify(tmp_path / "w.duckdb", customer_months, window_months=4)
    assert as_of_april(rows, "xyz_class") == {
        "steady": "X",
        "x_edge": "X",
        "y_low": "Y",
        "y_edge": "Y",
        "z_low": "Z",
        "newcomer": "Z",
    }
    assert as_of_april(rows, "demand_cv") == pytest.approx(
        {
            "steady": 0.0,
            "x_edge": 0.5,
            "y_low": 27**0.5 / 9,
            "y_edge": 1.0,
            "z_low": 27**0.5 / 5,
            "newcomer": 48**0.5 / 4,
        }
    )
    assert as_of_april(rows, "first_order_month")["newcomer"] == month(4)
    assert set(as_of_april(rows, "months_in_window").values()) == {4}


def test_syntetos_boylan_patterns_with_the_default_cutoffs(tmp_path):
    # Window Jan-Apr: adi = 4 / demand months; cv2 = (d * sum(x^2) - sum(x)^2) / sum(x)^2 over
    # the d demand months. Cut-offs adi 1.32, cv2 0.49; a value equal to a cut-off is high.
    customer_months = [
        *monthly_units("smooth", [5, 5, 5, 5]),  # adi 1, cv2 0
        *monthly_units("smooth_high_cv2", [4, 16, 4, 16]),  # adi 1, (2176 - 1600) / 1600 = .36
        *monthly_units("erratic_edge", [3, 17, 3, 17]),  # adi 1, (2384 - 1600) / 1600 = .49
        *monthly_units("intermittent", [0, 5, 5, 5]),  # adi 4/3 = 1.333 >= 1.32, cv2 0
        *monthly_units("single_demand", [0, 0, 0, 4]),  # adi 4; one demand month: cv2 := 0
        *monthly_units("lumpy_edge", [0, 0, 3, 17]),  # adi 2, (596 - 400) / 400 = .49
    ]
    rows = classify(tmp_path / "w.duckdb", customer_months, window_months=4)
    assert as_of_april(rows, "demand_pattern") == {
        "smooth": "smooth",
        "smooth_high_cv2": "smooth",
        "erratic_edge": "erratic",
        "intermittent": "intermittent",
        "single_demand": "intermittent",
        "lumpy_edge": "lumpy",
    }
    assert as_of_april(rows, "adi") == pytest.approx(
        {
            "smooth": 1.0,
            "smooth_high_cv2": 1.0,
            "erratic_edge": 1.0,
            "intermittent": 4 / 3,
            "single_demand": 4.0,
            "lumpy_edge": 2.0,
        }
    )
    assert as_of_april(rows, "demand_size_cv2") == pytest.approx(
        {
            "smooth": 0.0,
            "smooth_high_cv2": 0.36,
            "erratic_edge": 0.49,
            "intermittent": 0.0,
            "single_demand": 0.0,
            "lumpy_edge": 0.49,
        }
    )


def test_an_adi_equal_to_its_cutoff_is_intermittent(tmp_path):
    customer_months = [
        *monthly_units("on_cutoff", [0, 5, 0, 5]),  # adi 4 / 2 = 2.0 = cut-off -> high
        *monthly_units("below_cutoff", [5, 5, 0, 5]),  # adi 4 / 3 = 1.333 < 2.0
        *monthly_units("on_both", [0, 3, 0, 17]),  # adi 2.0, cv2 .49: both high
    ]
    rows = classify(tmp_path / "w.duckdb", customer_months, window_months=4, adi_cutoff=2.0)
    assert as_of_april(rows, "demand_pattern") == {
        "on_cutoff": "intermittent",
        "below_cutoff": "smooth",
        "on_both": "lumpy",
    }


# Five customers at as-of April, window Jan-Apr:
#   customer  last order  recency  orders  revenue
#   r1        Apr         0        1       300
#   r2        Apr         0        5       100
#   r3        Mar         1        2       500
#   r4        Feb         2        4       200
#   r5        Jan         3        3       400
# score = ceil(bins * k / 5), k = customers no better (ties included), worst first.
RFM_CUSTOMERS = [
    ("r1", month(4), 1, 1, 300),
    ("r2", month(4), 5, 1, 100),
    ("r3", month(3), 2, 1, 500),
    ("r4", month(2), 4, 1, 200),
    ("r5", month(1), 3, 1, 400),
]
RFM_CASES = {
    # Recency k: r5 1, r4 2, r3 3, r1 and r2 tie at 0 months: k = 5 for both -> 5, nobody 4.
    # Frequency k: r1 1, r3 2, r5 3, r4 4, r2 5. Monetary k: r2 1, r4 2, r1 3, r5 4, r3 5.
    5: {"r1": "513", "r2": "551", "r3": "325", "r4": "242", "r5": "134"},
    # Three bins, ceil(3k / 5): k 1 -> 1, 2 -> 2, 3 -> 2, 4 -> 3, 5 -> 3.
    3: {"r1": "312", "r2": "331", "r3": "223", "r4": "232", "r5": "123"},
}


@pytest.mark.parametrize("bins", RFM_CASES)
def test_rfm_scores_are_quantile_bins_with_ties_sharing_the_higher_score(tmp_path, bins):
    rows = classify(tmp_path / "w.duckdb", RFM_CUSTOMERS, window_months=4, rfm_bins=bins)
    assert as_of_april(rows, "rfm_code") == RFM_CASES[bins]
    assert as_of_april(rows, "recency_months") == {"r1": 0, "r2": 0, "r3": 1, "r4": 2, "r5": 3}
    codes = as_of_april(rows, "rfm_code")
    for score in ("r_score", "f_score", "m_score"):
        position = ("r_score", "f_score", "m_score").index(score)
        assert as_of_april(rows, score) == {c: int(code[position]) for c, code in codes.items()}


# Lines in the window Feb-Apr: P1 10, P2 6, P3 3, P4 1 (20 lines): cumulative shares .50 and
# .80 (exactly the fast cut: fast), .95 (exactly the medium cut: medium), 1.00 slow. P5's 50
# lines are in January, outside the window: counted, they would make P5 the only fast mover.
VELOCITY_LINES = [
    ("v1", "P1", month(4), 6),
    ("v1", "P2", month(3), 2),
    ("v1", "P5", month(1), 50),
    ("v2", "P1", month(2), 4),
    ("v2", "P3", month(4), 1),
    ("v3", "P2", month(4), 4),
    ("v3", "P3", month(3), 2),
    ("v3", "P4", month(4), 1),
]
VELOCITY_CUSTOMERS = [
    ("v1", month(1), 1, 50, 500),
    ("v1", month(3), 1, 2, 20),
    ("v1", month(4), 1, 6, 60),
    ("v2", month(2), 1, 4, 40),
    ("v2", month(4), 1, 1, 10),
    ("v3", month(3), 1, 2, 20),
    ("v3", month(4), 1, 5, 50),
]


def test_product_velocity_classes_by_cumulative_line_share(tmp_path):
    database = tmp_path / "w.duckdb"
    classify(database, VELOCITY_CUSTOMERS, VELOCITY_LINES, window_months=3)
    assert velocity(database) == {
        "P1": ("fast", pytest.approx(0.50)),
        "P2": ("fast", pytest.approx(0.80)),
        "P3": ("medium", pytest.approx(0.95)),
        "P4": ("slow", pytest.approx(1.00)),
    }


def test_tied_products_share_one_velocity_class(tmp_path):
    # Q1 6 of 10 lines: .60 fast. Q2 and Q3 tie at 2: both 1.00 -> slow (one before the other,
    # Q2 would be .80 and fast).
    database = tmp_path / "w.duckdb"
    lines = [("c", "Q1", month(4), 6), ("c", "Q2", month(4), 2), ("c", "Q3", month(4), 2)]
    classify(database, [("c", month(4), 1, 10, 100)], lines, window_months=3)
    assert velocity(database) == {
        "Q1": ("fast", pytest.approx(0.6)),
        "Q2": ("slow", pytest.approx(1.0)),
        "Q3": ("slow", pytest.approx(1.0)),
    }


def test_each_customers_velocity_mix_is_its_share_of_lines_by_product_class(tmp_path):
    rows = classify(tmp_path / "w.duckdb", VELOCITY_CUSTOMERS, VELOCITY_LINES, window_months=3)
    mix = {
        customer: (row["fast_line_share"], row["medium_line_share"], row["slow_line_share"])
        for (customer, as_of), row in rows.items()
    }
    assert mix == {
        "v1": pytest.approx((1.0, 0.0, 0.0)),  # P1 6 + P2 2 of 8 lines, January's P5 outside
        "v2": pytest.approx((0.8, 0.2, 0.0)),  # P1 4 of 5, P3 1 of 5
        "v3": pytest.approx((4 / 7, 2 / 7, 1 / 7)),  # P2 4, P3 2, P4 1 of 7
    }


def test_windows_are_clipped_at_the_first_month_of_data_and_inactive_customers_drop_out(
    tmp_path,
):
    # Data starts in January; window 2 months, as-of months Jan-Apr in one run.
    customer_months = [
        *monthly_units("every_month", [5, 5, 5, 5]),
        *monthly_units("january_only", [4, 0, 0, 0]),
    ]
    rows = classify(
        tmp_path / "w.duckdb",
        customer_months,
        window=MonthWindow(start=month(1), end=month(5)),
        window_months=2,
    )
    assert sorted(rows) == [
        ("every_month", month(1)),
        ("every_month", month(2)),
        ("every_month", month(3)),
        ("every_month", month(4)),
        # The two-month window of March no longer reaches January.
        ("january_only", month(1)),
        ("january_only", month(2)),
    ]
    assert {key: row["months_in_window"] for key, row in rows.items()} == {
        ("every_month", month(1)): 1,  # December is before the data: unknown, not zero
        ("every_month", month(2)): 2,
        ("every_month", month(3)): 2,
        ("every_month", month(4)): 2,
        ("january_only", month(1)): 1,
        ("january_only", month(2)): 2,
    }
    # One month of history: cv 0 and adi 1, so X and smooth (months_in_window says why).
    first = rows[("january_only", month(1))]
    assert (first["xyz_class"], first["demand_pattern"]) == ("X", "smooth")
    # In February its January order is one month back, and February counts as zero demand.
    second = rows[("january_only", month(2))]
    assert (second["recency_months"], second["adi"], second["demand_cv"]) == (1, 2.0, 1.0)
