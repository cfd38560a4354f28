"""Great Expectations validation of warehouse tables: whole or in bounded batches, same
verdicts; suite files checked on read; parameters computed from settings and data; history."""

import json
from datetime import date

import duckdb
import pytest

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.quality.dq_results import previous_rows_validated, record_outcome
from seg_assets.lib.quality.frames import Scope
from seg_assets.lib.quality.suite_parameters import resolve_parameters
from seg_assets.lib.quality.suites import SuiteExpectation, read_suite
from seg_assets.lib.quality.validation import BatchLimits, validate_suite

TABLE = "staging.stg_erp__order_lines"
THRESHOLDS = {"robust_z": 3.5, "band": 0.5, "max_missing": 0.25, "outlier_min_values": 30}
ONE_FRAME = BatchLimits(rows=10**9, unique_rows=10**9)


def _expectation(kind: str, severity: str = "error", **kwargs: object) -> dict:
    return {"type": kind, "kwargs": kwargs, "meta": {"severity": severity}}


def _write_suite(path, expectations, parameters=None):
    path.write_text(
        json.dumps(
            {
                "name": "lines",
                "meta": {"parameters": parameters or {}},
                "expectations": expectations,
            }
        )
    )
    return read_suite(path)


@pytest.mark.parametrize(
    ("kind", "group"),
    [
        ("expect_column_values_to_not_be_null", "rows"),
        ("expect_column_values_to_be_between", "rows"),
        ("expect_column_pair_values_a_to_be_greater_than_b", "rows"),
        ("expect_column_values_to_be_unique", "unique"),
        ("expect_compound_columns_to_be_unique", "unique"),
        ("expect_column_values_to_be_increasing", "whole"),
        ("expect_column_values_to_not_be_outliers", "whole"),
        ("expect_column_proportion_of_non_null_values_to_be_between", "whole"),
        ("expect_table_row_count_to_be_between", "whole"),
    ],
)
def test_expectations_are_grouped_by_how_many_rows_they_must_see(kind, group):
    assert SuiteExpectation(0, kind, {}, {"severity": "warn"}).group == group


def test_a_suite_needs_severities_and_declared_parameters(tmp_path):
    path = tmp_path / "suite.json"
    with pytest.raises(SegAssetsError, match=r"suite.json: expectation 1 .*meta.severity"):
        _write_suite(
            path, [_expectation("expect_column_values_to_not_be_null", "fatal", column="a")]
        )
    bounded = _expectation(
        "expect_column_values_to_be_between", column="a", max_value={"$PARAMETER": "top"}
    )
    with pytest.raises(SegAssetsError, match=r"parameter.*top not declared"):
        _write_suite(path, [bounded])
    with pytest.raises(SegAssetsError, match="parameter 'top' must be declared as one of"):
        _write_suite(path, [bounded], {"top": {"guess": 3}})


