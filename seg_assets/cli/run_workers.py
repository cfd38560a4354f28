"""Runs whose run worker is gone, marked failed so they stop holding the warehouse's run queue.

A run worker killed outright (SIGKILL, the out-of-memory killer, a reboot) cannot report the
end of its run: the run stays STARTED and, with one warehouse run at a time (dagster.yaml),
blocks the daemon's queue and `seg-assets materialize` forever. Dagster's run monitoring cannot
tell for the DefaultRunLauncher this project uses (it has no worker health check), but the
worker logs its PID when it starts ("Started process for run (pid: N)"): a run whose worker no
longer runs on this machine is failed, as the run monitoring daemon fails a dead worker's run.
"""

import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import ACTIVE_RUN_STATUSES, RunsFilter
from dagster._core.storage.tags import GRPC_INFO_TAG

# The engine event a run worker writes first (dagster/_grpc/impl.py, dagster/_cli/api.py).
WORKER_STARTED = "Started process for run"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class RunWorker:
    """The process that executes a run: its PID and when it said it had started."""

    pid: int
    started_at: float


def run_worker(instance: dg.DagsterInstance, run: dg.DagsterRun) -> RunWorker | None:
    """The run's latest run worker on this machine; None before one has started, or when the
    run's code server is on another machine (a PID there means nothing here)."""
    grpc_info = json.loads(run.tags.get(GRPC_INFO_TAG) or "{}")
    if grpc_info.get("host") not in LOCAL_HOSTS | {socket.gethostname()}:
        return None
    records = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, ascending=False
    ).records
    for record in records:
        entry = record.event_log_entry
        event = entry.dagster_event
        if event is None or not (event.message or "").startswith(WORKER_STARTED):
            continue
        pid = event.event_specific_data.metadata.get("pid")
        if pid is not None:
            return RunWorker(pid=int(pid.value), started_at=entry.timestamp)
    return None


def _linux_process(pid: int) -> tuple[str, float] | None:
    """State letter and start time (epoch seconds) of ``pid`` from /proc; None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration):
        return None
    # The command name in parentheses may hold spaces: the fields start after its ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[0], boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def worker_alive(worker: RunWorker) -> bool:
    """Whether the run worker still runs: its PID exists, is not a zombie, and was not reused
    by a process started after the worker reported in."""
    if Path("/proc/self/stat").exists():
        process = _linux_process(worker.pid)
        if process is None:
            return False
        state, started = process
        # Start times round to clock ticks: allow a second.
        return state not in ("Z", "X") and started <= worker.started_at + 1.0
    try:
        os.kill(worker.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_if_worker_gone(instance: dg.DagsterInstance, run: dg.DagsterRun) -> bool:
    """Fail (or, when it was canceling, cancel) ``run`` if it is in progress and its worker is
    gone, or if it has been STARTING with no worker for Dagster's start timeout; return whether
    it was."""
    if run.status not in ACTIVE_RUN_STATUSES:
        return False
    worker = run_worker(instance, run)
    if worker is None:
        if run.status != dg.DagsterRunStatus.STARTING:
            return False
        timeout = instance.run_monitoring_start_timeout_seconds
        launched = instance.get_run_stats(run.run_id).launch_time
        if launched is None or time.time() - launched < timeout:
            return False
        reason = f"no run worker started within {timeout} seconds of its launch"
    elif worker_alive(worker):
        return False
    else:
        reason = (
            f"its run worker (process {worker.pid}) ended without reporting the run's end:"
            " killed, out of memory or the machine restarted"
        )
    # The worker writes the run's end before it exits: read the status again now that it is gone.
    latest = instance.get_run_by_id(run.run_id)
    if latest is None or latest.status not in ACTIVE_RUN_STATUSES:
        return False
    message = (
        f"Marked {'canceled' if latest.status == dg.DagsterRunStatus.CANCELING else 'failed'}"
        f" by seg-assets: {reason}. Its steps may have left tables half-built; rerun it."
    )
    if latest.status == dg.DagsterRunStatus.CANCELING:
        instance.report_run_canceled(latest, message)
    else:
        instance.report_run_failed(latest, message)
    return True


def fail_runs_of_dead_workers(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Fail every starting, started or canceling run of the instance whose worker is gone;
    return those runs (one line printed for each)."""
    failed = []
    for run in instance.get_runs(RunsFilter(statuses=ACTIVE_RUN_STATUSES)):
        if fail_if_worker_gone(instance, run):
            print(
                f"Run {run.run_id} ({run.job_name}) lost its run worker: marked"
                f" {'canceled' if run.status == dg.DagsterRunStatus.CANCELING else 'failed'}",
                flush=True,
            )
            failed.append(run)
    return failed
