"""Smoke test of the serving benchmark on the tiny warehouse, so it does not rot."""

import pytest

from seg_assets.bench.serving import VARIANTS, run_serving_bench, serving_table
from seg_assets.lib.warehouse import copy_warehouse


@pytest.mark.parametrize("cold", [False, True])
def test_every_publish_variant_runs_and_is_sized(tiny_warehouse, tmp_path, cold):
    warehouse = tmp_path / "warehouse.duckdb"
    copy_warehouse(tiny_warehouse[0], warehouse)
    results = run_serving_bench(warehouse, 1, tmp_path / "serving", cold=cold)
    assert results["page_cache"] == ("cold" if cold else "warm")
    variants = results["variants"]
    assert set(variants) == set(VARIANTS)
    assert all(v["outcomes"] == ["ok"] for v in variants.values())
    # The byte copy is the whole warehouse; the curated file is smaller, the export extra.
    assert variants["full_copy"]["serving_bytes"] == results["warehouse_bytes"]
    assert variants["curated"]["serving_bytes"] < results["warehouse_bytes"]
    assert variants["curated"]["parquet_bytes"] == 0
    assert variants["curated_parquet"]["parquet_bytes"] > 0
    assert "curated_parquet" in serving_table(results)


def test_a_failed_variant_shows_its_failure_not_figures(tiny_warehouse, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    copy_warehouse(tiny_warehouse[0], warehouse)
    results = run_serving_bench(warehouse, 1, tmp_path / "serving")
    results["variants"]["curated"]["outcomes"] = ["failed (exit 1): no such table"]
    [curated] = [line for line in serving_table(results).splitlines() if "| curated |" in line]
    cells = [cell.strip() for cell in curated.strip().strip("|").split("|")]
    assert cells[1:] == ["failed (exit 1): no such table", "-", "-", "-", "-", "-"]
