"""Every staging table and the order-line mart have a Great Expectations suite whose check gates
what comes after: a failed `error` expectation blocks downstream assets, a `warn` one is only
reported. Real Dagster runs on copies of the tiny warehouse."""

from pathlib import Path

import dagster as dg
import pytest
from conftest import one_month_tags, run_pipeline

from seg_assets.definitions import defs
from seg_assets.defs.sql_model_assets import all_models, models_in_schema
from seg_assets.lib.project import expectations_dir
from seg_assets.lib.quality.suites import read_suite
from seg_assets.lib.warehouse import connect_warehouse, copy_warehouse

CHECK = "great_expectations_suite"
SUITE_PATHS = sorted(expectations_dir().glob("*.json"))
ASSET_KEYS = {model.name: dg.AssetKey([model.schema, model.name]) for model in all_models()}
INJECTED_ROW = 4242


def _check_key(table: str) -> dg.AssetCheckKey:
    return dg.AssetCheckKey(ASSET_KEYS[table], CHECK)


def _copy(tiny_warehouse, tmp_path: Path) -> tuple[Path, Path]:
    database, landing = tiny_warehouse
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(database, copy)
    return copy, landing


def _execute(database: Path, *statements: str) -> None:
    with connect_warehouse(database) as con:
        for statement in statements:
            con.execute(statement)


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        e.asset_key.path[-1]: e
        for e in result.get_asset_check_evaluations()
        if e.check_name == CHECK
    }


def _failed(evaluation: dg.AssetCheckEvaluation) -> set[tuple[str, str, str]]:
    """(expectation, column, severity) of every failed row of the check's results table."""
    lines = evaluation.metadata["results"].value.splitlines()[2:]
    rows = [line.strip("| ").split(" | ") for line in lines]
    return {(row[0], row[1], row[2]) for row in rows if row[3] == "**no**"}


def _failed_kinds(evaluation: dg.AssetCheckEvaluation) -> set[tuple[str, str]]:
    """(expectation, severity) of every failed expectation, for those naming no single column."""
    return {(expectation, severity) for expectation, _, severity in _failed(evaluation)}


def _materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


def _run_check_and_downstream(database, landing, table, tags=None) -> dg.ExecuteInProcessResult:
    downstream = dg.AssetSelection.assets(ASSET_KEYS[table]).downstream(include_self=False)
    return run_pipeline(
        database,
        landing,
        tags=tags,
        selection=downstream | dg.AssetSelection.checks(_check_key(table)),
        raise_on_error=False,
    )


def test_every_staging_table_and_the_order_line_mart_have_a_suite_check():
    staging = {model.name for model in models_in_schema("staging")}
    assert len(staging) == 13
    assert {path.stem for path in SUITE_PATHS} == staging | {"fct_order_lines"}
    check_keys = {key for check in defs.asset_checks for key in check.check_keys}
    assert {_check_key(path.stem) for path in SUITE_PATHS} <= check_keys


@pytest.mark.parametrize("path", SUITE_PATHS, ids=lambda path: path.stem)
def test_suites_are_built_in_expectations_each_with_a_severity_and_a_reason(path):
    import great_expectations as gx

    suite = read_suite(path)
    assert suite.name == path.stem and suite.description
    # Great Expectations rejects unknown expectation types and unknown or invalid kwargs.
    gx.ExpectationSuite(name=suite.name, expectations=[e.as_config() for e in suite.expectations])
    for expectation in suite.expectations:
        why = expectation.meta.get("why", "")
        assert why and "\n" not in why, f"{path.name}: expectation {expectation.index + 1}"
    assert {e.severity for e in suite.expectations} == {"error", "warn"}


def test_the_tiny_fixture_passes_every_error_expectation(tiny_warehouse, tmp_path):
    database, landing = _copy(tiny_warehouse, tmp_path)
    checks = dg.AssetSelection.checks(*(_check_key(path.stem) for path in SUITE_PATHS))
    evaluations = _evaluations(run_pipeline(database, landing, selection=checks))
    assert set(evaluations) == {path.stem for path in SUITE_PATHS}
    for table, evaluation in evaluations.items():
        assert evaluation.metadata["errors_failed"].value == 0, (table, _failed(evaluation))
        assert evaluation.passed or evaluation.severity == dg.AssetCheckSeverity.WARN
    # The fixture's planted suspects are reported, not blocked: an order requested before it
    # was placed, and one shipment of two without a freight cost.
    assert ("expect_column_pair_values_a_to_be_greater_than_b", "warn") in _failed_kinds(
        evaluations["stg_erp__orders"]
    )
    assert (
        "expect_column_mean_to_be_between",
        "is_freight_cost_missing",
        "warn",
    ) in _failed(evaluations["stg_tms__shipments"])


