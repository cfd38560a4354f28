"""How time and memory grow with the number of order lines, flagging worse than linear."""

import math

from seg_assets.lib.table_preview import markdown_table

SERIES_WORKLOADS = ("dagster_full", "bare_duckdb", "pandas")
# A log-log slope above this (time or memory against rows) is flagged as worse than linear.
SUPERLINEAR_SLOPE = 1.15


def growth_slope(sizes: list[float], values: list[float]) -> float | None:
    """Least-squares slope of log(value) against log(size): 1.0 is linear growth."""
    points = [(math.log(s), math.log(v)) for s, v in zip(sizes, values, strict=True) if s and v]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else None


def series_summary(per_scale: list[dict[str, object]]) -> dict[str, object]:
    """Slopes of time and peak memory per workload over the scales, with superlinear flags."""
    summary: dict[str, object] = {}
    for workload in SERIES_WORKLOADS:
        measured = [
            (result["order_lines"], result["workloads"][workload])
            for result in per_scale
            if result["workloads"].get(workload, {}).get("median_s") is not None
        ]
        sizes = [float(rows) for rows, _ in measured]
        time_slope = growth_slope(sizes, [m["median_s"] for _, m in measured])
        memory_slope = growth_slope(sizes, [m["median_peak_rss_bytes"] for _, m in measured])
        summary[workload] = {
            "time_slope": time_slope,
            "memory_slope": memory_slope,
            "superlinear_time": time_slope is not None and time_slope > SUPERLINEAR_SLOPE,
            "superlinear_memory": memory_slope is not None and memory_slope > SUPERLINEAR_SLOPE,
        }
    return summary


def series_table(per_scale: list[dict[str, object]], summary: dict[str, object]) -> str:
    """Markdown: seconds and peak GiB per workload per scale, then the growth slopes."""
    header = ["scale", "order lines"]
    for workload in SERIES_WORKLOADS:
        header += [f"{workload} s", f"{workload} GiB"]
    rows = []
    for result in per_scale:
        row = [result["scale"], f"{result['order_lines']:,}"]
        for workload in SERIES_WORKLOADS:
            measured = result["workloads"].get(workload, {})
            seconds, rss = measured.get("median_s"), measured.get("median_peak_rss_bytes")
            row += [
                f"{seconds:.1f}" if seconds is not None else measured.get("outcome", "-"),
                f"{rss / 2**30:.2f}" if rss is not None else "-",
            ]
        rows.append(row)
    slopes = []
    for workload in SERIES_WORKLOADS:
        s = summary[workload]
        flags = [
            name
            for name, flagged in (
                ("time", s["superlinear_time"]),
                ("memory", s["superlinear_memory"]),
            )
            if flagged
        ]
        slopes.append(
            [
                workload,
                "-" if s["time_slope"] is None else f"{s['time_slope']:.2f}",
                "-" if s["memory_slope"] is None else f"{s['memory_slope']:.2f}",
                "WORSE THAN LINEAR: " + ", ".join(flags) if flags else "linear or better",
            ]
        )
    return "\n\n".join(
        [
            markdown_table(header, rows),
            markdown_table(["workload", "time slope", "memory slope", "verdict"], slopes),
        ]
    )
