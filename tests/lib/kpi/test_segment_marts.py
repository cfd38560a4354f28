"""Segment marts: profiles, the tier x segment crosstab, assignment history and migration
between model versions, each on a hand-computed fixture."""

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from seg_assets.lib.model_runner import MonthWindow, run_model
from seg_assets.lib.project import sql_dir
from seg_assets.lib.sql_models import parse_model

PROFILES = parse_model(sql_dir() / "kpi" / "fct_segment_profiles.sql")
CROSSTAB = parse_model(sql_dir() / "kpi" / "fct_tier_segment_crosstab.sql")
HISTORY = parse_model(sql_dir() / "kpi" / "dim_customer_segment_history.sql")
MIGRATION = parse_model(sql_dir() / "kpi" / "fct_segment_migration.sql")

JAN, FEB, MAR, APR, MAY, JUN, JUL = (dt.date(2025, month, 1) for month in range(1, 8))
# The profile's median features, in the order the fixture gives them values.
MEDIAN_FEATURES = [
    "orders_per_active_month",
    "avg_order_lines",
    "avg_line_units",
    "avg_order_value",
    "returns_rate",
    "gross_margin_pct",
    "cost_to_serve_pct_revenue",
    "days_late",
    "dso",
    "demand_cv",
    "fast_mover_share",
]


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema segmentation")
        con.execute("create schema marts")
        con.execute(
            "create table segmentation.customer_segments (customer_key varchar,"
            " as_of_month date, model_version varchar, segment_id integer,"
            " segment_name varchar, segment_kind varchar, runner_up_segment_id integer,"
            " confidence_margin double, is_borderline boolean, volume double)"
        )
        yield con


def _segments(con, rows):
    """Rows of (customer, month, version, segment id, segment name, kind) and optionally
    (confidence margin, borderline), else 0.5 and not borderline; the columns no model reads
    get fixed values."""
    con.executemany(
        "insert into segmentation.customer_segments values (?, ?, ?, ?, ?, ?, null, ?, ?, 1.0)",
        [(*row, 0.5, False) if len(row) == 6 else row for row in rows],
    )


def _trained(con, rows):
    """Rows of (customer, training month, version, segment id, segment name, kind): each
    version's assignments of its training month, and the version's registry row."""
    con.execute(
        "create table if not exists segmentation.model_assignments (model_version varchar,"
        " customer_key varchar, segment_id integer, segment_name varchar, segment_kind varchar)"
    )
    con.execute(
        "create table if not exists segmentation.model_registry (model_version varchar,"
        " as_of_month date)"
    )
    con.executemany(
        "insert into segmentation.model_assignments values (?, ?, ?, ?, ?)",
        [(version, key, segment, name, kind) for key, _, version, segment, name, kind in rows],
    )
    con.executemany(
        "insert into segmentation.model_registry values (?, ?)",
        sorted({(version, month) for _, month, version, *_ in rows}),
    )


def _rows(con, sql):
    return con.execute(sql).fetchall()


def _assert_columns_are_described(con, model):
    described = [name for name, _ in model.column_descriptions]
    built = [column for column, *_ in _rows(con, f"describe {model.table}")]
    assert described == built


@pytest.mark.parametrize(
    ("model", "partition_column", "upstream"),
    [
        (
            PROFILES,
            "as_of_month",
            {("segmentation", "customer_segments"), ("marts", "fct_customer_features")},
        ),
        (
            CROSSTAB,
            "as_of_month",
            {
                ("segmentation", "customer_segments"),
                ("marts", "fct_customer_tiers"),
                ("marts", "fct_customer_features"),
            },
        ),
        (HISTORY, None, {("segmentation", "customer_segments")}),
        (
            MIGRATION,
            None,
            {("segmentation", "model_assignments"), ("segmentation", "model_registry")},
        ),
    ],
)
def test_models_parse_with_their_partitioning_lineage_and_descriptions(
    model, partition_column, upstream
):
    assert model.schema == "kpi"
    assert model.partition_column == partition_column
    assert set(model.upstream) == upstream
    assert len(model.description) > 100
    assert model.column_descriptions
    assert all(text for _, text in model.column_descriptions)


