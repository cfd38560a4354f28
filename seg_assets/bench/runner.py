"""Run every workload at one scale, repeated and interleaved; write JSON and print a table."""

import json
import os
import platform
import shutil
import statistics
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from seg_assets.bench.measure import Measurement, measure
from seg_assets.bench.scales import SCALES, Scale, dataset
from seg_assets.bench.workloads import step_seconds_file, truth_beside
from seg_assets.lib.pipeline_settings import load_pipeline_settings
from seg_assets.lib.project import PROJECT_ROOT
from seg_assets.lib.serving import serving_beside
from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import warehouse_files

RESULTS_DIR = PROJECT_ROOT / "benchmarks" / "results"
WORKLOADS = (
    "dagster_full",
    "dagster_cli",
    "bare_duckdb",
    "dagster_mart_path",
    "bare_mart_path",
    "pandas",
    "dagster_partition",
)
# Each workload's yardstick: bare DuckDB of the same scope, or the full refresh for a month.
BASELINE = {
    "dagster_full": "bare_duckdb",
    "dagster_cli": "bare_duckdb",
    "dagster_mart_path": "bare_mart_path",
    "pandas": "bare_mart_path",
    "dagster_partition": "dagster_full",
}
# Keys the issue fixes for each workload's median seconds.
SECONDS_KEYS = {
    "dagster_full": "dagster_full_s",
    "dagster_cli": "dagster_cli_s",
    "bare_duckdb": "bare_duckdb_s",
    "pandas": "pandas_s",
    "dagster_partition": "partition_s",
    "dagster_mart_path": "dagster_mart_path_s",
    "bare_mart_path": "bare_mart_path_s",
}


def workload_command(workload: str, landing: Path, warehouse: Path) -> list[str]:
    """The command that runs ``workload`` alone in a child process."""
    if workload == "dagster_cli":
        # The path `make demo` takes: the seg-assets CLI, configured by the environment.
        return [str(Path(sys.executable).with_name("seg-assets")), "materialize"]
    return [
        sys.executable,
        "-m",
        "seg_assets.bench.workloads",
        workload,
        "--landing",
        str(landing),
        "--warehouse",
        str(warehouse),
    ]


def workload_env(landing: Path, warehouse: Path, work_dir: Path) -> dict[str, str]:
    """The child's environment: where the CLI workload finds its data and writes."""
    return {
        **os.environ,
        "SEG_ASSETS_LANDING": str(landing),
        "SEG_ASSETS_TRUTH": str(truth_beside(landing)),
        "SEG_ASSETS_WAREHOUSE": str(warehouse),
        "SEG_ASSETS_SERVING": str(serving_beside(warehouse)),
        "DAGSTER_HOME": str(work_dir / "dagster_home"),
    }


def remove_warehouse(path: Path) -> None:
    """Delete a warehouse's files and WALs, and the Parquet or serving file written beside it."""
    stale_files = (
        *warehouse_files(path),
        *(file.with_suffix(".duckdb.wal") for file in warehouse_files(path)),
        path.with_suffix(".parquet"),
        serving_beside(path),
    )
    for stale in stale_files:
        stale.unlink(missing_ok=True)


def summarize(runs: list[Measurement]) -> dict[str, object]:
    """Outcome, median and spread of seconds, and peak RSS over the runs that succeeded."""
    ok = [run for run in runs if run.outcome == "ok"]
    if not ok:
        return {"outcome": runs[-1].outcome if runs else "not run"}
    seconds = [run.seconds for run in ok]
    rss = [run.peak_rss_bytes for run in ok]
    return {
        "outcome": "ok" if len(ok) == len(runs) else f"{len(ok)}/{len(runs)} ok",
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "median_peak_rss_bytes": int(statistics.median(rss)),
        "max_peak_rss_bytes": max(rss),
    }


def _step_kind(step: str) -> str:
    if step.endswith("_great_expectations_suite"):
        return "validation_s"
    if step.endswith("_rows_conserved"):
        return "conservation_checks_s"
    return "asset_steps_s"


def step_totals(runs: list[dict[str, float]]) -> dict[str, float]:
    """Median seconds a Dagster workload spent in asset steps, in Great Expectations
    validation and in row-conservation checks (the rest of its wall time is start-up and
    orchestration)."""
    if not runs:
        return {}
    per_run = []
    for seconds in runs:
        totals = dict.fromkeys(("asset_steps_s", "validation_s", "conservation_checks_s"), 0.0)
        for step, value in seconds.items():
            totals[_step_kind(step)] += value
        per_run.append(totals)
    return {kind: statistics.median(run[kind] for run in per_run) for kind in per_run[0]}


@dataclass(frozen=True)
class PandasBounds:
    """When the pandas child is stopped: it is the one workload that can outgrow the machine."""

    timeout_s: float | None = None
    memory_gib: float | None = None


