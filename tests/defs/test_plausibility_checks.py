"""Plausibility checks on a warehouse built from good data: a feed with swapped headers is
caught on its first run, naming the source, the column and what is off, while the good sources
pass; a refused feed does not become the baseline; link rate and row count are compared with
the previous run."""

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from conftest import query, run_pipeline

from seg_assets.defs.sources.assets import SOURCE_CONTRACTS
from seg_assets.lib.quality.source_profiles import SOURCE_PROFILES
from seg_assets.lib.warehouse import connect_warehouse, copy_warehouse

SWAPPED = {
    "crm__accounts": ("account_id", "account_name"),
    "erp__orders": ("order_id", "customer_id"),
}
STAGED = [dg.AssetKey(["staging", f"stg_{source}"]) for source in SWAPPED]
# The raw assets with their checks, and the staging tables the swapped feeds would reach.
RAW_AND_STAGED = dg.AssetSelection.groups("sources") | dg.AssetSelection.assets(*STAGED)
CROSSWALK = dg.AssetKey(["mdm", "crosswalk"])


def _swap_header(path: Path, first: str, second: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    i, j = header.index(first), header.index(second)
    header[i], header[j] = header[j], header[i]
    path.write_text(",".join(header) + "\n" + "".join(lines[1:]))


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e
        for e in result.get_asset_check_evaluations()
    }


def _baseline_run(database: Path) -> str:
    [(run_id,)] = query(database, f"select distinct run_id from {SOURCE_PROFILES}")
    return run_id


@pytest.fixture
def swapped(tiny_warehouse, tmp_path) -> dict:
    """A copy of the good tiny warehouse and a run of landing files with swapped headers."""
    database, landing = tiny_warehouse
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(database, copy)
    baseline = _baseline_run(copy)
    swapped_landing = tmp_path / "landing"
    shutil.copytree(landing, swapped_landing)
    for source, (first, second) in SWAPPED.items():
        contract = SOURCE_CONTRACTS[source]
        _swap_header(contract.landing_file(swapped_landing), first, second)
    result = run_pipeline(copy, swapped_landing, selection=RAW_AND_STAGED, raise_on_error=False)
    return {"database": copy, "landing": landing, "baseline": baseline, "result": result}


def test_swapped_headers_in_two_sources_are_caught_on_their_first_run(swapped):
    result = swapped["result"]
    evaluations = _evaluations(result)
    crm = evaluations["raw/crm__accounts:key_format"]
    assert not crm.passed and crm.severity == dg.AssetCheckSeverity.ERROR
    assert crm.description.startswith(
        "crm__accounts.account_id: 0 of 2 values (0%) match ACC-[0-9]+ (config/sources.yaml),"
        " at least 80% must; e.g. 'ALPHA FOODS' (row 1)"
    )
    assert "values of this shape are in account_name (100%): columns swapped or shifted?" in (
        crm.description
    )
    orders = evaluations["raw/erp__orders:key_format"]
    assert not orders.passed and orders.severity == dg.AssetCheckSeverity.ERROR
    assert "erp__orders.order_id: 0 of 4 values (0%) match SO[0-9]+" in orders.description
    assert "erp__orders.customer_id: 0 of 4 values (0%) match C[0-9]+" in orders.description
    assert "values of this shape are in customer_id (100%)" in orders.description
    assert orders.metadata["columns_failed"].value == 2
    # The good sources pass, against their pattern or the shape learned from the good run.
    for source in SOURCE_CONTRACTS.keys() - SWAPPED.keys():
        assert evaluations[f"raw/{source}:key_format"].passed, source
        assert evaluations[f"raw/{source}:compared_with_previous_run"].passed, source
    # The swapped feeds stop at the raw layer: nothing downstream reads them.
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert not materialized & set(STAGED)
    refused = query(
        swapped["database"],
        f"select distinct source from {SOURCE_PROFILES} where blocked order by source",
    )
    assert refused == [("crm__accounts",), ("erp__orders",)]


def test_a_refused_feed_is_not_the_next_runs_baseline(swapped):
    result = run_pipeline(swapped["database"], swapped["landing"], selection=RAW_AND_STAGED)
    evaluations = _evaluations(result)
    for source in SWAPPED:
        assert evaluations[f"raw/{source}:key_format"].passed
        compared = evaluations[f"raw/{source}:compared_with_previous_run"]
        assert compared.passed
        assert compared.metadata["previous_run"].value == swapped["baseline"]


def _with_earlier_profile(tiny_warehouse, tmp_path, source: str, measure: str, value: float):
    """A copy of the tiny warehouse whose latest profile of ``source`` had ``measure`` at
    ``value`` (a hand-made run ``earlier-run``)."""
    database, landing = tiny_warehouse
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(database, copy)
    with connect_warehouse(copy) as con:
        con.execute(
            f"insert into {SOURCE_PROFILES} values ('earlier-run', ?, ?, ?, null, null, ?, false)",
            [datetime.now(UTC) + timedelta(days=1), source, measure, value],
        )
    return copy, landing


def test_a_link_rate_off_the_previous_runs_is_reported(tiny_warehouse, tmp_path):
    copy, landing = _with_earlier_profile(tiny_warehouse, tmp_path, "erp__orders", "link_rate", 0.2)
    check = dg.AssetCheckKey(CROSSWALK, "link_rate_erp__orders")
    result = run_pipeline(copy, landing, selection=dg.AssetSelection.checks(check))
    [evaluation] = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.description == (
        "erp__orders against run earlier-: master-data link rate 0.500, previous 0.200"
        " (allowed 0.100..0.300)"
    )
    assert evaluation.metadata["previous_link_rate"].value == "0.200"
    assert evaluation.metadata["link_rate"].value == "0.500"


def test_a_row_count_off_the_previous_runs_is_reported(tiny_warehouse, tmp_path):
    copy, landing = _with_earlier_profile(
        tiny_warehouse, tmp_path, "erp__order_lines", "row_count", 100
    )
    check = dg.AssetCheckKey(dg.AssetKey(["raw", "erp__order_lines"]), "compared_with_previous_run")
    result = run_pipeline(copy, landing, selection=dg.AssetSelection.checks(check))
    [evaluation] = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.description == (
        "erp__order_lines against run earlier-: row count 6, previous 100 (allowed 50..150)"
    )
    assert evaluation.metadata["previous_row_count"].value == 100
