"""Smoke test of the benchmark harness at a tiny scale, so it does not rot between bench runs."""

import json

import pytest

from seg_assets.bench.automation import (
    CHANGED_TICK,
    PROBES,
    automation_table,
    run_automation_bench,
)
from seg_assets.bench.master_data import mdm_table, run_mdm_scaling
from seg_assets.bench.measure import measure
from seg_assets.bench.runner import WORKLOADS, results_table, run_scale, write_results
from seg_assets.bench.scales import Scale
from seg_assets.bench.series import growth_slope, series_summary
from seg_assets.bench.workloads import bare_steps
from seg_assets.lib.bare_duckdb import run_order

TINY = Scale("smoke", 60, 2, 1_500)
# Segmentation needs 12 months of history: fourteen months give a published month to drift.
TINY_YEAR = Scale("smoke-year", 300, 14, 23_000)


def test_every_workload_runs_and_the_results_carry_the_agreed_keys(tmp_path, monkeypatch):
    monkeypatch.setattr("seg_assets.bench.scales.CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr("seg_assets.bench.runner.RESULTS_DIR", tmp_path / "results")
    results = run_scale(TINY, 1, tmp_path / "work", log=lambda _: None)
    for workload in WORKLOADS:
        assert results["workloads"][workload]["outcome"] == "ok", (workload, results["runs"])
    for key in (
        "order_lines",
        "customers",
        "dagster_full_s",
        "bare_duckdb_s",
        "pandas_s",
        "partition_s",
        "dagster_peak_rss_bytes",
    ):
        assert results[key], key
    assert results["order_lines"] > 1_000
    assert results["warehouse_bytes"] > 0
    # Each child's own peak memory: at least an interpreter with DuckDB or pandas loaded.
    for workload in WORKLOADS:
        assert results["workloads"][workload]["median_peak_rss_bytes"] > 50 * 2**20, workload
    assert results["partition_s"] < results["dagster_full_s"]
    # Dagster workloads split their time into asset steps, validation and conservation checks.
    full = results["workloads"]["dagster_full"]
    assert full["asset_steps_s"] > 0 and full["validation_s"] > 0
    assert full["asset_steps_s"] + full["validation_s"] < full["median_s"]
    [steps] = results["step_seconds"]["dagster_full"]
    assert "staging__stg_erp__order_lines_great_expectations_suite" in steps
    path = write_results(results, "smoke")
    assert json.loads(path.read_text())["partition_s"] == results["partition_s"]
    table = results_table(results)
    assert "| bare_duckdb |" in table and "1.00x" in table


def test_bare_runs_put_the_master_data_steps_where_the_sql_needs_them(tmp_path):
    mart_path = [
        step.name for step in run_order(bare_steps(tmp_path), {"marts.fct_customer_months"})
    ]
    assert (
        mart_path.index("mdm.customer_source_records")
        < mart_path.index("match_records")
        < mart_path.index("publish_crosswalk")
        < mart_path.index("marts.fct_order_lines")
        < mart_path.index("marts.fct_customer_months")
    )
    # The mart needs the crosswalk, not the hierarchy, the golden records or unrelated sources.
    for unneeded in ("publish_hierarchy", "mdm.dim_customer_golden", "raw.wms__activity"):
        assert unneeded not in mart_path
    full = [step.name for step in run_order(bare_steps(tmp_path))]
    assert len(full) == len(set(full)) == len(bare_steps(tmp_path))
    assert full.index("publish_hierarchy") < full.index("marts.fct_customer_group_months")
    assert full.index("publish_hierarchy") < full.index("record_steward_audit")


def test_master_data_scaling_reports_time_memory_and_match_quality(tmp_path, monkeypatch):
    monkeypatch.setattr("seg_assets.bench.scales.CACHE_DIR", tmp_path / "cache")
    results = run_mdm_scaling([300], 1, tmp_path / "work", log=lambda _: None)
    [size] = results["sizes"]
    assert size["outcome"] == "ok", size
    assert (tmp_path / "cache" / "mdm-300" / "truth" / "customer_crosswalk.csv").exists()
    # ERP customers, CRM accounts and billing accounts: about three records per customer.
    assert 2 * 300 < size["records"] < 4 * 300
    assert size["golden_customers"] < size["records"]
    assert size["pairwise_precision"] > 0.95 and size["pairwise_recall"] > 0.95
    assert size["records_per_s"] == size["records"] / size["median_s"]
    assert 0 < size["matching_s"] < size["asset_steps_s"] < size["median_s"]
    assert size["median_peak_rss_bytes"] > 50 * 2**20
    [steps] = size["step_seconds"]
    assert "mdm__crosswalk_one_customer_per_record" in steps
    assert not any(step.startswith("marts__") for step in steps)
    assert "| 300 |" in mdm_table(results)


def test_automation_bench_times_drift_and_every_sensor_tick_against_its_baseline(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("seg_assets.bench.scales.CACHE_DIR", tmp_path / "cache")
    results = run_automation_bench([TINY_YEAR], 1, tmp_path / "work", log=lambda _: None)
    [size] = results["scales"]
    probes = size["probes"]
    for probe in [*PROBES, CHANGED_TICK]:
        assert probes[probe]["outcome"] == "ok", (probe, probes[probe])
        assert probes[probe]["median_s"] < probes[probe]["median_child_wall_s"], probe
        assert probes[probe]["median_peak_rss_bytes"] > 50 * 2**20, probe
    drift = probes["drift_month"]
    assert drift["median_load_s"] + drift["median_compute_s"] == pytest.approx(drift["median_s"])
    assert drift["details"]["customers"] > 100
    # Nothing loaded on the instance: every file is new, the products file reaches every month.
    assert probes["landing_first_tick"]["details"]["run_requests"] == 1
    assert probes["landing_unchanged_tick"]["details"]["skip_reason"] == "no landing file changed"
    month = size["changed_file"]["month"]
    assert probes[CHANGED_TICK]["details"]["months_asked"] == [f"{month}..{month}"]
    # The cached landing data is never the copy the changed tick rewrote.
    cached = tmp_path / "cache" / "smoke-year" / "landing" / "erp" / "orders.csv"
    changed = size["changed_file"]
    line = cached.read_text().splitlines()[int(changed["line"]) - 1]
    assert f",{changed['order_date_before']}," in line
    assert probes["sha256_landing"]["details"]["files"] == 13
    assert size["drift_history_step_s"] > 0
    assert size["ratios"]["drift_month.compute_s"] == pytest.approx(
        drift["median_compute_s"] / probes["score_month"]["median_compute_s"]
    )
    assert size["ratios"]["landing_unchanged_tick"] < size["ratios"]["landing_first_tick"]
    assert not (tmp_path / "work" / "smoke-year").exists()
    table = automation_table(results)
    assert "| smoke-year | landing sensor, first tick |" in table
    assert "x |" in table


def test_measure_reports_failures_timeouts_and_memory(tmp_path):
    ok = measure(["python3", "-c", "x = bytearray(200 * 2**20)"], {"PATH": "/usr/bin:/bin"})
    assert ok.outcome == "ok"
    assert ok.peak_rss_bytes > 200 * 2**20
    failed = measure(["python3", "-c", "raise SystemExit('boom')"], {"PATH": "/usr/bin:/bin"})
    assert failed.outcome.startswith("failed (exit 1): boom")
    slow = measure(["sleep", "5"], {"PATH": "/usr/bin:/bin"}, timeout_s=0.5)
    assert slow.outcome.startswith("timeout after")
    assert slow.seconds < 4
    grower = "import time\nx = []\nwhile True:\n x.append(bytearray(20 * 2**20))\n time.sleep(0.01)"
    bounded = measure(
        ["python3", "-c", grower], {"PATH": "/usr/bin:/bin"}, memory_bound_bytes=300 * 2**20
    )
    assert bounded.outcome.startswith("stopped at the 0.3 GiB memory bound")
    assert 300 * 2**20 < bounded.peak_rss_bytes < 2**30
    killed = measure(
        ["python3", "-c", "import os; os.kill(os.getpid(), 9)"], {"PATH": "/usr/bin:/bin"}
    )
    assert killed.outcome == "killed by signal 9"


def test_growth_slope_flags_worse_than_linear():
    assert round(growth_slope([1, 2, 4], [10, 20, 40]), 6) == 1.0
    assert growth_slope([1, 2, 4], [10, 40, 160]) > 1.9
    per_scale = [
        {
            "order_lines": rows,
            "workloads": {"dagster_full": {"median_s": rows**1.5, "median_peak_rss_bytes": rows}},
        }
        for rows in (1_000, 2_000, 4_000)
    ]
    summary = series_summary(per_scale)
    assert summary["dagster_full"]["superlinear_time"] is True
    assert summary["dagster_full"]["superlinear_memory"] is False
