"""Crash recovery: `seg-assets materialize` killed with SIGKILL, its whole process group (the
command, its code server and the run worker), at points of its progress log in raw loading,
staging, master data, cost allocation, segmentation and the publish; ten trials. After each
kill the next `seg-assets materialize` fails the dead run, runs to the end and leaves every table
as an uninterrupted run does; the serving file is the previous publication or the new one,
never anything else; nothing the killed run left (WAL, staged files) remains in the way.
Minutes of work: marker ``reliability``."""

import filecmp
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from conftest import project_environment
from dagster._core.storage.dagster_run import ACTIVE_RUN_STATUSES
from reliability_helpers import (
    differing_tables,
    publication,
    serving_checksums,
    warehouse_checksums,
)

from seg_assets.lib.project import PROJECT_ROOT, config_dir
from seg_assets.lib.serving.parquet import PUBLICATION_FILE, parquet_beside
from seg_assets.lib.serving.publish import staged_path

pytestmark = pytest.mark.reliability

SEG_ASSETS = str(Path(sys.executable).with_name("seg-assets"))
# Small enough for twenty runs in minutes; 18 months leave 7 segmentable months (12 of history).
GENERATE = ("generate", "--customers", "300", "--months", "18", "--order-lines", "30000")
# One command, however busy the machine: a hung one fails the test instead of blocking it.
COMMAND_SECONDS = 1200
RUN_ID = re.compile(r"\(run (?P<run_id>[0-9a-f-]{36}) of ")
# What a killed run may leave in the warehouse folder and its rerun must not be stopped by nor
# leave behind: write-ahead logs, the staged serving file, a curated store being compacted,
# Parquet exports being built, a link being swapped, DuckDB's spill folder.
LEFTOVERS = ("*.wal", ".*.publishing", ".*.compacting", ".*.building", ".*.link", "*.tmp")


# Moments inside the publish (the last step), watched on the serving folder once the line of the
# asset before it shows: its staged file exists (begun, not renamed yet), or the serving file
# was replaced (renamed; the run has not recorded its end yet).
STAGED, RENAMED = "staged serving file", "serving file replaced"


@dataclass(frozen=True)
class KillPoint:
    """Kill the run when ``line`` shows in its progress log (with ``then``, once that moment of
    the publish has come too)."""

    stage: str
    line: str
    then: str | None = None

    def __str__(self) -> str:
        return self.line + (f" + {self.then}" if self.then else "")


# Two trials per folder: the first on a fresh folder (no serving file yet), the second after
# the first one's rerun published (so there is an old snapshot to keep).
TRIALS = {
    "raw-then-master-data": (
        KillPoint("raw loading", "raw/erp__customers"),
        KillPoint("master data", "mdm/dim_customer_golden"),
    ),
    "staging-then-raw": (
        KillPoint("staging", "staging/stg_erp__orders"),
        KillPoint("raw loading", "raw/wms__activity"),
    ),
    "master-data-then-cost-allocation": (
        KillPoint("master data", "mdm/customer_match_pairs"),
        KillPoint("cost allocation", "intermediate/int_cost_driver_volumes"),
    ),
    "segmentation-then-mid-publish": (
        KillPoint("segmentation", "segment_customers: 2025-11-01"),
        KillPoint("publish", "kpi/kpi_alerts", then=STAGED),
    ),
    "after-publish-then-segmentation": (
        KillPoint("publish", "kpi/kpi_alerts", then=RENAMED),
        KillPoint("segmentation", "segment_customers: 2026-02-01"),
    ),
}


@dataclass(frozen=True)
class Baseline:
    """An uninterrupted run on the generated data: its folder and its checksums."""

    root: Path
    tables: dict[str, str]
    serving: dict[str, str]
    seconds: float