# --- fct_segment_profiles ---------------------------------------------------------------------


def _features(con, rows):
    """Rows of (customer, month, revenue, cost of goods, cost to serve, units, base): feature
    number i of MEDIAN_FEATURES is base + 10 * i, so each median says which column it read."""
    con.execute(
        "create table marts.fct_customer_features (customer_key varchar, as_of_month date,"
        " revenue decimal(18, 2), cost_of_goods decimal(18, 2), cost_to_serve decimal(18, 2),"
        " ordered_units bigint, "
        + ", ".join(f"{feature} double" for feature in MEDIAN_FEATURES)
        + ")"
    )
    con.executemany(
        f"insert into marts.fct_customer_features values ({', '.join(['?'] * 17)})",
        [[*row[:6], *(row[6] + 10 * i for i in range(len(MEDIAN_FEATURES)))] for row in rows],
    )


@pytest.fixture
def profile_inputs(con):
    _segments(
        con,
        [
            ("a", APR, "v2", 1, "Steady", "cluster", 0.1, True),
            ("b", APR, "v2", 1, "Steady", "cluster", 0.5, False),
            ("c", APR, "v2", 1, "Steady", "cluster", 0.3, True),
            ("d", APR, "v2", 2, "Bulk", "cluster", 0.4, False),
            ("e", APR, "v2", 2, "Bulk", "cluster", 0.2, True),
            ("f", APR, "v2", 9, "Key accounts", "strategic", 1.0, False),
            ("a", MAR, "v1", 1, "Steady", "cluster", 0.6, False),
            ("b", MAR, "v1", 1, "Steady", "cluster", 0.8, False),
        ],
    )
    _features(
        con,
        [
            ("a", APR, 100, 60, 10, 10, 1),
            ("b", APR, 300, 200, 40, 30, 3),
            ("c", APR, 200, 150, 70, 20, 8),
            ("d", APR, 300, 200, 20, 100, 5),
            ("e", APR, 100, 50, 10, 40, 6),
            ("f", APR, 0, 0, 5, 0, 2),
            # Has features but was not segmented: in no segment and in no month total.
            ("g", APR, 5000, 1000, 100, 1000, 50),
            ("a", MAR, 50, 40, 5, 5, 1),
            ("b", MAR, 150, 100, 5, 15, 1),
        ],
    )
    # b's returns rate is unknown: the median is over a and c only.
    con.execute(
        "update marts.fct_customer_features set returns_rate = null"
        " where customer_key = 'b' and as_of_month = date '2025-04-01'"
    )
    return con


def _profiles(con, start=APR, end=MAY):
    run_model(con, PROFILES, "test", {}, MonthWindow(start, end))
    columns = [name for name, _ in PROFILES.column_descriptions]
    return {
        (row[0], row[2]): dict(zip(columns, row, strict=True))
        for row in _rows(con, "select * from kpi.fct_segment_profiles")
    }


def test_profiles_count_sum_and_share_each_segment_of_the_month(profile_inputs):
    profiles = _profiles(profile_inputs)
    assert set(profiles) == {(APR, 1), (APR, 2), (APR, 9)}
    steady, bulk, key = profiles[(APR, 1)], profiles[(APR, 2)], profiles[(APR, 9)]
    assert (steady["model_version"], steady["segment_name"], steady["segment_kind"]) == (
        "v2",
        "Steady",
        "cluster",
    )
    assert key["segment_kind"] == "strategic"
    # 6 segmented customers: 3, 2 and 1 (g has features only and is not counted).
    assert [p["customers"] for p in (steady, bulk, key)] == [3, 2, 1]
    assert steady["customer_share"] == pytest.approx(0.5)
    assert bulk["customer_share"] == pytest.approx(1 / 3)
    assert key["customer_share"] == pytest.approx(1 / 6)
    # Revenue 600 + 400 + 0 = 1,000; units 60 + 140 + 0 = 200.
    assert [p["revenue"] for p in (steady, bulk, key)] == [
        Decimal("600.00"),
        Decimal("400.00"),
        Decimal("0.00"),
    ]
    assert [p["revenue_share"] for p in (steady, bulk, key)] == pytest.approx([0.6, 0.4, 0.0])
    assert [p["ordered_units"] for p in (steady, bulk, key)] == [60, 140, 0]
    assert [p["units_share"] for p in (steady, bulk, key)] == pytest.approx([0.3, 0.7, 0.0])


