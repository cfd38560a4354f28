"""The pipeline on a small generated data set: checks pass, totals reconcile with the landing
files, planted faults land in quarantine with the right rules, and month reruns are exact."""

from decimal import Decimal
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from conftest import (
    CHECKS_PER_FULL_RUN,
    generated_warehouse,
    one_month_tags,
    query,
    run_pipeline,
)

from seg_assets.definitions import defs
from seg_assets.lib.warehouse import connect_warehouse, copy_warehouse

MONTH = "2025-01-01"
MONTH_FACTS = dg.AssetSelection.assets(
    dg.AssetKey(["marts", "fct_order_lines"]), dg.AssetKey(["marts", "fct_customer_months"])
)


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """300 customers over 6 months, fully materialized once; tests must only read it."""
    return generated_warehouse(
        tmp_path_factory.mktemp("generated"), customers=300, months=6, order_lines=20_000
    )


def test_every_asset_materializes_and_no_blocking_check_fails(generated):
    result = generated["result"]
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert materialized == {spec.key for spec in defs.resolve_all_asset_specs()}
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == CHECKS_PER_FULL_RUN
    # Planted suspect values fail warnings (see below), which block nothing.
    blocking = [e.asset_key for e in evaluations if not e.passed and e.severity.value == "ERROR"]
    assert blocking == []


def _file_order_line_totals(landing: Path) -> tuple[int, int, Decimal]:
    lines = pl.read_csv(landing / "erp" / "order_lines.csv", infer_schema=False)
    parsed = lines.select(
        pl.col("quantity_ordered").cast(pl.Int64),
        pl.col("unit_price").cast(pl.Decimal(18, 2)),
    )
    revenue = parsed.select((pl.col("quantity_ordered") * pl.col("unit_price")).sum()).item()
    return lines.height, int(parsed["quantity_ordered"].sum()), Decimal(revenue)


def test_mart_totals_reconcile_with_the_landing_file(generated):
    database = generated["database"]
    rows_in_file, units_in_file, revenue_in_file = _file_order_line_totals(generated["landing"])
    [(mart_lines, mart_units, mart_revenue)] = query(
        database,
        "select sum(order_lines), sum(ordered_units), sum(ordered_revenue)"
        " from marts.fct_customer_months",
    )
    [(staged_out, staged_units, staged_revenue)] = query(
        database,
        "select count(*), coalesce(sum(quantity_ordered), 0),"
        " coalesce(sum(quantity_ordered * unit_price), 0) from quarantine.stg_erp__order_lines",
    )
    [(raw_out, raw_units, raw_revenue)] = query(
        database,
        "select count(*), coalesce(sum(cast(quantity_ordered as integer)), 0),"
        " coalesce(sum(cast(quantity_ordered as integer) * cast(unit_price as decimal(18, 2))), 0)"
        " from quarantine.erp__order_lines",
    )
    assert mart_lines > 0.9 * rows_in_file
    assert rows_in_file == mart_lines + staged_out + raw_out
    assert units_in_file == mart_units + staged_units + raw_units
    assert revenue_in_file == mart_revenue + staged_revenue + raw_revenue


def test_shipped_units_in_the_mart_match_the_tms_file(generated):
    shipment_lines = pl.read_parquet(generated["landing"] / "tms" / "shipment_lines.parquet")
    kept_lines = pl.DataFrame(
        query(generated["database"], "select order_line_id from marts.fct_order_lines"),
        schema=["order_line_id"],
        orient="row",
    )
    shipped_in_file = shipment_lines.join(kept_lines, on="order_line_id")["quantity_shipped"].sum()
    [(shipped_in_mart,)] = query(
        generated["database"], "select sum(shipped_units) from marts.fct_customer_months"
    )
    assert shipped_in_mart == shipped_in_file


def _planted(truth: Path, fault: str) -> list[int]:
    faults = pl.read_csv(truth / "planted_faults.csv")
    return sorted(faults.filter(pl.col("fault") == fault)["source_row"].to_list())


@pytest.mark.parametrize(
    ("fault", "table", "rule"),
    [
        ("duplicate_order_line", "stg_erp__order_lines", "duplicate_key"),
        ("nonpositive_quantity", "stg_erp__order_lines", "nonpositive_quantity"),
        ("unparseable_promised_date", "erp__order_lines", "invalid_type"),
        ("unknown_customer_id", "stg_erp__orders", "unknown_customer"),
        ("missing_order_date", "stg_erp__orders", "missing_order_date"),
    ],
)
def test_planted_row_faults_are_quarantined_by_the_right_rule(generated, fault, table, rule):
    planted = _planted(generated["truth"], fault)
    quarantined = [
        row
        for (row,) in query(
            generated["database"],
            f"select _source_row from quarantine.{table} where quarantine_rule = ? order by 1",
            [rule],
        )
    ]
    assert planted, f"no {fault} planted at this scale"
    assert quarantined == planted


@pytest.mark.parametrize(
    ("fault", "flag"),
    [
        ("missing_freight_cost", "is_freight_cost_missing"),
        ("delivery_before_ship", "is_delivery_before_ship"),
    ],
)
def test_planted_suspect_values_are_kept_and_flagged(generated, fault, flag):
    flagged = [
        row
        for (row,) in query(
            generated["database"],
            f"select _source_row from staging.stg_tms__shipments where {flag} order by 1",
        )
    ]
    assert flagged == _planted(generated["truth"], fault)


