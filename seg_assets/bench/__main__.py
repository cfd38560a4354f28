"""``seg-assets bench``: measure the pipeline at scale against bare DuckDB and pandas."""

import argparse
import os
import tempfile
from pathlib import Path

from seg_assets.bench.automation import automation_table, run_automation_bench
from seg_assets.bench.master_data import mdm_table, run_mdm_scaling
from seg_assets.bench.runner import (
    WORKLOADS,
    PandasBounds,
    results_table,
    run_scale,
    scales_named,
    write_results,
)
from seg_assets.bench.scales import SERIES
from seg_assets.bench.segmentation import run_segmentation_bench, segmentation_table
from seg_assets.bench.series import SERIES_WORKLOADS, series_summary, series_table
from seg_assets.bench.serving import VARIANTS as SERVING_VARIANTS
from seg_assets.bench.serving import run_serving_bench, serving_table

DEFAULT_SCALES = ["10m"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the bench command."""
    parser.add_argument(
        "--scale",
        nargs="+",
        help=f"scales to measure (default {' '.join(DEFAULT_SCALES)}; none with --mdm-customers)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per workload (median)")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=WORKLOADS)
    parser.add_argument("--series", action="store_true", help="also run the scaling series")
    parser.add_argument(
        "--mdm-customers",
        nargs="+",
        type=int,
        default=[],
        metavar="N",
        help="measure the master-data group at these customer counts",
    )
    parser.add_argument(
        "--segmentation",
        nargs="+",
        default=[],
        metavar="SCALE",
        help="time the segmentation group at these scales (e.g. demo 10m)",
    )
    parser.add_argument(
        "--automation",
        nargs="+",
        default=[],
        metavar="SCALE",
        help="time drift per month and sensor ticks at these scales (e.g. demo 10m)",
    )
    parser.add_argument(
        "--serving",
        nargs="+",
        default=[],
        type=Path,
        metavar="WAREHOUSE",
        help="time publishing the serving file from these built warehouses (curated vs copy)",
    )
    parser.add_argument(
        "--cold-cache",
        action="store_true",
        help="with --serving: evict the warehouse from the page cache before each publication",
    )
    parser.add_argument(
        "--pandas-timeout", type=float, default=None, help="seconds before pandas is stopped"
    )
    parser.add_argument(
        "--pandas-memory-bound",
        type=float,
        default=round(0.8 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        help="GiB resident at which pandas is stopped (default: 80%% of physical memory)",
    )


def run(args: argparse.Namespace) -> int:
    """Measure each scale (and the series, and master-data scaling), write results and print
    tables."""
    # Asking only for master-data, segmentation or automation timings should not also start
    # the long default scale.
    only = args.mdm_customers or args.segmentation or args.automation or args.serving
    scales = args.scale or ([] if only else DEFAULT_SCALES)
    with tempfile.TemporaryDirectory(prefix="seg_assets_bench_") as scratch:
        for scale in scales_named(scales):
            print(f"benchmark at {scale.name}: {args.repeat} run(s) of {', '.join(args.workloads)}")
            results = run_scale(
                scale,
                args.repeat,
                Path(scratch) / scale.name,
                tuple(args.workloads),
                PandasBounds(args.pandas_timeout, args.pandas_memory_bound),
            )
            print(f"\nresults written to {write_results(results, scale.name)}\n")
            print(results_table(results))
        if args.series:
            per_scale = [
                run_scale(
                    scale,
                    args.repeat,
                    Path(scratch) / f"series-{scale.name}",
                    SERIES_WORKLOADS,
                    PandasBounds(args.pandas_timeout, args.pandas_memory_bound),
                )
                for scale in scales_named(list(SERIES))
            ]
            summary = series_summary(per_scale)
            path = write_results({"series": per_scale, "growth": summary}, "series")
            print(f"\nscaling series written to {path}\n")
            print(series_table(per_scale, summary))
        if args.mdm_customers:
            print(f"master-data scaling: {args.repeat} run(s) at {args.mdm_customers} customers")
            results = run_mdm_scaling(args.mdm_customers, args.repeat, Path(scratch) / "mdm")
            print(f"\nmaster-data scaling written to {write_results(results, 'mdm')}\n")
            print(mdm_table(results))
        for name, chosen, bench, table in (
            ("segmentation", args.segmentation, run_segmentation_bench, segmentation_table),
            ("automation", args.automation, run_automation_bench, automation_table),
        ):
            if not chosen:
                continue
            print(f"{name}: {args.repeat} run(s) at {', '.join(chosen)}")
            results = bench(scales_named(chosen), args.repeat, Path(scratch) / name)
            path = write_results(results, name)
            print(f"\n{name} timings written to {path}\n")
            print(table(results))
        for warehouse in args.serving:
            print(f"serving: {args.repeat} run(s) of {', '.join(SERVING_VARIANTS)} on {warehouse}")
            results = run_serving_bench(
                warehouse, args.repeat, Path(scratch) / "serving", cold=args.cold_cache
            )
            name = "serving-cold" if args.cold_cache else "serving"
            print(f"\nserving timings written to {write_results(results, name)}\n")
            print(serving_table(results))
    return 0


def main() -> int:
    """Entry point for ``python -m seg_assets.bench``."""
    parser = argparse.ArgumentParser(prog="seg-assets bench", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