def test_profiles_net_margin_and_its_share_of_revenue(profile_inputs):
    profiles = _profiles(profile_inputs)
    steady, bulk, key = profiles[(APR, 1)], profiles[(APR, 2)], profiles[(APR, 9)]
    # Steady: 30 + 60 - 20 = 70 on 600; Bulk: 80 + 40 = 120 on 400.
    assert steady["net_margin"] == Decimal("70.00")
    assert steady["net_margin_pct"] == pytest.approx(70 / 600)
    assert bulk["net_margin"] == Decimal("120.00")
    assert bulk["net_margin_pct"] == pytest.approx(0.3)
    # Key accounts earned nothing and cost 5 to serve: no margin percentage on zero revenue.
    assert key["net_margin"] == Decimal("-5.00")
    assert key["net_margin_pct"] is None


def test_profiles_borderline_and_confidence(profile_inputs):
    profiles = _profiles(profile_inputs)
    steady, bulk, key = profiles[(APR, 1)], profiles[(APR, 2)], profiles[(APR, 9)]
    assert [p["borderline_customers"] for p in (steady, bulk, key)] == [2, 1, 0]
    assert [p["borderline_share"] for p in (steady, bulk, key)] == pytest.approx([2 / 3, 0.5, 0.0])
    assert [p["avg_confidence_margin"] for p in (steady, bulk, key)] == pytest.approx(
        [0.3, 0.3, 1.0]
    )


def test_profiles_take_the_median_of_each_feature(profile_inputs):
    profiles = _profiles(profile_inputs)
    medians = {
        key: [profile[f"median_{feature}"] for feature in MEDIAN_FEATURES]
        for key, profile in profiles.items()
    }
    # Steady: bases 1, 3, 8 -> 3 (+ 10 per feature); returns rate 41 and 48 only -> 44.5.
    assert medians[(APR, 1)] == pytest.approx([3, 13, 23, 33, 44.5, 53, 63, 73, 83, 93, 103])
    # Bulk: bases 5 and 6 -> 5.5; an even count takes the mean of the middle two.
    assert medians[(APR, 2)] == pytest.approx(
        [5.5, 15.5, 25.5, 35.5, 45.5, 55.5, 65.5, 75.5, 85.5, 95.5, 105.5]
    )
    assert medians[(APR, 9)] == pytest.approx([2, 12, 22, 32, 42, 52, 62, 72, 82, 92, 102])


def test_profiles_share_within_each_month_and_refresh_only_the_window(profile_inputs):
    profiles = _profiles(profile_inputs, MAR, MAY)
    march = profiles[(MAR, 1)]
    assert (march["model_version"], march["customers"], march["revenue"]) == (
        "v1",
        2,
        Decimal("200.00"),
    )
    assert (march["customer_share"], march["revenue_share"]) == pytest.approx((1.0, 1.0))
    assert profiles[(APR, 1)]["customer_share"] == pytest.approx(0.5)
    _assert_columns_are_described(profile_inputs, PROFILES)
    profile_inputs.execute("update kpi.fct_segment_profiles set customers = 99")
    refreshed = _profiles(profile_inputs, APR, MAY)
    assert refreshed[(MAR, 1)]["customers"] == 99
    assert refreshed[(APR, 1)]["customers"] == 3


# --- fct_tier_segment_crosstab ----------------------------------------------------------------