def run_scale(
    scale: Scale,
    repeat: int,
    work_dir: Path,
    workloads: tuple[str, ...] = WORKLOADS,
    pandas_bounds: PandasBounds = PandasBounds(),
    log: Callable[[str], None] = print,
) -> dict[str, object]:
    """Measure ``workloads`` ``repeat`` times each, round-robin, on ``scale``'s cached data."""
    landing = dataset(scale)
    manifest = json.loads((landing.parent / "truth" / "manifest.json").read_text())
    work_dir.mkdir(parents=True, exist_ok=True)
    full_refreshed = work_dir / "full_refreshed.duckdb"
    runs: dict[str, list[Measurement]] = {workload: [] for workload in workloads}
    steps: dict[str, list[dict[str, float]]] = {workload: [] for workload in workloads}
    warehouse_bytes = 0
    for attempt in range(1, repeat + 1):
        for workload in workloads:
            warehouse = work_dir / f"{workload}.duckdb"
            if workload == "dagster_partition":
                # Refreshing a month replaces exactly that month, so every repeat does the same
                # work on the full refresh's own file; no copy, which at 100M lines would not
                # fit the disk beside the cached data.
                if not full_refreshed.exists():
                    continue
                warehouse = full_refreshed
            else:
                remove_warehouse(warehouse)
            bounds = pandas_bounds if workload == "pandas" else PandasBounds()
            result = measure(
                workload_command(workload, landing, warehouse),
                workload_env(landing, warehouse, work_dir),
                bounds.timeout_s,
                int(bounds.memory_gib * 2**30) if bounds.memory_gib else None,
            )
            runs[workload].append(result)
            timings = step_seconds_file(warehouse)
            if timings.exists():
                steps[workload].append(json.loads(timings.read_text()))
                timings.unlink()
            log(
                f"  {scale.name} run {attempt}/{repeat} {workload:<18} {result.seconds:8.1f}s"
                f" {result.peak_rss_bytes / 2**30:6.2f} GiB  {result.outcome}"
            )
            if workload == "dagster_full" and result.outcome == "ok":
                warehouse_bytes = warehouse.stat().st_size
                remove_warehouse(full_refreshed)
                warehouse.rename(full_refreshed)
            elif warehouse != full_refreshed:
                remove_warehouse(warehouse)
    summaries = {
        workload: {**summarize(measurements), **step_totals(steps[workload])}
        for workload, measurements in runs.items()
    }
    results: dict[str, object] = {
        "scale": scale.name,
        "date": date.today().isoformat(),
        "order_lines": manifest["row_counts"]["erp__order_lines"],
        "customers": scale.customers,
        "months": scale.months,
        "repeat": repeat,
        "warehouse_bytes": warehouse_bytes,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "duckdb_config": load_pipeline_settings().duckdb_config,
        "workloads": summaries,
        "runs": {
            workload: [asdict(run) for run in measured] for workload, measured in runs.items()
        },
        "step_seconds": {workload: timings for workload, timings in steps.items() if timings},
    }
    for workload, key in SECONDS_KEYS.items():
        results[key] = summaries.get(workload, {}).get("median_s")
    for workload in ("dagster_full", "dagster_mart_path", "pandas"):
        prefix = "dagster" if workload == "dagster_full" else workload
        results[f"{prefix}_peak_rss_bytes"] = summaries.get(workload, {}).get(
            "median_peak_rss_bytes"
        )
    shutil.rmtree(work_dir, ignore_errors=True)
    return results


def _ratio(value: object, base: object) -> str:
    if not isinstance(value, int | float) or not isinstance(base, int | float) or not base:
        return "-"
    return f"{value / base:.2f}x"


def results_table(results: dict[str, object]) -> str:
    """Markdown: median time, spread, ratio to the workload's baseline (bare DuckDB of the same
    scope; the full refresh for a month), ratios of time and peak RSS to pandas (for the
    workloads of the pandas path's scope), order lines per second, and the seconds Dagster
    workloads spent in Great Expectations validation."""
    summaries = results["workloads"]
    pandas = summaries.get("pandas", {})
    rows = []
    for workload, summary in summaries.items():
        median = summary.get("median_s")
        if median is None:
            rows.append([workload, summary["outcome"], *["-"] * 8])
            continue
        baseline = BASELINE.get(workload, "")
        baseline_s = summaries.get(baseline, {}).get("median_s")
        same_scope_as_pandas = workload in ("dagster_mart_path", "bare_mart_path", "pandas")
        rss = summary["median_peak_rss_bytes"]
        rows.append(
            [
                workload,
                f"{median:.1f} s",
                f"{summary['min_s']:.1f}-{summary['max_s']:.1f} s",
                baseline or "-",
                _ratio(median, baseline_s),
                _ratio(median, pandas.get("median_s")) if same_scope_as_pandas else "-",
                f"{rss / 2**30:.2f} GiB",
                _ratio(rss, pandas.get("median_peak_rss_bytes")) if same_scope_as_pandas else "-",
                f"{results['order_lines'] / median:,.0f}",
                f"{summary['validation_s']:.1f} s" if "validation_s" in summary else "-",
            ]
        )
    header = [
        "workload",
        "median",
        "spread",
        "baseline",
        "vs baseline",
        "time vs pandas",
        "peak RSS",
        "RSS vs pandas",
        "order lines/s",
        "of which GE validation",
    ]
    return markdown_table(header, rows)


def write_results(results: dict[str, object], name: str) -> Path:
    """Save ``results`` as ``benchmarks/results/<date>-<name>.json``."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{results.get('date', date.today().isoformat())}-{name}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return path


def scales_named(names: list[str]) -> list[Scale]:
    """The scales called ``names``, failing on an unknown one."""
    unknown = [name for name in names if name not in SCALES]
    if unknown:
        raise SystemExit(f"unknown scale(s) {unknown}; choose from {sorted(SCALES)}")
    return [SCALES[name] for name in names]
