"""Segmentation timings: the segmentation group on a warehouse built up to the feature mart.

Per scale, the feature mart and everything upstream are built once (timed, not the subject).
Each repeat then starts from a copy of that warehouse and times, in a child process like every
workload, (1) one training, the segmentation of the last month with no earlier model, and
(2) the full monthly refresh (trainings at the retraining cadence, scoring in between). The
baseline is the notebook approach on the same features: one k-means fit with the chosen
number of segments, no selection, constraint, alignment, stability or explanations.
"""

import json
import os
import platform
import shutil
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path

from seg_assets.bench.measure import Measurement, measure
from seg_assets.bench.runner import remove_warehouse, summarize, workload_command, workload_env
from seg_assets.bench.scales import Scale, dataset
from seg_assets.lib.pipeline_settings import load_pipeline_settings
from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import connect_warehouse, copy_warehouse

PREPARE = "dagster_features"
TRAIN = "dagster_segmentation_train"
REFRESH = "dagster_segmentation_all"
BASELINE = "bare_kmeans"


def _model_summary(warehouse: Path) -> dict[str, object]:
    with connect_warehouse(warehouse, read_only=True) as con:
        rows = con.execute(
            "select model_version, algorithm, metrics from segmentation.model_registry"
            " order by as_of_month desc, created_at desc limit 1"
        ).fetchall()
        [(customers,)] = con.execute(
            "select count(*) from segmentation.customer_segments where as_of_month ="
            " (select max(as_of_month) from segmentation.customer_segments)"
        ).fetchall()
    if not rows:
        return {}
    version, algorithm, metrics = rows[0]
    metrics = json.loads(metrics)
    return {
        "model_version": version,
        "algorithm": algorithm,
        "segmented_customers": customers,
        **{
            name: metrics.get(name)
            for name in (
                "segments",
                "archetype_ari",
                "supervised_accuracy_ceiling",
                "bootstrap_ari_mean",
                "holdout_ari",
                "silhouette",
            )
        },
    }


def _timed(
    workload: str,
    landing: Path,
    prepared: Path,
    work_dir: Path,
    repeat: int,
    log: Callable[[str], None],
) -> tuple[dict[str, object], Path]:
    """Run ``workload`` ``repeat`` times, each on a fresh copy of ``prepared``."""
    runs: list[Measurement] = []
    warehouse = work_dir / f"{workload}.duckdb"
    for attempt in range(1, repeat + 1):
        remove_warehouse(warehouse)
        copy_warehouse(prepared, warehouse)
        result = measure(
            workload_command(workload, landing, warehouse),
            workload_env(landing, warehouse, work_dir),
        )
        runs.append(result)
        log(
            f"  {workload} run {attempt}/{repeat} {result.seconds:8.1f}s"
            f" {result.peak_rss_bytes / 2**30:6.2f} GiB  {result.outcome}"
        )
    return {**summarize(runs), "runs": [asdict(run) for run in runs]}, warehouse


def measure_segmentation(
    scale: Scale, repeat: int, work_dir: Path, log: Callable[[str], None] = print
) -> dict[str, object]:
    """Time one training, the full refresh and the k-means baseline at ``scale``."""
    landing = dataset(scale)
    work_dir.mkdir(parents=True, exist_ok=True)
    prepared = work_dir / "features.duckdb"
    remove_warehouse(prepared)
    preparation = measure(
        workload_command(PREPARE, landing, prepared), workload_env(landing, prepared, work_dir)
    )
    log(f"  features built in {preparation.seconds:.1f}s ({preparation.outcome})")
    if preparation.outcome != "ok":
        return {"scale": scale.name, "outcome": f"features: {preparation.outcome}"}
    train, trained = _timed(TRAIN, landing, prepared, work_dir, repeat, log)
    model = _model_summary(trained) if train.get("median_s") is not None else {}
    baseline_runs = [
        measure(
            workload_command(BASELINE, landing, trained), workload_env(landing, trained, work_dir)
        )
        for _ in range(repeat)
    ]
    baseline = {**summarize(baseline_runs), "runs": [asdict(run) for run in baseline_runs]}
    refresh, refreshed = _timed(REFRESH, landing, prepared, work_dir, repeat, log)
    with connect_warehouse(refreshed, read_only=True) as con:
        modes = dict(
            con.execute(
                "select mode, count(*) from segmentation.publications group by mode"
            ).fetchall()
        )
    shutil.rmtree(work_dir, ignore_errors=True)
    return {
        "scale": scale.name,
        "customers": scale.customers,
        "order_lines": scale.order_lines,
        "features_build_s": preparation.seconds,
        "train": train,
        "baseline_kmeans": baseline,
        "refresh": refresh,
        "refresh_months": modes,
        "model": model,
    }


def run_segmentation_bench(
    scales: list[Scale], repeat: int, work_dir: Path, log: Callable[[str], None] = print
) -> dict[str, object]:
    """Measure every scale; the machine and DuckDB settings beside the figures."""
    return {
        "workload": "segmentation",
        "date": date.today().isoformat(),
        "repeat": repeat,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "duckdb_config": load_pipeline_settings().duckdb_config,
        "scales": [
            measure_segmentation(scale, repeat, work_dir / scale.name, log) for scale in scales
        ],
    }


def _seconds(summary: dict[str, object]) -> str:
    median = summary.get("median_s")
    return f"{median:.1f} s" if isinstance(median, float) else str(summary.get("outcome", "-"))


def segmentation_table(results: dict[str, object]) -> str:
    """Markdown: per scale, customers segmented, one training, the baseline and the ratio,
    the full refresh with its months by mode, peak RSS, and the model's headline figures."""
    rows = []
    for size in results["scales"]:
        train, baseline = size.get("train", {}), size.get("baseline_kmeans", {})
        refresh, model = size.get("refresh", {}), size.get("model", {})
        ratio = (
            f"{train['median_s'] / baseline['median_s']:.1f}x"
            if train.get("median_s") and baseline.get("median_s")
            else "-"
        )
        rss = train.get("median_peak_rss_bytes")
        rows.append(
            [
                size["scale"],
                f"{model.get('segmented_customers', 0):,}",
                _seconds(train),
                _seconds(baseline),
                ratio,
                _seconds(refresh),
                ", ".join(
                    f"{n} {mode}" for mode, n in sorted(size.get("refresh_months", {}).items())
                ),
                f"{rss / 2**30:.2f} GiB" if rss else "-",
                f"{model.get('algorithm', '-')} {model.get('segments', '-')}",
                f"{model['archetype_ari']:.3f}" if model.get("archetype_ari") else "-",
                f"{model['bootstrap_ari_mean']:.3f}" if model.get("bootstrap_ari_mean") else "-",
            ]
        )
    header = [
        "scale",
        "customers segmented",
        "one training",
        "k-means baseline",
        "ratio",
        "full refresh",
        "months",
        "peak RSS (training)",
        "model",
        "archetype ARI",
        "bootstrap ARI",
    ]
    return markdown_table(header, rows)