@pytest.fixture
def crosstab_inputs(con):
    _segments(
        con,
        [
            ("a", APR, "v2", 1, "Steady", "cluster"),
            ("b", APR, "v2", 1, "Steady", "cluster"),
            ("c", APR, "v2", 2, "Bulk", "cluster"),
            ("d", APR, "v2", 2, "Bulk", "cluster"),
            ("e", APR, "v2", 2, "Bulk", "cluster"),
            ("u", APR, "v2", 1, "Steady", "cluster"),
            ("n", APR, "v2", 2, "Bulk", "cluster"),
            ("a", MAR, "v1", 1, "Steady", "cluster"),
        ],
    )
    con.execute(
        "create table marts.fct_customer_tiers as select * from (values"
        " ('a', date '2025-04-01', 'Gold', 1), ('b', date '2025-04-01', 'Silver', 2),"
        " ('c', date '2025-04-01', 'Gold', 1), ('d', date '2025-04-01', 'Gold', 1),"
        " ('e', date '2025-04-01', 'Silver', 2),"
        # n has a tier row but no rule placed it; z has a tier but was not segmented.
        " ('n', date '2025-04-01', null, null), ('z', date '2025-04-01', 'Gold', 1),"
        " ('a', date '2025-03-01', 'Gold', 1))"
        " t(customer_key, as_of_month, tier, tier_priority)"
    )
    con.execute(
        "create table marts.fct_customer_features as select * from (values"
        " ('a', date '2025-04-01', 100.00::decimal(18, 2)), ('b', date '2025-04-01', 200.00),"
        " ('c', date '2025-04-01', 300.00), ('d', date '2025-04-01', 400.00),"
        " ('e', date '2025-04-01', 500.00), ('u', date '2025-04-01', 50.00),"
        " ('n', date '2025-04-01', 10.00), ('z', date '2025-04-01', 9000.00),"
        " ('a', date '2025-03-01', 70.00))"
        " t(customer_key, as_of_month, revenue)"
    )
    return con


def test_crosstab_reconciles_tiers_with_segments(crosstab_inputs):
    run_model(crosstab_inputs, CROSSTAB, "test", {}, MonthWindow(MAR, MAY))
    cells = {
        (month, tier, segment): rest
        for month, tier, version, segment, name, *rest in _rows(
            crosstab_inputs,
            "select as_of_month, tier, model_version, segment_id, segment_name, customers,"
            " revenue, share_of_tier, share_of_segment from kpi.fct_tier_segment_crosstab",
        )
    }
    # Gold has a, c and d segmented (z was not segmented and counts nowhere); Silver b and e;
    # Steady has a, b and u; Bulk c, d, e and n. u has no tier row and n a null tier.
    expected = {
        (APR, "Gold", 1): [1, Decimal("100.00"), 1 / 3, 1 / 3],
        (APR, "Gold", 2): [2, Decimal("700.00"), 2 / 3, 2 / 4],
        (APR, "Silver", 1): [1, Decimal("200.00"), 1 / 2, 1 / 3],
        (APR, "Silver", 2): [1, Decimal("500.00"), 1 / 2, 1 / 4],
        (APR, "Untiered", 1): [1, Decimal("50.00"), 1 / 2, 1 / 3],
        (APR, "Untiered", 2): [1, Decimal("10.00"), 1 / 2, 1 / 4],
        (MAR, "Gold", 1): [1, Decimal("70.00"), 1.0, 1.0],
    }
    assert set(cells) == set(expected)
    for cell, (customers, revenue, share_of_tier, share_of_segment) in expected.items():
        assert cells[cell][:2] == [customers, revenue], cell
        assert cells[cell][2:] == pytest.approx([share_of_tier, share_of_segment]), cell
    # Every segmented customer is counted once per month, unsegmented ones never.
    assert sum(cell[0] for key, cell in cells.items() if key[0] == APR) == 7
    _assert_columns_are_described(crosstab_inputs, CROSSTAB)


def test_crosstab_refresh_keeps_other_months(crosstab_inputs):
    run_model(crosstab_inputs, CROSSTAB, "test", {}, MonthWindow(MAR, MAY))
    crosstab_inputs.execute("update kpi.fct_tier_segment_crosstab set customers = 99")
    run_model(crosstab_inputs, CROSSTAB, "test", {}, MonthWindow(APR, MAY))
    assert dict(
        _rows(
            crosstab_inputs,
            "select as_of_month, max(customers) from kpi.fct_tier_segment_crosstab group by all",
        )
    ) == {MAR: 99, APR: 2}


