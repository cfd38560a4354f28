"""Automation timings: drift per month and sensor evaluations, each against a plain baseline.

Per scale, the whole pipeline is built once (``dagster_full``: the warehouse and the serving
snapshot beside it; timed, not the subject) and the landing data is copied beside it. Each
probe then runs alone in a child process, like every workload: the child times only the call
measured (a code server has its imports loaded before a tick) and leaves the figures in a file;
the parent records the child's wall time and peak RSS. Probes repeat round-robin. The
one-file-changed tick runs last: one row of the copied orders extract gets its order date
moved by a day, and the tick starts from the cursor of the nothing-changed tick.

Run one probe alone: ``python -m seg_assets.bench.automation PROBE --landing L --warehouse W
--state DIR``.
"""

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

import duckdb

from seg_assets.bench.measure import Measurement, measure
from seg_assets.bench.runner import remove_warehouse, workload_command, workload_env
from seg_assets.bench.scales import Scale, dataset
from seg_assets.bench.workloads import step_seconds_file
from seg_assets.lib.pipeline_settings import load_pipeline_settings
from seg_assets.lib.serving import serving_beside
from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import connect_warehouse

BUILD = "dagster_full"
DRIFT_STEP = "segmentation__drift_history"
ORDERS = ("erp", "orders.csv")
ORDER_DATE = "order_date"
# What the child writes the figures of one probe to, in the state folder.
FIGURES = "{probe}.figures.json"
# Each sensor tick's cursor, read by the tick that follows it.
CURSOR = "{probe}.cursor.json"
# Probes in the order each repeat runs them; the changed tick runs after them all.
PROBES = (
    "drift_month",
    "score_month",
    "landing_first_tick",
    "landing_unchanged_tick",
    "drift_sensor_tick",
    "stale_keys_sensor_tick",
    "sha256_landing",
    "snapshot_count",
)
CHANGED_TICK = "landing_changed_tick"
# Each probe's yardstick, measured in the same run.
BASELINE = {
    "drift_month": "score_month",
    "landing_first_tick": "sha256_landing",
    "landing_unchanged_tick": "sha256_landing",
    CHANGED_TICK: "sha256_landing",
    "drift_sensor_tick": "snapshot_count",
    "stale_keys_sensor_tick": "snapshot_count",
}
# The Dagster default: a sensor tick taking longer fails (DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS).
SENSOR_TIMEOUT_S = 60


# ---- in the child ---------------------------------------------------------------------------