@pytest.fixture
def order_lines(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema staging")
        # 5,000 lines over two months: every 997th repeats an earlier ID (far apart, in other
        # batches), every 501st has quantity 0, every 1,999th has no product, every 10th no
        # promised date, and line 4,321 orders 500 units where the others order 1 to 7.
        con.execute(
            f"""
            create table {TABLE} as
            select
                'OL' || case when i % 997 = 0 then i - 900 else i end as order_line_id,
                case when i % 1999 = 0 then null else 'P' || (i % 50) end as product_id,
                cast(case when i = 4321 then 500 when i % 501 = 0 then 0 else 1 + i % 7 end
                    as integer) as quantity_ordered,
                cast(1 + i % 13 as decimal(18, 2)) as unit_price,
                case when i % 10 = 0 then null else date '2025-01-01' + cast(i % 59 as integer) end
                    as promised_date,
                'order_lines.csv' as _source_file,
                i as _source_row,
            from range(1, 5001) as t(i)
            """
        )
        con.execute(
            "create table staging.stg_erp__products as"
            " select 'P' || i as product_id from range(0, 40) as t(i)"
        )
        yield con


@pytest.fixture
def full_suite(tmp_path):
    return _write_suite(
        tmp_path / "lines.json",
        [
            _expectation("expect_column_values_to_not_be_null", column="order_line_id"),
            _expectation("expect_column_values_to_be_unique", column="order_line_id"),
            _expectation(
                "expect_column_values_to_be_between", column="quantity_ordered", min_value=1
            ),
            _expectation(
                "expect_column_values_to_not_be_in_set",
                column="product_id",
                value_set={"$PARAMETER": "unknown_products"},
            ),
            _expectation(
                "expect_column_values_to_be_between",
                "warn",
                column="quantity_ordered",
                max_value={"$PARAMETER": "quantity_outlier_max"},
            ),
            _expectation(
                "expect_column_proportion_of_non_null_values_to_be_between",
                column="promised_date",
                min_value={"$PARAMETER": "min_present"},
            ),
            _expectation(
                "expect_table_row_count_to_be_between",
                "warn",
                min_value={"$PARAMETER": "rows_min"},
                max_value={"$PARAMETER": "rows_max"},
            ),
        ],
        {
            "unknown_products": {
                "values_missing_from": {
                    "column": "product_id",
                    "reference": "staging.stg_erp__products.product_id",
                }
            },
            "quantity_outlier_max": {
                "robust_z_bound": {"column": "quantity_ordered", "side": "max", "z": "robust_z"}
            },
            "min_present": {"setting": "max_missing"},
            "rows_min": {"previous_row_count": {"side": "min", "band": "band"}},
            "rows_max": {"previous_row_count": {"side": "max", "band": "band"}},
        },
    )


def _verdicts(outcome):
    return [
        (o.expectation, o.column, o.success, o.unexpected_count, o.element_count)
        for o in outcome.outcomes
    ]


def test_parameters_come_from_settings_data_and_history(order_lines, full_suite):
    parameters = resolve_parameters(order_lines, full_suite, Scope(TABLE), THRESHOLDS, 8000)
    assert parameters["unknown_products"] == sorted(f"P{i}" for i in range(40, 50))
    assert parameters["min_present"] == 0.25
    assert (parameters["rows_min"], parameters["rows_max"]) == (4000, 12000)
    # Quantities 1..7 spread evenly (plus a few 0s and one 500): median 4, MAD 2.
    assert parameters["quantity_outlier_max"] == pytest.approx(4 + 3.5 * 1.4826 * 2)
    first_run = resolve_parameters(order_lines, full_suite, Scope(TABLE), THRESHOLDS, None)
    assert (first_run["rows_min"], first_run["rows_max"]) == (0, None)


def test_batched_validation_matches_whole_table_validation(order_lines, full_suite):
    # The previous run had 20,000 lines: 5,000 is below the band's 10,000.
    parameters = resolve_parameters(order_lines, full_suite, Scope(TABLE), THRESHOLDS, 20_000)
    whole = validate_suite(order_lines, full_suite, Scope(TABLE), parameters, ONE_FRAME)
    for limits in (BatchLimits(400, unique_rows=10**9), BatchLimits(400, unique_rows=400)):
        batched = validate_suite(order_lines, full_suite, Scope(TABLE), parameters, limits)
        assert _verdicts(batched) == _verdicts(whole)
    counts = {(o.expectation, o.column, o.severity): o.unexpected_count for o in whole.outcomes}
    assert counts[("expect_column_values_to_be_unique", "order_line_id", "error")] == 2 * 5
    assert counts[("expect_column_values_to_be_between", "quantity_ordered", "error")] == 9
    # P40..P49 are unknown products: 10 of every 50 lines with a product.
    assert counts[("expect_column_values_to_not_be_in_set", "product_id", "error")] == 998
    assert counts[("expect_column_values_to_be_between", "quantity_ordered", "warn")] == 1
    assert [o.expectation for o in whole.failed_warnings] == [
        "expect_column_values_to_be_between",
        "expect_table_row_count_to_be_between",
    ]
    present = next(o for o in whole.outcomes if o.column == "promised_date")
    assert present.success and present.observed_value == pytest.approx(0.9)
    failing = next(o for o in batched.outcomes if o.unexpected_count == 9)
    assert {row["_source_row"] for row in failing.failing_rows} <= {501 * k for k in range(1, 10)}
    assert all(row["_source_file"] == "order_lines.csv" for row in failing.failing_rows)


def test_a_month_scope_validates_only_that_month(order_lines, full_suite):
    scope = Scope(
        TABLE,
        "promised_date >= $month_start and promised_date < $month_end",
        {"month_start": date(2025, 2, 1), "month_end": date(2025, 3, 1)},
    )
    parameters = resolve_parameters(order_lines, full_suite, scope, THRESHOLDS, None)
    outcome = validate_suite(order_lines, full_suite, scope, parameters, ONE_FRAME)
    [(expected,)] = order_lines.execute(
        f"select count(*) from {TABLE} where promised_date >= '2025-02-01'"
    ).fetchall()
    assert outcome.rows_validated == expected
    assert outcome.scope == "2025-02-01..2025-03-01"


def test_results_are_kept_per_run_and_give_the_previous_row_count(order_lines, full_suite):
    parameters = resolve_parameters(order_lines, full_suite, Scope(TABLE), THRESHOLDS, None)
    outcome = validate_suite(order_lines, full_suite, Scope(TABLE), parameters, ONE_FRAME)
    record_outcome(order_lines, "run-1", outcome)
    record_outcome(order_lines, "run-1", outcome)  # a retry replaces, never doubles
    assert previous_rows_validated(order_lines, TABLE, "run-2") == 5000
    assert previous_rows_validated(order_lines, TABLE, "run-1") is None
    [(rows, failed)] = order_lines.execute(
        "select count(*), count(*) filter (where not success) from quality.dq_results"
    ).fetchall()
    assert (rows, failed) == (7, 4)
