"""Command line: ``seg-assets generate | check | materialize | summary | demo | models | bench
| docs | ui``."""

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from seg_assets.bench.__main__ import add_arguments as add_bench_arguments
from seg_assets.bench.__main__ import run as run_bench
from seg_assets.cli.check import check
from seg_assets.cli.commands import generate, materialize, summary, ui
from seg_assets.cli.models import apply_decision, list_models, pending_models
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.project import PROJECT_ROOT
from seg_assets.lib.serving.docs import write_bi_views_section

DESCRIPTION = (
    "Customer segmentation as Dagster assets on DuckDB: generate the synthetic sources,"
    " materialize the warehouse, summarize it, benchmark it or open the Dagster UI."
)
MONTH = "YYYY-MM-01"


def _version() -> str:
    try:
        return version("seg_assets")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seg-assets", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write the synthetic source extracts")
    gen.add_argument("--customers", type=int, help="number of customers (default: config)")
    gen.add_argument("--months", type=int, help="number of months (default: config)")
    gen.add_argument("--order-lines", type=int, help="target order lines (default: config)")
    gen.add_argument("--seed", type=int, help="random seed (default: config)")

    mat = commands.add_parser(
        "materialize",
        help="run the full_refresh job with progress",
        description=(
            "Launch the full_refresh job (or an asset selection) on the code location of"
            " workspace.yaml, as the UI would, and print each asset as it completes. The run"
            " shows under its job in the UI and can be re-executed there. With the Dagster"
            " daemon running (make ui) it waits in the run queue; otherwise it starts once no"
            " other run is in progress."
        ),
    )
    mat.add_argument(
        "--partition",
        metavar=MONTH,
        help="one month to refresh; default: every month in one run",
    )
    mat.add_argument(
        "--from", dest="first", metavar=MONTH, help="first month of a range (default: the first)"
    )
    mat.add_argument(
        "--to", dest="last", metavar=MONTH, help="last month of a range (default: the last)"
    )
    mat.add_argument(
        "--select",
        metavar="SELECTION",
        help=(
            "Dagster asset selection to materialize instead of every asset, for example"
            " group:segmentation or key:marts/fct_customer_features+"
        ),
    )

    commands.add_parser(
        "check",
        help="validate the configuration and landing files; print what would run",
        description=(
            "Validate every file under config/ (unknown keys, types, ranges, references between"
            " files) and the landing files (present, readable, every declared column), then"
            " print what `seg-assets materialize` would run. Writes nothing; exits 1 on any"
            " problem."
        ),
    )
    commands.add_parser("summary", help="print the warehouse's tables and row counts")
    demo = commands.add_parser("demo", help="generate (if absent), materialize, summarize")
    demo.add_argument("--regenerate", action="store_true", help="regenerate the sources")
    _add_models_commands(commands)
    bench_parser = commands.add_parser("bench", help="measure refreshes at scale (make bench)")
    add_bench_arguments(bench_parser)
    commands.add_parser(
        "docs",
        help="regenerate README.md's list of bi views and columns from the model docs",
    )
    ui_parser = commands.add_parser("ui", help="start the Dagster UI on the warehouse")
    ui_parser.add_argument("--port", type=int, default=3000)
    return parser


def _add_models_commands(commands: argparse._SubParsersAction) -> None:
    models = commands.add_parser(
        "models",
        help="list segmentation model versions; approve, reject or roll back one",
        description=(
            "Model versions as the serving snapshot holds them. A retrained model the guard"
            " held (stability, quality, change freeze or downgrade impact) waits as pending"
            " approval; a decision is applied by a segmentation run launched through the"
            " Dagster instance and recorded in segmentation.model_decisions."
        ),
    )
    actions = models.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="every registered version with its status")
    actions.add_parser("pending", help="versions pending approval, why, and their impact")
    for action, text in (
        ("approve", "publish a pending version for the month it was trained on"),
        ("reject", "keep the serving model; the version never serves"),
        ("rollback", "publish a version for a month, even below the minimum share"),
    ):
        decide = actions.add_parser(action, help=text)
        decide.add_argument("version", help="the model version, e.g. 2026-08-ad938b72b5")
        decide.add_argument("--by", required=True, help="who decides (recorded)")
        decide.add_argument("--reason", required=True, help="why (recorded)")
        if action == "rollback":
            decide.add_argument(
                "--month", metavar=MONTH, help="month to publish it for (default: the newest)"
            )


def _models(args: argparse.Namespace) -> int:
    if args.action == "list":
        print(list_models())
    elif args.action == "pending":
        print(pending_models())
    else:
        return apply_decision(
            args.action, args.version, args.by, args.reason, getattr(args, "month", None)
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; user-facing errors print as one clear message, not a traceback."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "generate":
            generate(args.customers, args.months, args.order_lines, args.seed)
        elif args.command == "materialize":
            return materialize(args.partition, args.first, args.last, args.select)
        elif args.command == "check":
            return check()
        elif args.command == "summary":
            summary()
        elif args.command == "demo":
            generate(None, None, None, None, only_if_absent=not args.regenerate)
            status = materialize(None)
            summary()
            return status
        elif args.command == "models":
            return _models(args)
        elif args.command == "bench":
            return run_bench(args)
        elif args.command == "docs":
            changed = write_bi_views_section(PROJECT_ROOT / "README.md")
            print("README.md updated" if changed else "README.md is up to date")
        elif args.command == "ui":
            return ui(args.port)
    except SegAssetsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