@contextmanager
def _read_only(database: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection with the pipeline's DuckDB settings (memory limit, threads)."""
    config = load_pipeline_settings().duckdb_config
    with connect_warehouse(database, read_only=True, config=config) as con:
        yield con


def _newest_published_month(con: duckdb.DuckDBPyConnection) -> date:
    [(month,)] = con.execute(
        "select max(as_of_month) from segmentation.customer_segments"
    ).fetchall()
    if month is None:
        raise SystemExit("segmentation.customer_segments is empty: no month was published")
    return month


def drift_month(landing: Path, warehouse: Path, state: Path) -> dict[str, object]:
    """Drift of the newest published month: its inputs loaded, then every metric computed,
    exactly as the drift_history asset does for each month."""
    import polars as pl

    from seg_assets.lib.automation.settings import load_automation_settings
    from seg_assets.lib.drift.history import OVERALL, load_month_inputs, month_drift
    from seg_assets.lib.segmentation.settings import load_segmentation_settings

    settings = load_automation_settings().drift
    volume_measure = load_segmentation_settings().volume_measure
    with _read_only(warehouse) as con:
        month = _newest_published_month(con)
        started = time.perf_counter()
        inputs = load_month_inputs(con, month, volume_measure)
        loaded = time.perf_counter()
    assert inputs is not None  # the month was read from the published segments
    history = month_drift(inputs, settings)
    done = time.perf_counter()
    overall = history.filter(pl.col("subject") == OVERALL).row(0, named=True)
    return {
        "seconds": done - started,
        "load_s": loaded - started,
        "compute_s": done - loaded,
        "month": month.isoformat(),
        "reference_month": inputs.reference_month.isoformat(),
        "customers": inputs.current.height,
        "history_rows": history.height,
        "state": overall["state"],
    }


def score_month(landing: Path, warehouse: Path, state: Path) -> dict[str, object]:
    """The baseline of drift: the same month's features and published model loaded, then the
    month scored once by the model (what publishing a scored month computes)."""
    from seg_assets.lib.segmentation.monthly import month_features
    from seg_assets.lib.segmentation.registry import registered_model
    from seg_assets.lib.segmentation.training import canonical_frame

    with _read_only(warehouse) as con:
        month = _newest_published_month(con)
        started = time.perf_counter()
        [(version,)] = con.execute(
            "select any_value(model_version) from segmentation.customer_segments"
            " where as_of_month = ?",
            [month],
        ).fetchall()
        model = registered_model(con, version).model
        features = month_features(con, month)
        loaded = time.perf_counter()
    scored = model.score(canonical_frame(features, model.source_columns))
    done = time.perf_counter()
    return {
        "seconds": done - started,
        "load_s": loaded - started,
        "compute_s": done - loaded,
        "month": month.isoformat(),
        "customers": features.height,
        "assigned": scored.assignments.height,
    }


def _tick(
    name: str, state: Path, probe: str, cursor_from: str | None, **resources: object
) -> dict[str, object]:
    """Evaluate the real sensor ``name`` once on an instance without materializations."""
    import dagster as dg

    from seg_assets.definitions import defs
    from seg_assets.defs.automation.landing import build_landing_sensor
    from seg_assets.defs.partitions import RANGE_END_TAG, RANGE_START_TAG
    from seg_assets.lib.automation.settings import load_automation_settings

    # The definition as the code location holds it (get_sensor_def would warn that it
    # leaves resources unresolved; they come from the context here); the landing sensor
    # without its settle time, because the bench times reading files, not waiting for them.
    sensor = next(sensor for sensor in defs.sensors if sensor.name == name)
    if name == "landing_files_sensor":
        settings = load_automation_settings()
        sensor = build_landing_sensor(settings.with_sensors(landing_settle_seconds=0))
    cursor = (state / CURSOR.format(probe=cursor_from)).read_text() if cursor_from else None
    instance = dg.DagsterInstance.ephemeral()
    started = time.perf_counter()
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    tick = sensor.evaluate_tick(context)
    seconds = time.perf_counter() - started
    if tick.cursor is not None:
        (state / CURSOR.format(probe=probe)).write_text(tick.cursor)
    return {
        "seconds": seconds,
        "run_requests": len(tick.run_requests or []),
        "months_asked": [
            f"{r.tags[RANGE_START_TAG]}..{r.tags[RANGE_END_TAG]}" for r in tick.run_requests or []
        ],
        "skip_reason": tick.skip_message,
        "cursor_bytes": len(tick.cursor or ""),
    }


def _landing_tick(
    landing: Path, state: Path, probe: str, cursor_from: str | None
) -> dict[str, object]:
    from seg_assets.defs.resources import LandingFiles

    return _tick(
        "landing_files_sensor", state, probe, cursor_from, landing=LandingFiles(path=str(landing))
    )


def landing_first_tick(landing: Path, warehouse: Path, state: Path) -> dict[str, object]:
    """The landing sensor's first tick: no cursor, no recorded load, so every file is hashed
    and every dated file fingerprinted month by month."""
    return _landing_tick(landing, state, "landing_first_tick", None)


def landing_unchanged_tick(landing: Path, warehouse: Path, state: Path) -> dict[str, object]:
    """The next tick with the first tick's cursor and nothing changed (size and time only)."""
    return _landing_tick(landing, state, "landing_unchanged_tick", "landing_first_tick")


def landing_changed_tick(landing: Path, warehouse: Path, state: Path) -> dict[str, object]:
    """A tick after one row of the orders extract changed: that file hashed and
    fingerprinted again, the months whose fingerprint moved asked for."""
    return _landing_tick(landing, state, CHANGED_TICK, "landing_unchanged_tick")


def _serving_tick(name: str, warehouse: Path, state: Path, probe: str) -> dict[str, object]:
    from seg_assets.defs.resources import ServingFile

    return _tick(name, state, probe, None, serving=ServingFile(path=str(serving_beside(warehouse))))


def drift_sensor_tick(landing: Path, warehouse: Path, state: Path) -> dict[str, object]:
    """The drift sensor reading the newest month's drift state from the serving snapshot."""
    return _serving_tick("drift_retrain_sensor", warehouse, state, "drift_sensor_tick")


def stale_keys_sensor_tick(landing: Path, warehouse: Path, state: Path) -> dict[str, object]:
    """The stale-keys sensor checking every customer-keyed fact of the serving snapshot
    against the golden customers."""
    return _serving_tick("stale_customer_keys_sensor", warehouse, state, "stale_keys_sensor_tick")


def sha256_landing(landing: Path, warehouse: Path, state: Path) -> dict[str, object]:
    """The landing sensor's baseline: SHA-256 of every landing file, nothing else."""
    from seg_assets.lib.automation.landing_changes import content_sha256
    from seg_assets.lib.project import config_dir
    from seg_assets.lib.source_contracts import load_source_contracts

    contracts = load_source_contracts(config_dir() / "sources.yaml").values()
    files = [c.landing_file(landing) for c in contracts if c.landing_file(landing).exists()]
    started = time.perf_counter()
    for path in files:
        content_sha256(path)
    return {
        "seconds": time.perf_counter() - started,
        "files": len(files),
        "bytes": sum(path.stat().st_size for path in files),
    }


def snapshot_count(landing: Path, warehouse: Path, state: Path) -> dict[str, object]:
    """The snapshot sensors' baseline: open the serving snapshot read-only and count the rows
    of the table the drift sensor reads."""
    serving = serving_beside(warehouse)
    started = time.perf_counter()
    with duckdb.connect(str(serving), read_only=True) as con:
        [(rows,)] = con.execute("select count(*) from segmentation.drift_history").fetchall()
    return {"seconds": time.perf_counter() - started, "rows": rows}


PROBE_FUNCTIONS: dict[str, Callable[[Path, Path, Path], dict[str, object]]] = {
    "drift_month": drift_month,
    "score_month": score_month,
    "landing_first_tick": landing_first_tick,
    "landing_unchanged_tick": landing_unchanged_tick,
    "drift_sensor_tick": drift_sensor_tick,
    "stale_keys_sensor_tick": stale_keys_sensor_tick,
    "sha256_landing": sha256_landing,
    "snapshot_count": snapshot_count,
    CHANGED_TICK: landing_changed_tick,
}


# ---- in the parent --------------------------------------------------------------------------


def probe_command(probe: str, landing: Path, warehouse: Path, state: Path) -> list[str]:
    """The command that runs ``probe`` alone in a child process."""
    return [
        sys.executable,
        "-m",
        "seg_assets.bench.automation",
        probe,
        "--landing",
        str(landing),
        "--warehouse",
        str(warehouse),
        "--state",
        str(state),
    ]


def change_one_order_date(landing: Path) -> dict[str, str]:
    """Move the order date of one row (near the middle of the orders extract) a day later
    within its month, rewriting the file in place: a corrected extract for one old month.

    Only the changed line differs; every other byte, line endings included, stays as it was.
    """
    path = landing.joinpath(*ORDERS)
    with path.open("rb") as handle:
        lines = handle.readlines()
    column = next(csv.reader([lines[0].decode()])).index(ORDER_DATE)
    for number in range(len(lines) // 2, len(lines)):
        line = lines[number].decode()
        value = next(csv.reader([line]))[column]
        try:
            before = date.fromisoformat(value)
        except ValueError:
            continue
        after = before + timedelta(days=1)
        if after.month != before.month or line.count(f",{value},") != 1:
            continue
        lines[number] = line.replace(f",{value},", f",{after.isoformat()},").encode()
        path.write_bytes(b"".join(lines))
        return {
            "file": "/".join(ORDERS),
            "line": str(number + 1),
            "order_date_before": before.isoformat(),
            "order_date_after": after.isoformat(),
            "month": before.replace(day=1).isoformat(),
        }
    raise SystemExit(f"{path}: no row with an ISO order date to move within its month")


def _run_probe(
    probe: str, landing: Path, warehouse: Path, state: Path, work_dir: Path
) -> tuple[Measurement, dict[str, object]]:
    figures = state / FIGURES.format(probe=probe)
    figures.unlink(missing_ok=True)
    result = measure(
        probe_command(probe, landing, warehouse, state), workload_env(landing, warehouse, work_dir)
    )
    found = json.loads(figures.read_text()) if result.outcome == "ok" else {}
    return result, found


def summarize_probe(runs: list[tuple[Measurement, dict[str, object]]]) -> dict[str, object]:
    """Median and spread of the timed call (and the medians of its load and compute parts,
    when split), the children's median wall time and peak RSS, the last run's details and
    every run."""
    ok = [(run, figures) for run, figures in runs if run.outcome == "ok" and figures]
    if not ok:
        return {"outcome": runs[-1][0].outcome if runs else "not run"}
    seconds = [float(figures["seconds"]) for _, figures in ok]  # type: ignore[arg-type]
    summary: dict[str, object] = {
        "outcome": "ok" if len(ok) == len(runs) else f"{len(ok)}/{len(runs)} ok",
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "median_child_wall_s": statistics.median(run.seconds for run, _ in ok),
        "median_peak_rss_bytes": int(statistics.median(run.peak_rss_bytes for run, _ in ok)),
        "max_peak_rss_bytes": max(run.peak_rss_bytes for run, _ in ok),
    }
    for part in ("load_s", "compute_s"):
        if part in ok[0][1]:
            summary[f"median_{part}"] = statistics.median(float(f[part]) for _, f in ok)  # type: ignore[arg-type]
    details = {k: v for k, v in ok[-1][1].items() if k not in ("seconds", "load_s", "compute_s")}
    return {
        **summary,
        "details": details,
        "runs": [{**asdict(run), **figures} for run, figures in runs],
    }


def baseline_ratios(probes: dict[str, dict[str, object]]) -> dict[str, float | None]:
    """Each probe's median over its baseline's (drift also split into load and compute)."""
    ratios: dict[str, float | None] = {}
    for probe, baseline in BASELINE.items():
        for key in ("median_s", "median_load_s", "median_compute_s"):
            value, base = probes.get(probe, {}).get(key), probes.get(baseline, {}).get(key)
            if key != "median_s" and value is None:
                continue
            name = probe if key == "median_s" else f"{probe}.{key.removeprefix('median_')}"
            ok = isinstance(value, float) and isinstance(base, float) and base > 0
            ratios[name] = value / base if ok else None  # type: ignore[operator]
    return ratios


def _ratio(value: float, base: object) -> str:
    if not isinstance(base, float) or not base:
        return "-"
    ratio = value / base
    return f"{ratio:.2f}x" if ratio < 1 else f"{ratio:.1f}x"


def _bytes_under(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def measure_automation(
    scale: Scale, repeat: int, work_dir: Path, log: Callable[[str], None] = print
) -> dict[str, object]:
    """Build ``scale``'s warehouse and snapshot once, then time every probe ``repeat`` times."""
    cached = dataset(scale)
    work_dir.mkdir(parents=True, exist_ok=True)
    warehouse = work_dir / "warehouse.duckdb"
    remove_warehouse(warehouse)
    build = measure(
        workload_command(BUILD, cached, warehouse), workload_env(cached, warehouse, work_dir)
    )
    log(f"  {scale.name}: whole pipeline built in {build.seconds:.1f}s ({build.outcome})")
    steps = step_seconds_file(warehouse)
    build_steps = json.loads(steps.read_text()) if steps.exists() else {}
    steps.unlink(missing_ok=True)
    if build.outcome != "ok":
        shutil.rmtree(work_dir, ignore_errors=True)
        return {"scale": scale.name, "outcome": f"build: {build.outcome}"}
    # The sensors read a copy: the changed tick rewrites a file, and the cache stays as made.
    landing = work_dir / "landing"
    shutil.copytree(cached, landing)
    state = work_dir / "state"
    state.mkdir()
    runs: dict[str, list[tuple[Measurement, dict[str, object]]]] = {
        probe: [] for probe in (*PROBES, CHANGED_TICK)
    }

    def run(probe: str, attempt: int) -> None:
        result, figures = _run_probe(probe, landing, warehouse, state, work_dir)
        runs[probe].append((result, figures))
        log(
            f"  {scale.name} run {attempt}/{repeat} {probe:<24}"
            f" {float(figures.get('seconds', 0.0)):8.3f}s (child {result.seconds:6.1f}s)"  # type: ignore[arg-type]
            f" {result.peak_rss_bytes / 2**30:6.2f} GiB  {result.outcome}"
        )

    for attempt in range(1, repeat + 1):
        for probe in PROBES:
            run(probe, attempt)
    change = change_one_order_date(landing)
    log(f"  {scale.name}: {change['file']} line {change['line']} moved within {change['month']}")
    for attempt in range(1, repeat + 1):
        run(CHANGED_TICK, attempt)
    results: dict[str, object] = {
        "scale": scale.name,
        "customers": scale.customers,
        "order_lines": scale.order_lines,
        "months": scale.months,
        "build_s": build.seconds,
        "build_peak_rss_bytes": build.peak_rss_bytes,
        "drift_history_step_s": build_steps.get(DRIFT_STEP),
        "warehouse_bytes": warehouse.stat().st_size,
        "serving_bytes": serving_beside(warehouse).stat().st_size,
        "landing_bytes": _bytes_under(landing),
        "changed_file": change,
        "probes": {probe: summarize_probe(measured) for probe, measured in runs.items()},
    }
    results["ratios"] = baseline_ratios(results["probes"])  # type: ignore[arg-type]
    shutil.rmtree(work_dir, ignore_errors=True)
    return results


def run_automation_bench(
    scales: list[Scale], repeat: int, work_dir: Path, log: Callable[[str], None] = print
) -> dict[str, object]:
    """Measure every scale; the machine, its load and DuckDB settings beside the figures."""
    load_before = os.getloadavg()
    measured = [measure_automation(scale, repeat, work_dir / scale.name, log) for scale in scales]
    return {
        "workload": "automation",
        "date": date.today().isoformat(),
        "repeat": repeat,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "duckdb_config": load_pipeline_settings().duckdb_config,
        "sensor_timeout_s": SENSOR_TIMEOUT_S,
        "scales": measured,
    }


# What each row of the table measures, and which part of a probe's figures it shows.
ROWS: tuple[tuple[str, str, str], ...] = (
    ("drift_month", "median_load_s", "drift: load the month's inputs"),
    ("drift_month", "median_compute_s", "drift: compute every metric"),
    ("drift_month", "median_s", "drift: load + compute"),
    ("score_month", "median_compute_s", "baseline: score the month"),
    ("score_month", "median_s", "baseline: load + score"),
    ("landing_first_tick", "median_s", "landing sensor, first tick"),
    ("landing_unchanged_tick", "median_s", "landing sensor, nothing changed"),
    (CHANGED_TICK, "median_s", "landing sensor, one file changed"),
    ("sha256_landing", "median_s", "baseline: SHA-256 of every landing file"),
    ("drift_sensor_tick", "median_s", "drift sensor tick"),
    ("stale_keys_sensor_tick", "median_s", "stale-keys sensor tick"),
    ("snapshot_count", "median_s", "baseline: open snapshot + count(*)"),
)


def _seconds(value: object) -> str:
    if not isinstance(value, float):
        return "-"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def _outcome(probe: str, details: dict[str, object]) -> str:
    if probe == "drift_month":
        customers = f"{details.get('customers'):,} customers"
        return f"{details.get('month')}: {customers}, drift {details.get('state')}"
    if probe == "score_month":
        return f"{details.get('customers'):,} customers"
    if probe == "sha256_landing":
        return f"{details.get('files')} files, {int(details.get('bytes', 0)) / 2**20:,.0f} MiB"  # type: ignore[call-overload]
    if probe == "snapshot_count":
        return f"{details.get('rows'):,} drift rows"
    if details.get("run_requests"):
        return f"{details['run_requests']} run(s): {', '.join(details['months_asked'])}"  # type: ignore[arg-type]
    return f"skip: {details.get('skip_reason')}"


def automation_table(results: dict[str, object]) -> str:
    """Markdown: per scale and row, the median seconds of the timed call, its spread, the
    baseline's median and the ratio, the child's wall time and peak RSS, and what came out."""
    rows = []
    for size in results["scales"]:  # type: ignore[attr-defined]
        probes = size.get("probes")
        if not probes:
            rows.append([size["scale"], size.get("outcome", "-"), *["-"] * 7])
            continue
        for probe, key, label in ROWS:
            summary = probes.get(probe, {})
            value = summary.get(key)
            if value is None:
                rows.append([size["scale"], label, summary.get("outcome", "-"), *["-"] * 6])
                continue
            baseline = BASELINE.get(probe)
            base = probes.get(baseline, {}).get(key) if baseline else None
            rss = summary["median_peak_rss_bytes"]
            spread = (
                f"{summary['min_s']:.3f}-{summary['max_s']:.3f} s" if key == "median_s" else "-"
            )
            rows.append(
                [
                    size["scale"],
                    label,
                    _seconds(value),
                    spread,
                    _seconds(base) if base is not None else "-",
                    _ratio(value, base),
                    f"{summary['median_child_wall_s']:.1f} s",
                    f"{rss / 2**30:.2f} GiB",
                    _outcome(probe, summary.get("details", {})),
                ]
            )
    header = [
        "scale",
        "measured",
        "median",
        "spread",
        "baseline",
        "ratio",
        "child wall",
        "peak RSS",
        "outcome",
    ]
    return markdown_table(header, rows)


def main(argv: list[str] | None = None) -> int:
    """Run one probe and leave its figures in the state folder."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("probe", choices=sorted(PROBE_FUNCTIONS))
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True)
    args = parser.parse_args(argv)
    figures = PROBE_FUNCTIONS[args.probe](args.landing, args.warehouse, args.state)
    (args.state / FIGURES.format(probe=args.probe)).write_text(json.dumps(figures, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
