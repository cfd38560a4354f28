"""Smoke test of the benchmark harness at a tiny scale, so it does not rot between bench runs."""

import json

from seg_assets.bench.measure import measure
from seg_assets.bench.runner import WORKLOADS, results_table, run_scale, write_results
from seg_assets.bench.scales import Scale
from seg_assets.bench.series import growth_slope, series_summary

TINY = Scale("smoke", 60, 2, 1_500)


def test_every_workload_runs_and_the_results_carry_the_agreed_keys(tmp_path, monkeypatch):
    monkeypatch.setattr("seg_assets.bench.scales.CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr("seg_assets.bench.runner.RESULTS_DIR", tmp_path / "results")
    results = run_scale(TINY, 1, tmp_path / "work", log=lambda _: None)
    for workload in WORKLOADS:
        assert results["workloads"][workload]["outcome"] == "ok", results["workloads"][workload]
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