def _seg_assets(env: dict[str, str], *args: str) -> str:
    """Run `seg-assets` to its end; its output, once it succeeded."""
    done = subprocess.run(
        [SEG_ASSETS, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout


def _run_id(output: str) -> str:
    found = RUN_ID.search(output)
    assert found, output[-4000:]
    return found["run_id"]


def _rows(checksum: str) -> int:
    return int(checksum.split(":")[0])


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    """The data generated once, and one uninterrupted `seg-assets materialize` on it."""
    root = tmp_path_factory.mktemp("baseline")
    # One copy of the settings for every run of the module, whatever happens to the project's.
    shutil.copytree(config_dir(), root / "config")
    env = project_environment(root)
    _seg_assets(env, *GENERATE)
    started = time.monotonic()
    run_id = _run_id(_seg_assets(env, "materialize"))
    seconds = time.monotonic() - started
    tables = warehouse_checksums(root / "warehouse.duckdb", run_id)
    # Every stage has work to do, segmentation included.
    for table in ("raw.erp__order_lines", "segmentation.customer_segments", "kpi.kpi_alerts"):
        assert _rows(tables[table]) > 0, table
    return Baseline(root, tables, serving_checksums(root / "serving.duckdb"), seconds)


def _group_members(group: int) -> list[int]:
    """Processes of the process group ``group`` still alive (zombies are not)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended meanwhile
            continue
        state, _parent, process_group = text[text.rindex(")") + 2 :].split()[:3]
        if int(process_group) == group and state not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members


def _holders(folder: Path) -> dict[int, str]:
    """Processes with a file of ``folder`` open (PID: one such file)."""
    holders = {}
    for descriptor in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith(f"{folder}/"):
            holders[int(descriptor.parts[2])] = target
    return holders


def _kill_group(group: int) -> None:
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def _wait_for_publish(moment: str, serving: Path, process: subprocess.Popen) -> None:
    """Return once the publish has reached ``moment`` (STAGED or RENAMED)."""
    before = _inode(serving)
    staged = staged_path(serving)
    deadline = time.monotonic() + COMMAND_SECONDS
    while not (staged.exists() if moment == STAGED else _inode(serving) not in (None, before)):
        assert process.poll() is None, f"the run ended before its publish came to {moment}"
        assert time.monotonic() < deadline, f"the publish never came to {moment}"
        time.sleep(0.001)


def _kill_at(point: KillPoint, root: Path, env: dict[str, str]) -> str:
    """Start `seg-assets materialize` in its own process group, SIGKILL the group at ``point``
    and return the killed run's id once no process of it is left."""
    process = subprocess.Popen(
        [SEG_ASSETS, "materialize"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    watchdog = threading.Timer(COMMAND_SECONDS, _kill_group, [process.pid])
    watchdog.start()
    output, killed = [], False
    try:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if point.line in line:
                if point.then:
                    _wait_for_publish(point.then, root / "serving.duckdb", process)
                os.killpg(process.pid, signal.SIGKILL)
                killed = True
                break
    finally:
        watchdog.cancel()
        if not killed:
            _kill_group(process.pid)
        process.wait()
        process.stdout.close()
    text = "".join(output)
    assert killed, f"{point.line!r} never showed in the progress log:\n{text[-4000:]}"
    deadline = time.monotonic() + 60
    while members := _group_members(process.pid):
        assert time.monotonic() < deadline, f"processes {members} survived SIGKILL"
        time.sleep(0.1)
    assert _holders(root) == {}, "a process still holds the warehouse"
    return _run_id(text)


def _run_status(root: Path, run_id: str) -> dg.DagsterRunStatus:
    with dg.DagsterInstance.from_config(str(root / "dagster_home")) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None
        return run.status


def _leftovers(root: Path) -> list[str]:
    return sorted(path.name for pattern in LEFTOVERS for path in root.glob(pattern))


def _served(root: Path, previous: Path | None, baseline: Baseline) -> str:
    """Which serving file the folder holds: ``absent`` (nothing published yet), ``old`` (the
    previous publication, byte for byte) or ``new`` (a complete publication of this data);
    anything else fails. Either opens read-only on its own, as a BI tool opens it."""
    serving = root / "serving.duckdb"
    if not serving.exists():
        assert previous is None, "the previous publication disappeared"
        return "absent"
    checksums = serving_checksums(serving)
    if previous is not None and filecmp.cmp(serving, previous, shallow=False):
        return "old"
    assert differing_tables(checksums, baseline.serving) == []
    return "new"


def _exported(root: Path, previous: Path | None) -> str:
    """Which publication the Parquet export beside the serving file holds, whole (its
    publication file is written last): ``serving`` (the serving file's), ``previous`` (the one
    before: the link is swapped just after the serving file is renamed) or ``absent``."""
    serving = root / "serving.duckdb"
    link = parquet_beside(serving)
    if not link.exists():
        return "absent"
    exported = json.loads((link / PUBLICATION_FILE).read_text())["publication_id"]
    if serving.exists() and exported == publication(serving)["publication_id"]:
        return "serving"
    assert previous is not None, "an export with no publication"
    assert exported == publication(previous)["publication_id"]
    return "previous"


def _crash_and_recover(
    point: KillPoint, root: Path, env: dict[str, str], previous: Path | None, baseline: Baseline
) -> dict[str, object]:
    """One trial: kill a run at ``point``, check what it left, rerun, compare with the
    baseline; what happened, for the report."""
    killed_run = _kill_at(point, root, env)
    served_after_kill = _served(root, previous, baseline)
    exported_after_kill = _exported(root, previous)
    left_after_kill = _leftovers(root)
    # Dagster leaves the run of a killed worker in progress: nothing would ever end it.
    status_after_kill = _run_status(root, killed_run)
    assert status_after_kill in ACTIVE_RUN_STATUSES
    started = time.monotonic()
    output = _seg_assets(env, "materialize")
    rerun_seconds = time.monotonic() - started
    assert f"Run {killed_run} (full_refresh) lost its run worker: marked failed" in output
    assert _run_status(root, killed_run) == dg.DagsterRunStatus.FAILURE
    rerun = _run_id(output)
    assert rerun != killed_run
    differ = differing_tables(
        warehouse_checksums(root / "warehouse.duckdb", rerun), baseline.tables
    )
    assert differ == [], f"after a kill at {point}, the rerun's tables differ: {differ}"
    assert _served(root, previous, baseline) == "new"
    assert _exported(root, previous) == "serving"
    assert _leftovers(root) == []
    return {
        "stage": point.stage,
        "kill point": str(point),
        "killed run": f"{killed_run[:8]} ({status_after_kill.value} after the kill)",
        "left after kill": left_after_kill,
        "serving after kill": served_after_kill,
        "parquet export after kill": exported_after_kill,
        "rerun": f"ok in {rerun_seconds:.0f}s, tables equal, serving new",
    }


@pytest.mark.parametrize(("first", "second"), TRIALS.values(), ids=TRIALS.keys())
def test_a_run_killed_at_any_stage_is_recovered_by_the_next(first, second, baseline, tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    for folder in ("config", "landing", "truth"):
        shutil.copytree(baseline.root / folder, root / folder)
    env = project_environment(root)
    previous = None
    for point in (first, second):
        outcome = _crash_and_recover(point, root, env, previous, baseline)
        print(f"\ntrial (the uninterrupted run took {baseline.seconds:.0f}s): {outcome}")
        # Old or new, never anything else; after a first publication, never none at all.
        allowed = ("absent", "new") if previous is None else ("old", "new")
        assert outcome["serving after kill"] in allowed, outcome
        assert outcome["parquet export after kill"] in ("absent", "serving", "previous"), outcome
        previous = tmp_path / "previous.serving.duckdb"
        shutil.copyfile(root / "serving.duckdb", previous)
