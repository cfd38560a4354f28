"""Inputs that differ from the contract in harmless ways: the run succeeds, the values reach
staging and the facts, and extra columns are reported as ignored."""

import pytest
from conftest import query
from corpus import (
    Case,
    assert_republished,
    cases,
    failed_checks,
    reads_served_tables_only,
    run_case,
)

from seg_assets.defs.sources.assets import raw_asset_key


@pytest.mark.parametrize("case", cases("ok"))
def test_the_rows_load_and_reach_staging(case: Case, tiny_warehouse, tmp_path):
    run = run_case(case, tiny_warehouse, tmp_path)
    assert run.result.success
    assert failed_checks(run.result) == []
    ignored = {
        event.asset_key: event.materialization.metadata["ignored_columns"].value
        for event in run.result.get_asset_materialization_events()
        if "ignored_columns" in event.materialization.metadata
    }
    for source, columns in case.expect.get("ignored_columns", {}).items():
        assert ignored[raw_asset_key(source)] == columns
    for check in case.expect["queries"]:
        expected = [tuple(row) for row in check["rows"]]
        assert query(run.database, check["sql"]) == expected
        # Staging is working data, not served: there the republished file must mirror the
        # warehouse it was published from (assert_republished), marts and all.
        if reads_served_tables_only(check["sql"]):
            assert query(run.serving, check["sql"]) == expected
    assert_republished(run)
