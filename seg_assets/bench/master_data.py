"""Master-data scaling: the ``mdm`` group materialized at growing customer counts, measured in
a child process like every workload, with its match quality against the planted truth."""

import json
import os
import platform
import shutil
import statistics
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path

import polars as pl

from seg_assets.bench.measure import Measurement, measure
from seg_assets.bench.runner import (
    remove_warehouse,
    step_totals,
    summarize,
    workload_command,
    workload_env,
)
from seg_assets.bench.scales import mdm_dataset
from seg_assets.bench.series import growth_slope
from seg_assets.bench.workloads import step_seconds_file, truth_beside
from seg_assets.lib.mdm.evaluation import pairwise_scores, read_truth_crosswalk
from seg_assets.lib.mdm.resolution import CROSSWALK, MDM_SCHEMA
from seg_assets.lib.pipeline_settings import load_pipeline_settings
from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import connect_warehouse, read_table

MDM_WORKLOAD = "dagster_mdm"
# The step that standardizes, blocks and scores records (Splink): the part that grows fastest.
MATCH_STEP = "mdm__customer_match_pairs"


def match_quality(warehouse: Path, truth_dir: Path) -> dict[str, object]:
    """Records and golden customers of the warehouse's crosswalk, and its pairwise precision
    and recall against the planted truth."""
    truth = read_truth_crosswalk(truth_dir)
    if truth is None:
        raise FileNotFoundError(f"{truth_dir}: no planted truth; delete the data set to regenerate")
    with connect_warehouse(warehouse, read_only=True) as con:
        crosswalk = read_table(con, MDM_SCHEMA, CROSSWALK)
    assignment = crosswalk.select("record_id", pl.col("customer_key").alias("anchor_record_id"))
    scores = pairwise_scores(assignment, truth)
    return {
        "records": crosswalk.height,
        "golden_customers": crosswalk["customer_key"].n_unique(),
        "true_customers": truth["true_customer_id"].n_unique(),
        "pairwise_precision": scores.precision,
        "pairwise_recall": scores.recall,
        "pairwise_f1": scores.f1,
        "true_same_customer_pairs": scores.true_pairs,
        "predicted_same_customer_pairs": scores.predicted_pairs,
    }


def _median_step(steps: list[dict[str, float]], step: str) -> float | None:
    seconds = [run[step] for run in steps if step in run]
    return statistics.median(seconds) if seconds else None


def measure_customers(
    customers: int, repeat: int, work_dir: Path, log: Callable[[str], None] = print
) -> dict[str, object]:
    """Materialize the ``mdm`` group ``repeat`` times on ``customers`` customers' cached data.

    Returns
    -------
    dict
        Time and peak RSS (median and spread), records per second, the matching step's seconds
        and the match quality of the first successful run (the matching is deterministic).
    """
    landing = mdm_dataset(customers)
    work_dir.mkdir(parents=True, exist_ok=True)
    warehouse = work_dir / f"{MDM_WORKLOAD}.duckdb"
    runs: list[Measurement] = []
    steps: list[dict[str, float]] = []
    quality: dict[str, object] = {}
    for attempt in range(1, repeat + 1):
        remove_warehouse(warehouse)
        result = measure(
            workload_command(MDM_WORKLOAD, landing, warehouse),
            workload_env(landing, warehouse, work_dir),
        )
        runs.append(result)
        timings = step_seconds_file(warehouse)
        if timings.exists():
            steps.append(json.loads(timings.read_text()))
            timings.unlink()
        if result.outcome == "ok" and not quality:
            quality = match_quality(warehouse, truth_beside(landing))
        log(
            f"  {customers:,} customers run {attempt}/{repeat} {result.seconds:8.1f}s"
            f" {result.peak_rss_bytes / 2**30:6.2f} GiB  {result.outcome}"
        )
    shutil.rmtree(work_dir, ignore_errors=True)
    summary = summarize(runs)
    median = summary.get("median_s")
    return {
        "customers": customers,
        **summary,
        **step_totals(steps),
        "matching_s": _median_step(steps, MATCH_STEP),
        **quality,
        "records_per_s": quality["records"] / median if quality and median else None,
        "runs": [asdict(run) for run in runs],
        "step_seconds": steps,
    }


def run_mdm_scaling(
    customer_counts: list[int],
    repeat: int,
    work_dir: Path,
    log: Callable[[str], None] = print,
) -> dict[str, object]:
    """Measure the master-data group at each customer count; slopes of time and memory.

    A log-log slope of 1.0 against the number of records is linear growth.
    """
    sizes = [
        measure_customers(customers, repeat, work_dir / f"mdm-{customers}", log)
        for customers in customer_counts
    ]
    measured = [size for size in sizes if size.get("median_s") is not None]
    records = [float(size["records"]) for size in measured]
    return {
        "workload": MDM_WORKLOAD,
        "date": date.today().isoformat(),
        "repeat": repeat,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "duckdb_config": load_pipeline_settings().duckdb_config,
        "sizes": sizes,
        "time_slope": growth_slope(records, [size["median_s"] for size in measured]),
        "memory_slope": growth_slope(records, [size["median_peak_rss_bytes"] for size in measured]),
    }


def _decimal(value: object, digits: int) -> str:
    return f"{value:.{digits}f}" if isinstance(value, float) else "-"


def mdm_table(results: dict[str, object]) -> str:
    """Markdown: per customer count, records, golden customers, time, peak RSS, records per
    second, the matching step's seconds and pairwise precision, recall and F1; then the
    growth slopes."""
    rows = []
    for size in results["sizes"]:
        if size.get("median_s") is None:
            rows.append([f"{size['customers']:,}", size["outcome"], *["-"] * 9])
            continue
        rows.append(
            [
                f"{size['customers']:,}",
                f"{size['records']:,}",
                f"{size['golden_customers']:,}",
                f"{size['median_s']:.1f} s",
                f"{size['min_s']:.1f}-{size['max_s']:.1f} s",
                f"{size['median_peak_rss_bytes'] / 2**30:.2f} GiB",
                f"{size['records_per_s']:,.0f}",
                f"{_decimal(size['matching_s'], 1)} s",
                _decimal(size["pairwise_precision"], 4),
                _decimal(size["pairwise_recall"], 4),
                _decimal(size["pairwise_f1"], 4),
            ]
        )
    header = [
        "customers",
        "source records",
        "golden customers",
        "median",
        "spread",
        "peak RSS",
        "records/s",
        "of which matching",
        "precision",
        "recall",
        "F1",
    ]
    slopes = (
        f"Growth against records (log-log slope, 1.0 is linear): time"
        f" {_decimal(results['time_slope'], 2)}, peak RSS {_decimal(results['memory_slope'], 2)}."
    )
    return f"{markdown_table(header, rows)}\n\n{slopes}"