# --- dim_customer_segment_history -------------------------------------------------------------


def test_history_has_one_row_per_unbroken_run_of_published_months(con):
    # Published months: Jan to May and July (nothing was published for June).
    _segments(
        con,
        [
            # a: Steady Jan-Mar, Bulk in April, absent in May, Bulk again in July.
            ("a", JAN, "v1", 1, "Steady", "cluster"),
            ("a", FEB, "v1", 1, "Steady", "cluster"),
            ("a", MAR, "v1", 1, "Steady", "cluster"),
            ("a", APR, "v1", 2, "Bulk", "cluster"),
            ("a", JUL, "v1", 2, "Bulk", "cluster"),
            # b: segment 3 throughout, but the model version changes in March.
            ("b", JAN, "v1", 3, "Key", "strategic"),
            ("b", FEB, "v1", 3, "Key", "strategic"),
            ("b", MAR, "v2", 3, "Key accounts", "strategic"),
            ("b", APR, "v2", 3, "Key accounts", "strategic"),
            ("b", MAY, "v2", 3, "Key accounts", "strategic"),
            ("b", JUL, "v2", 3, "Key accounts", "strategic"),
            # c: only ever segmented in January.
            ("c", JAN, "v1", 1, "Steady", "cluster"),
            # s: back to its first segment; r: back to the first version (a rollback).
            ("s", JAN, "v1", 1, "Steady", "cluster"),
            ("s", FEB, "v1", 2, "Bulk", "cluster"),
            ("s", MAR, "v1", 1, "Steady", "cluster"),
            ("r", JAN, "v1", 1, "Steady", "cluster"),
            ("r", FEB, "v2", 1, "Steady", "cluster"),
            ("r", MAR, "v1", 1, "Steady", "cluster"),
        ],
    )
    run_model(con, HISTORY, "test", {}, None)
    history = set(
        _rows(
            con,
            "select customer_key, model_version, segment_id, segment_name, segment_kind,"
            " valid_from, valid_to, is_current, months from kpi.dim_customer_segment_history",
        )
    )
    assert history == {
        ("a", "v1", 1, "Steady", "cluster", JAN, APR, False, 3),
        ("a", "v1", 2, "Bulk", "cluster", APR, MAY, False, 1),
        ("a", "v1", 2, "Bulk", "cluster", JUL, None, True, 1),
        ("b", "v1", 3, "Key", "strategic", JAN, MAR, False, 2),
        # Unbroken across June: June was not a published month.
        ("b", "v2", 3, "Key accounts", "strategic", MAR, None, True, 4),
        ("c", "v1", 1, "Steady", "cluster", JAN, FEB, False, 1),
        # A return to an earlier assignment is a new row, not the old one reopened.
        ("s", "v1", 1, "Steady", "cluster", JAN, FEB, False, 1),
        ("s", "v1", 2, "Bulk", "cluster", FEB, MAR, False, 1),
        ("s", "v1", 1, "Steady", "cluster", MAR, APR, False, 1),
        ("r", "v1", 1, "Steady", "cluster", JAN, FEB, False, 1),
        ("r", "v2", 1, "Steady", "cluster", FEB, MAR, False, 1),
        ("r", "v1", 1, "Steady", "cluster", MAR, APR, False, 1),
    }
    _assert_columns_are_described(con, HISTORY)


# --- fct_segment_migration --------------------------------------------------------------------


