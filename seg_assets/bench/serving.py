"""Publishing the serving file: today's curated copy against the former whole-file byte copy.

``seg-assets bench --serving WAREHOUSE`` measures, on an already built warehouse (a copy of
it is never modified), each way of publishing in its own child process, repeated round-robin:
``full_copy`` (checkpoint, byte copy of every warehouse file, rename: the publication before
curated serving), ``curated`` (the curated store's bytes, the served master data, bi views and
publication row, no Parquet) and
``curated_parquet`` (what the pipeline runs: the same plus the Parquet export). With
``--cold`` each child first evicts the warehouse files from the page cache, as when the warehouse
is larger than memory (29 GB at 100M order lines) or was written long before the publish.
"""

import argparse
import os
import platform
import statistics
import sys
from datetime import date
from pathlib import Path

from seg_assets.bench.measure import measure
from seg_assets.lib.pipeline_settings import load_pipeline_settings
from seg_assets.lib.serving import publish_serving
from seg_assets.lib.serving.parquet import parquet_beside
from seg_assets.lib.table_preview import markdown_table
from seg_assets.lib.warehouse import (
    CURATED_CATALOG,
    connect_warehouse,
    copy_warehouse,
    warehouse_files,
)

VARIANTS = ("full_copy", "curated", "curated_parquet")


def _folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.resolve().rglob("*") if path.is_file())


def copy_whole_warehouse(warehouse: Path, serving: Path) -> None:
    """The publication before curated serving (the baseline): a byte copy of every file of the
    closed warehouse (the working file and its curated store, which were one file then),
    synced, opened once to prove it readable and renamed over ``serving``."""
    staged = serving.with_name(f".{serving.name}.publishing")
    try:
        copy_warehouse(warehouse, staged)
        for copied in warehouse_files(staged):
            with copied.open("rb") as handle:
                os.fsync(handle.fileno())
        with connect_warehouse(staged, read_only=True):
            pass
        for copied, published in zip(
            warehouse_files(staged), warehouse_files(serving), strict=True
        ):
            os.replace(copied, published)
    finally:
        for copied in warehouse_files(staged):
            copied.unlink(missing_ok=True)


def evict_from_page_cache(path: Path) -> None:
    """Drop ``path``'s pages from the operating system's cache (synced first: only clean pages
    can be dropped), so the next read comes from the disk."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def publish_once(variant: str, warehouse: Path, serving: Path, cold: bool = False) -> None:
    """Publish ``warehouse`` to ``serving`` the ``variant`` way (run in a child process)."""
    config = load_pipeline_settings().duckdb_config
    with connect_warehouse(warehouse, config=config) as con:
        # As the asset did: everything committed reaches the main files before they are copied.
        con.execute("checkpoint")
        con.execute(f"checkpoint {CURATED_CATALOG}")
    if cold:
        for path in warehouse_files(warehouse):
            evict_from_page_cache(path)
    if variant == "full_copy":
        copy_whole_warehouse(warehouse, serving)
        return
    with connect_warehouse(warehouse, config=config) as con:
        publish_serving(con, serving, "bench", parquet=variant == "curated_parquet")


def run_serving_bench(
    warehouse: Path, repeat: int, scratch: Path, cold: bool = False
) -> dict[str, object]:
    """Time each variant ``repeat`` times round-robin and record the published sizes.

    Parameters
    ----------
    warehouse
        A built working warehouse (e.g. a 10M-line full refresh); only read.
    repeat
        Runs per variant (the median is reported).
    scratch
        Folder for the published files.
    cold
        Evict the warehouse from the page cache before each publication.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict[str, object]]] = {variant: [] for variant in VARIANTS}
    sizes: dict[str, dict[str, int]] = {}
    for _ in range(repeat):
        for variant in VARIANTS:
            serving = scratch / variant / "serving.duckdb"
            serving.parent.mkdir(exist_ok=True)
            command = [sys.executable, "-m", "seg_assets.bench.serving", variant]
            command += ["--cold"] if cold else []
            measured = measure(
                [*command, "--warehouse", str(warehouse), "--serving", str(serving)],
                dict(os.environ),
            )
            runs[variant].append(
                {
                    "seconds": measured.seconds,
                    "peak_rss_bytes": measured.peak_rss_bytes,
                    "outcome": measured.outcome,
                }
            )
            link = parquet_beside(serving)
            sizes[variant] = {
                "serving_bytes": sum(
                    path.stat().st_size for path in warehouse_files(serving) if path.exists()
                ),
                "parquet_bytes": _folder_bytes(link) if link.exists() else 0,
            }
    with connect_warehouse(warehouse, read_only=True) as con:
        [(order_lines,)] = con.execute("select count(*) from marts.fct_order_lines").fetchall()
    return {
        "date": date.today().isoformat(),
        "warehouse": str(warehouse),
        "warehouse_bytes": sum(path.stat().st_size for path in warehouse_files(warehouse)),
        "order_lines": int(order_lines),
        "repeat": repeat,
        "page_cache": "cold" if cold else "warm",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "variants": {
            variant: {
                "median_s": statistics.median(float(r["seconds"]) for r in measured),
                "min_s": min(float(r["seconds"]) for r in measured),
                "max_s": max(float(r["seconds"]) for r in measured),
                "median_peak_rss_bytes": statistics.median(
                    int(r["peak_rss_bytes"]) for r in measured
                ),
                "outcomes": sorted({str(r["outcome"]) for r in measured}),
                **sizes[variant],
            }
            for variant, measured in runs.items()
        },
    }


def serving_table(results: dict) -> str:
    """Markdown: seconds, peak RSS and sizes of each variant, and ratios to the full copy; a
    variant with a failed run shows its failure instead of figures."""
    variants = results["variants"]
    full = variants["full_copy"]
    rows = []
    for variant, v in variants.items():
        if v["outcomes"] != ["ok"]:
            rows.append([variant, "; ".join(v["outcomes"]), "-", "-", "-", "-", "-"])
            continue
        rows.append(
            [
                variant,
                f"{v['median_s']:.1f} ({v['min_s']:.1f}-{v['max_s']:.1f})",
                f"{v['median_s'] / full['median_s']:.2f}",
                f"{v['median_peak_rss_bytes'] / 2**20:,.0f}",
                f"{v['serving_bytes'] / 2**20:,.0f}",
                f"{v['serving_bytes'] / full['serving_bytes']:.3f}",
                f"{v['parquet_bytes'] / 2**20:,.0f}",
            ]
        )
    return markdown_table(
        [
            "variant",
            "seconds (min-max)",
            "x full copy",
            "peak MiB",
            "file MiB",
            "x full copy",
            "Parquet MiB",
        ],
        rows,
    )


def main(argv: list[str] | None = None) -> int:
    """One publication of ``--warehouse`` to ``--serving`` (a child of the benchmark)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--serving", type=Path, required=True)
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args(argv)
    publish_once(args.variant, args.warehouse, args.serving, args.cold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
