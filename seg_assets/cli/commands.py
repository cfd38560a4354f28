"""What each command does; the Dagster and generator imports stay inside the commands."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from seg_assets.cli.summary import summary_text
from seg_assets.lib.dagster_home import dagster_home
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.project import PROJECT_ROOT, config_dir, landing_dir, truth_dir, warehouse_path

UI_STOP_GRACE_SECONDS = 20


def generate(
    customers: int | None,
    months: int | None,
    order_lines: int | None,
    seed: int | None,
    only_if_absent: bool = False,
) -> None:
    """Write the synthetic extracts to the landing folder and the truth beside them."""
    from seg_assets.lib.generator import GeneratorSettings
    from seg_assets.lib.generator import generate as generate_sources
    from seg_assets.lib.generator.pipeline import default_sources_path, frame_summary
    from seg_assets.lib.source_contracts import load_source_contracts

    landing = landing_dir()
    contracts = load_source_contracts(default_sources_path())
    if only_if_absent and all(c.landing_file(landing).exists() for c in contracts.values()):
        print(f"Sources already in {landing}; `make clean` regenerates them")
        return
    overrides = {"customers": customers, "months": months, "order_lines": order_lines, "seed": seed}
    settings = GeneratorSettings.from_yaml(
        config_dir() / "generator.yaml",
        **{name: value for name, value in overrides.items() if value is not None},
    )
    print(
        f"Generating {settings.customers:,} customers, {settings.months} months,"
        f" ~{settings.order_lines:,} order lines (seed {settings.seed}) into {landing}",
        flush=True,
    )
    report = generate_sources(settings, landing, truth_dir(), contracts=contracts)
    for source, rows, size in frame_summary(report).iter_rows():
        print(f"  {source:<28} {rows:>10,} rows {size / 1e6:>8.1f} MB")
    print(f"  planted faults: {', '.join(f'{k} {v:,}' for k, v in report.fault_counts.items())}")
    print(f"Generated in {report.elapsed_seconds:.1f}s; ground truth in {truth_dir()}")


def materialize(
    partition: str | None = None,
    first: str | None = None,
    last: str | None = None,
    select: str | None = None,
) -> int:
    """Launch full_refresh (or an asset selection) on the code location, printing each asset
    as it completes; the run belongs to its job in the UI and can be re-executed there."""
    from seg_assets.cli.progress import materialize_run
    from seg_assets.lib.config.catalog import validate_configuration

    # Before the code location loads: one message listing every problem, not a location error.
    validate_configuration()
    return materialize_run(partition, first, last, select)


def summary() -> None:
    """Print tables, row counts and quarantine reasons of the warehouse."""
    database = warehouse_path()
    if not database.exists():
        raise SegAssetsError(f"no warehouse at {database} yet: run `make demo` first")
    print(summary_text(database))


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _restore_default_signals() -> None:
    # A child started from a non-interactive shell inherits ignored SIGINT; undo that.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def ui(port: int) -> int:
    """Start `dagster dev` in its own process group and stop the whole group on Ctrl-C."""
    if not _port_is_free(port):
        raise SegAssetsError(f"port {port} is in use: stop what runs there or pass --port")
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home())}
    command = [
        str(Path(sys.executable).with_name("dagster")),
        "dev",
        "-w",
        str(PROJECT_ROOT / "workspace.yaml"),
        "-p",
        str(port),
    ]
    server = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        start_new_session=True,
        preexec_fn=_restore_default_signals,
    )

    def stop(signum: int, _frame: object) -> None:
        os.killpg(server.pid, signal.SIGINT)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(
        f"Dagster UI on http://localhost:{port} (warehouse {warehouse_path()}, process group"
        f" {server.pid}); Ctrl-C stops it",
        flush=True,
    )
    status = server.wait()
    _stop_group(server.pid)
    return 0 if status in (0, -signal.SIGINT, 130) else status


def _stop_group(pgid: int) -> None:
    """Wait for the rest of the group (code servers) to exit, then kill stragglers."""
    deadline = time.monotonic() + UI_STOP_GRACE_SECONDS
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