def test_migration_between_the_training_assignments_of_two_versions(con):
    _trained(
        con,
        [
            # v1 trained on February, v2 on April: each version's own assignments.
            ("a", FEB, "v1", 1, "Steady", "cluster"),
            ("b", FEB, "v1", 1, "Steady", "cluster"),
            ("c", FEB, "v1", 2, "Bulk", "cluster"),
            ("d", FEB, "v1", 2, "Bulk", "cluster"),
            ("a", APR, "v2", 1, "Steady", "cluster"),
            ("b", APR, "v2", 3, "Growth", "cluster"),
            ("c", APR, "v2", 3, "Growth", "cluster"),
            ("e", APR, "v2", 1, "Steady", "cluster"),
        ],
    )
    # Publications of other months (v1 scoring March, say) do not change a version's
    # assignments.
    _segments(
        con, [("x", MAR, "v1", 1, "Steady", "cluster"), ("a", MAR, "v1", 2, "Bulk", "cluster")]
    )
    run_model(con, MIGRATION, "test", {}, None)
    rows = _rows(
        con,
        "select from_version, to_version, from_as_of_month, to_as_of_month, from_segment_id,"
        " from_segment_name, to_segment_id, to_segment_name, customers, share_of_from_segment"
        " from kpi.fct_segment_migration",
    )
    assert {(row[0], row[1], row[2], row[3]) for row in rows} == {
        ("v1", "v2", FEB, APR),
        ("v2", "v1", APR, FEB),
    }
    moves = {(row[0], row[4], row[5], row[6], row[7]): row[8:] for row in rows}
    expected = {
        # v1 -> v2. Steady (a, b) and Bulk (c, d) have 2 customers each under v1.
        ("v1", 1, "Steady", 1, "Steady"): (1, 0.5),  # a stayed
        ("v1", 1, "Steady", 3, "Growth"): (1, 0.5),  # b moved
        ("v1", 2, "Bulk", 3, "Growth"): (1, 0.5),  # c moved
        ("v1", 2, "Bulk", None, "no longer segmented"): (1, 0.5),  # d gone
        ("v1", None, "new customer", 1, "Steady"): (1, None),  # e new
        # v2 -> v1. Steady (a, e) and Growth (b, c) have 2 customers each under v2.
        ("v2", 1, "Steady", 1, "Steady"): (1, 0.5),
        ("v2", 3, "Growth", 1, "Steady"): (1, 0.5),
        ("v2", 3, "Growth", 2, "Bulk"): (1, 0.5),
        ("v2", 1, "Steady", None, "no longer segmented"): (1, 0.5),
        ("v2", None, "new customer", 2, "Bulk"): (1, None),
    }
    assert set(moves) == set(expected)
    for move, (customers, share) in expected.items():
        assert moves[move][0] == customers, move
        assert moves[move][1] == (None if share is None else pytest.approx(share)), move
    _assert_columns_are_described(con, MIGRATION)


def test_migration_covers_every_pair_of_versions_with_shares_per_pair(con):
    # Steady's four v1 customers: three stay under v2 and one moves (3/4 and 1/4); all four
    # stay under v3 (4/4).
    _trained(
        con,
        [(key, JAN, "v1", 1, "Steady", "cluster") for key in "abcd"]
        + [(key, FEB, "v2", 1, "Steady", "cluster") for key in "abc"]
        + [("d", FEB, "v2", 2, "Bulk", "cluster")]
        + [(key, MAR, "v3", 1, "Steady", "cluster") for key in "abcd"],
    )
    run_model(con, MIGRATION, "test", {}, None)
    shares = {
        (to_version, to_segment): share
        for to_version, to_segment, share in _rows(
            con,
            "select to_version, to_segment_id, share_of_from_segment"
            " from kpi.fct_segment_migration where from_version = 'v1'",
        )
    }
    assert shares == {
        ("v2", 1): pytest.approx(0.75),
        ("v2", 2): pytest.approx(0.25),
        ("v3", 1): pytest.approx(1.0),
    }
    pairs = _rows(con, "select distinct from_version, to_version from kpi.fct_segment_migration")
    assert len(pairs) == 6


def test_profiles_give_no_margin_percentage_on_negative_revenue(con):
    # Credits exceeding the window's shipped revenue: a margin share of it means nothing.
    _segments(con, [("h", JUN, "v2", 5, "Credits", "cluster")])
    _features(con, [("h", JUN, -20, 0, 0, 0, 1)])
    profile = _profiles(con, JUN, JUL)[(JUN, 5)]
    assert profile["net_margin"] == Decimal("-20.00")
    assert profile["net_margin_pct"] is None
    assert profile["revenue_share"] == pytest.approx(1.0)
