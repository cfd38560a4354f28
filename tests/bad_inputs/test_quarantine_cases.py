"""Bad rows in a readable file: quarantined with the right rule and reason, every row accounted
for, and the good rows going on to a republished serving file."""

import pytest
from conftest import query
from corpus import (
    Case,
    assert_republished,
    cases,
    data_rows_in_file,
    failed_checks,
    run_case,
    table_rows,
)

from seg_assets.defs.sources.assets import SOURCE_CONTRACTS
from seg_assets.lib.pipeline_settings import load_quarantine_rules


def _quarantined(database, table: str, rule: str) -> list[tuple[str | None, str]]:
    key = SOURCE_CONTRACTS[table.removeprefix("stg_")].key
    return query(
        database,
        f"select {key}, quarantine_reason from quarantine.{table}"
        " where quarantine_rule = ? order by _source_row",
        [rule],
    )


@pytest.mark.parametrize("case", cases("quarantine"))
def test_bad_rows_are_quarantined_and_the_good_rows_go_on(case: Case, tiny_warehouse, tmp_path):
    run = run_case(case, tiny_warehouse, tmp_path)
    assert run.result.success
    assert failed_checks(run.result) == []
    for expected in case.expect:
        rows = _quarantined(run.database, expected["table"], expected["rule"])
        if "reasons" in expected:
            assert rows == list(expected["reasons"].items())
        else:
            catalogued = load_quarantine_rules()[expected["rule"]]
            assert rows == [(key, catalogued) for key in expected["keys"]]
    for contract in case.sources:
        raw = table_rows(run.database, f"raw.{contract.name}")
        raw_out = table_rows(run.database, f"quarantine.{contract.name}")
        staged = table_rows(run.database, f"staging.stg_{contract.name}")
        staged_out = table_rows(run.database, f"quarantine.stg_{contract.name}")
        assert data_rows_in_file(contract, run.landing) == raw + raw_out
        assert raw == staged + staged_out
        assert staged > 0
    assert run.serving.read_bytes() != run.published_before
    # The good rows go on: the republished file mirrors the warehouse's marts (staging itself
    # is working data and never served).
    assert_republished(run)