def _like(table: str, key: str, value: str, **replaced: object) -> str:
    """Insert a copy of one row of ``table`` with some columns replaced (SQL literals)."""
    replace = ", ".join(f"{literal} as {column}" for column, literal in replaced.items())
    return (
        f"insert into {table} select * replace ({replace}, {INJECTED_ROW} as _source_row)"
        f" from {table} where {key} = '{value}'"
    )


@pytest.mark.parametrize(
    ("table", "statement", "failure"),
    [
        pytest.param(
            "stg_erp__orders",
            _like(
                "staging.stg_erp__orders",
                "order_id",
                "SO1",
                order_id="'SO9'",
                customer_id="'C404'",
            ),
            ("expect_column_values_to_not_be_in_set", "customer_id", "error"),
            id="order-of-an-unknown-customer",
        ),
        pytest.param(
            "stg_finance__cost_pools",
            _like("staging.stg_finance__cost_pools", "cost_pool_id", "CP1", cost_pool_id="'CP9'"),
            ("expect_compound_columns_to_be_unique", "error"),
            id="pool-booked-twice-in-a-month",
        ),
        pytest.param(
            "stg_tms__shipments",
            _like(
                "staging.stg_tms__shipments",
                "shipment_id",
                "SH1",
                shipment_id="'SH9'",
                delivery_date="date '2024-11-01'",
            ),
            ("expect_column_pair_values_a_to_be_greater_than_b", "error"),
            id="trusted-delivery-before-shipping",
        ),
    ],
)
def test_a_failed_error_expectation_fails_the_check_and_blocks_downstream(
    tiny_warehouse, tmp_path, table, statement, failure
):
    database, landing = _copy(tiny_warehouse, tmp_path)
    _execute(database, statement)
    result = _run_check_and_downstream(database, landing, table)
    evaluation = _evaluations(result)[table]
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.metadata["errors_failed"].value == 1
    assert failure in (_failed(evaluation) if len(failure) == 3 else _failed_kinds(evaluation))
    assert str(INJECTED_ROW) in evaluation.metadata["failing_rows_sample"].value
    assert _materialized(result) == set()


def test_a_failed_warning_is_reported_without_blocking_downstream(tiny_warehouse, tmp_path):
    database, landing = _copy(tiny_warehouse, tmp_path)
    # Selling below standard cost: suspicious, not impossible.
    _execute(
        database, "update staging.stg_erp__products set unit_cost = 12.00 where product_id = 'P001'"
    )
    result = _run_check_and_downstream(database, landing, "stg_erp__products")
    evaluation = _evaluations(result)["stg_erp__products"]
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.metadata["errors_failed"].value == 0
    assert _failed_kinds(evaluation) == {
        ("expect_column_pair_values_a_to_be_greater_than_b", "warn")
    }
    assert ASSET_KEYS["fct_customer_months"] in _materialized(result)


def test_the_mart_check_validates_only_the_runs_month(tiny_warehouse, tmp_path):
    database, landing = _copy(tiny_warehouse, tmp_path)
    # Negative freight on a third November line; December (one line, OL3) gets five more copies
    # of its line: six lines against November's three is beyond the 50 % band, only reported.
    _execute(
        database,
        _like(
            "marts.fct_order_lines",
            "order_line_id",
            "OL1",
            order_line_id="'OL9'",
            freight_cost="-1.00",
        ),
        *(
            _like("marts.fct_order_lines", "order_line_id", "OL3", order_line_id=f"'OL3{n}'")
            for n in "abcde"
        ),
    )
    december = _run_check_and_downstream(
        database, landing, "fct_order_lines", one_month_tags("2024-12-01")
    )
    evaluation = _evaluations(december)["fct_order_lines"]
    assert evaluation.metadata["scope"].value == "2024-12-01..2025-01-01"
    assert evaluation.metadata["rows_validated"].value == 6
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    # OL3's order was requested before it was placed: a planted suspect, reported too.
    assert _failed_kinds(evaluation) == {
        ("expect_table_row_count_to_be_between", "warn"),
        ("expect_column_pair_values_a_to_be_greater_than_b", "warn"),
    }
    assert ASSET_KEYS["fct_customer_months"] in _materialized(december)

    november = _run_check_and_downstream(
        database, landing, "fct_order_lines", one_month_tags("2024-11-01")
    )
    evaluation = _evaluations(november)["fct_order_lines"]
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert ("expect_column_values_to_be_between", "freight_cost", "error") in _failed(evaluation)
    assert _materialized(november) == set()
