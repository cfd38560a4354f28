"""The Great Expectations suite on stg_erp__order_lines gates everything downstream of it."""

import dagster as dg
from conftest import CHECKS_PER_FULL_RUN, query, run_pipeline

from seg_assets.lib.project import expectations_dir
from seg_assets.lib.quality.suites import read_suite
from seg_assets.lib.warehouse import connect_warehouse, copy_warehouse

ORDER_LINES = dg.AssetKey(["staging", "stg_erp__order_lines"])
SUITE_CHECK = dg.AssetCheckKey(ORDER_LINES, "great_expectations_suite")


def _check_evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e
        for e in result.get_asset_check_evaluations()
    }


def _run_suite_and_downstream(database, landing) -> dg.ExecuteInProcessResult:
    downstream = dg.AssetSelection.assets(ORDER_LINES).downstream(include_self=False)
    return run_pipeline(
        database,
        landing,
        selection=downstream | dg.AssetSelection.checks(SUITE_CHECK),
        raise_on_error=False,
    )


def test_clean_staging_passes_every_blocking_expectation(tiny_warehouse, tmp_path):
    database, landing = tiny_warehouse
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(database, copy)
    result = run_pipeline(copy, landing, selection=dg.AssetSelection.all())
    assert result.success
    evaluations = _check_evaluations(result)
    assert len(evaluations) == CHECKS_PER_FULL_RUN
    failed = [
        name
        for name, evaluation in evaluations.items()
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert failed == []
    # The fixture's suspect values (a delivery before its ship date, a missing freight cost)
    # are kept and flagged: they fail warnings, which block nothing.
    warned = {name for name, evaluation in evaluations.items() if not evaluation.passed}
    assert "staging/stg_tms__shipments:great_expectations_suite" in warned
    suite = evaluations["staging/stg_erp__order_lines:great_expectations_suite"]
    assert suite.metadata["expectations_evaluated"].value == len(
        read_suite(expectations_dir() / "stg_erp__order_lines.json").expectations
    )


def test_passing_suite_lets_downstream_run(tiny_warehouse, tmp_path):
    database, landing = tiny_warehouse
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(database, copy)
    result = _run_suite_and_downstream(copy, landing)
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert dg.AssetKey(["marts", "fct_customer_months"]) in materialized


def test_bad_rows_in_staging_fail_the_check_and_stop_downstream(tiny_warehouse, tmp_path):
    database, landing = tiny_warehouse
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(database, copy)
    with connect_warehouse(copy) as con:
        con.execute(
            "insert into staging.stg_erp__order_lines by name"
            " select 'OL1' as order_line_id, 'SO1' as order_id, 9 as line_number,"
            " 'P001' as product_id, -5 as quantity_ordered, 1.00 as unit_price,"
            " 'injected.csv' as _source_file, 42 as _source_row"
        )
    marts_before = query(copy, "select * from marts.fct_customer_months order by all")
    result = _run_suite_and_downstream(copy, landing)
    evaluation = _check_evaluations(result)["staging/stg_erp__order_lines:great_expectations_suite"]
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    failing = evaluation.metadata["results"].value
    assert "expect_column_values_to_be_unique" in failing
    sample = evaluation.metadata["failing_rows_sample"].value
    assert "injected.csv" in sample and "42" in sample
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert materialized == set()
    assert query(copy, "select * from marts.fct_customer_months order by all") == marts_before


def test_results_are_kept_per_run_and_reported(tiny_warehouse, tmp_path):
    database, landing = tiny_warehouse
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(database, copy)
    result = run_pipeline(copy, landing, selection=dg.AssetSelection.all())
    [(runs, tables, failed)] = query(
        copy,
        "select count(distinct run_id), count(distinct table_name),"
        " count(*) filter (where not success and severity = 'error') from quality.dq_results",
    )
    assert (runs, failed) == (2, 0)
    assert tables == len(
        [e for e in result.get_asset_check_evaluations() if "suite" in e.check_name]
    )
    report = next(
        event.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.asset_key == dg.AssetKey(["quality", "dq_report"])
    )
    assert report["tables_validated"].value == tables
    assert "staging.stg_erp__order_lines" in report["report"].value
    [(latest_runs,)] = query(copy, "select count(distinct run_id) from quality.dq_latest_results")
    assert latest_runs == 1