@pytest.mark.parametrize(
    ("fault", "table", "expectation", "columns"),
    [
        (
            "delivery_before_ship",
            "staging.stg_tms__shipments",
            "expect_column_pair_values_a_to_be_greater_than_b",
            "source_delivery_date, ship_date",
        ),
        (
            "requested_before_order",
            "staging.stg_erp__orders",
            "expect_column_pair_values_a_to_be_greater_than_b",
            "requested_delivery_date, order_date",
        ),
    ],
)
def test_planted_suspect_values_fail_their_warning_at_the_planted_rate(
    generated, fault, table, expectation, columns
):
    [(severity, success, failing)] = query(
        generated["database"],
        "select severity, success, unexpected_count from quality.dq_results"
        " where table_name = ? and expectation = ? and column_name = ?",
        [table, expectation, columns],
    )
    assert (severity, success) == ("warn", False)
    assert failing == len(_planted(generated["truth"], fault))


def test_missing_freight_share_is_measured_against_its_threshold(generated):
    [(shipments,)] = query(generated["database"], "select count(*) from staging.stg_tms__shipments")
    [(success, observed)] = query(
        generated["database"],
        "select success, cast(observed_value as double) from quality.dq_results"
        " where table_name = 'staging.stg_tms__shipments'"
        " and column_name = 'is_freight_cost_missing'",
    )
    planted = len(_planted(generated["truth"], "missing_freight_cost"))
    assert observed == pytest.approx(planted / shipments)
    assert success  # 3% planted, below the 5% threshold of config/quality.yaml


def test_sloppy_customer_ids_resolve_to_the_master(generated):
    planted = set(_planted(generated["truth"], "inconsistent_customer_id_format"))
    resolved = {
        row
        for (row,) in query(
            generated["database"],
            "select _source_row from staging.stg_erp__orders"
            " where customer_id <> source_customer_id",
        )
    }
    assert planted and planted <= resolved


def test_rerunning_a_month_rewrites_only_that_month(generated, tmp_path):
    database = tmp_path / "warehouse.duckdb"
    copy_warehouse(generated["database"], database)
    facts = "select * from marts.fct_customer_months order by all"
    before = query(database, facts)
    with connect_warehouse(database) as con:
        # Tamper with one row inside the month and one outside: only the first is rebuilt.
        con.execute(
            "update marts.fct_customer_months set orders = -1 where order_month = ?", [MONTH]
        )
        con.execute(
            "update marts.fct_customer_months set orders = -2 where order_month = ?", ["2025-02-01"]
        )
    run_pipeline(database, generated["landing"], tags=one_month_tags(MONTH), selection=MONTH_FACTS)
    after = query(database, facts)
    assert query(database, "select count(*) from marts.fct_customer_months where orders = -1") == [
        (0,)
    ]
    [(tampered_elsewhere,)] = query(
        database, "select count(*) from marts.fct_customer_months where orders = -2"
    )
    assert tampered_elsewhere > 0
    restore = [row for row in before if str(row[1]) != "2025-02-01"]
    assert [row for row in after if str(row[1]) != "2025-02-01"] == restore


def test_every_fact_row_maps_to_one_golden_customer_and_duplicates_merge(generated):
    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in generated["result"].get_asset_check_evaluations()
    }
    keyed = [key for key, check in evaluations if check == "maps_to_one_golden_customer"]
    assert {
        "marts/fct_order_lines",
        "marts/fct_customer_months",
        "marts/fct_customer_cost_to_serve_months",
        "marts/fct_customer_profitability_months",
        "marts/fct_customer_classes",
        "marts/fct_customer_features",
        "marts/fct_customer_tiers",
    } <= set(keyed)
    assert all(evaluations[(key, "maps_to_one_golden_customer")].passed for key in keyed)
    truth = pl.read_csv(generated["truth"] / "customer_crosswalk.csv").filter(
        pl.col("source_system") == "erp"
    )
    lines = pl.DataFrame(
        query(generated["database"], "select customer_id, customer_key from marts.fct_order_lines"),
        schema=["source_id", "customer_key"],
        orient="row",
    ).join(truth, on="source_id")
    # Orders placed under a customer's duplicate ERP account land on the same golden customer.
    merged = lines.filter(pl.col("customer_key") != "erp:" + pl.col("source_id"))
    assert merged.height > 0
    pairs = lines.select("customer_key", "true_customer_id").unique()
    assert pairs["customer_key"].n_unique() == pairs["true_customer_id"].n_unique() == pairs.height


def test_a_line_whose_customer_has_no_golden_record_is_quarantined(generated, tmp_path):
    database = tmp_path / "warehouse.duckdb"
    copy_warehouse(generated["database"], database)
    month = "select count(*) from marts.fct_order_lines where order_month = ?"
    [(lines_before,)] = query(database, month, [MONTH])
    [(customer, lines)] = query(
        database,
        "select customer_id, count(*) from marts.fct_order_lines where order_month = ?"
        " group by all order by 2 desc, 1 limit 1",
        [MONTH],
    )
    with connect_warehouse(database) as con:
        con.execute("delete from mdm.crosswalk where record_id = ?", [f"erp:{customer}"])
    result = run_pipeline(
        database, generated["landing"], tags=one_month_tags(MONTH), selection=MONTH_FACTS
    )
    assert result.success
    assert query(
        database,
        "select count(*), min(quarantine_reason) from quarantine.fct_order_lines"
        " where quarantine_rule = 'unmapped_customer' and customer_id = ?",
        [customer],
    ) == [(lines, "The order's ERP customer has no golden customer in mdm.crosswalk, so the"
          " line cannot be attributed to a customer.")]  # fmt: skip
    [(lines_after,)] = query(database, month, [MONTH])
    assert lines_after == lines_before - lines
