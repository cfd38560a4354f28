"""Command line: ``seg-assets generate | materialize | summary | demo | bench | ui``."""

import argparse
import sys
from collections.abc import Sequence

from seg_assets.bench.__main__ import add_arguments as add_bench_arguments
from seg_assets.bench.__main__ import run as run_bench
from seg_assets.cli.commands import generate, materialize, summary, ui
from seg_assets.lib.errors import SegAssetsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seg-assets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write the synthetic source extracts")
    gen.add_argument("--customers", type=int, help="number of customers (default: config)")
    gen.add_argument("--months", type=int, help="number of months (default: config)")
    gen.add_argument("--order-lines", type=int, help="target order lines (default: config)")
    gen.add_argument("--seed", type=int, help="random seed (default: config)")

    mat = commands.add_parser("materialize", help="run the full_refresh job with progress")
    mat.add_argument(
        "--partition",
        help="one month (YYYY-MM-01) to refresh; default: every month in one run",
    )

    commands.add_parser("summary", help="print the warehouse's tables and row counts")
    demo = commands.add_parser("demo", help="generate (if absent), materialize, summarize")
    demo.add_argument("--regenerate", action="store_true", help="regenerate the sources")
    bench_parser = commands.add_parser("bench", help="measure refreshes at scale (make bench)")
    add_bench_arguments(bench_parser)
    ui_parser = commands.add_parser("ui", help="start the Dagster UI on the warehouse")
    ui_parser.add_argument("--port", type=int, default=3000)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; user-facing errors print as one clear message, not a traceback."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "generate":
            generate(args.customers, args.months, args.order_lines, args.seed)
        elif args.command == "materialize":
            return materialize(args.partition)
        elif args.command == "summary":
            summary()
        elif args.command == "demo":
            generate(None, None, None, None, only_if_absent=not args.regenerate)
            status = materialize(None)
            summary()
            return status
        elif args.command == "bench":
            return run_bench(args)
        elif args.command == "ui":
            return ui(args.port)
    except SegAssetsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
