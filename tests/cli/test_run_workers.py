"""A run whose worker was killed is failed, not waited for: its worker's PID no longer runs (or
now belongs to a later process). Runs with a live worker, or none known, are left alone."""

import json
import subprocess
import time
import uuid
from collections.abc import Iterator

import dagster as dg
import pytest
from dagster._core.events import EngineEventData
from dagster._core.storage.tags import GRPC_INFO_TAG

from seg_assets.cli.launch import follow_run, project_instance
from seg_assets.cli.run_workers import RunWorker, fail_runs_of_dead_workers, worker_alive

LOCAL_CODE_SERVER = {GRPC_INFO_TAG: json.dumps({"host": "localhost", "socket": "/tmp/none"})}


@pytest.fixture
def instance(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dg.DagsterInstance]:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    with project_instance() as instance:
        yield instance


@pytest.fixture
def live_process() -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(["sleep", "120"])
    yield process
    process.kill()
    process.wait()


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _started_run(
    instance: dg.DagsterInstance, worker_pid: int | None, tags: dict[str, str] = LOCAL_CODE_SERVER
) -> dg.DagsterRun:
    """A STARTED run whose worker (when ``worker_pid`` is given) reported in as Dagster's do."""
    run = instance.add_run(dg.DagsterRun(job_name="writer", run_id=str(uuid.uuid4()), tags=tags))
    instance.report_dagster_event(
        dg.DagsterEvent(event_type_value=dg.DagsterEventType.RUN_START.value, job_name="writer"),
        run_id=run.run_id,
    )
    if worker_pid is not None:
        instance.report_engine_event(
            f"Started process for run (pid: {worker_pid}).",
            run,
            EngineEventData.in_process(worker_pid),
        )
    return run


def _status(instance: dg.DagsterInstance, run: dg.DagsterRun) -> dg.DagsterRunStatus:
    latest = instance.get_run_by_id(run.run_id)
    assert latest is not None
    return latest.status


def test_only_the_run_whose_worker_is_gone_is_failed(instance, live_process, capsys):
    dead = _started_run(instance, _dead_pid())
    alive = _started_run(instance, live_process.pid)
    unknown = _started_run(instance, None)
    # A PID on another machine's code server says nothing about this one's processes.
    remote = _started_run(
        instance, _dead_pid(), {GRPC_INFO_TAG: json.dumps({"host": "10.1.2.3", "port": 4000})}
    )

    assert [run.run_id for run in fail_runs_of_dead_workers(instance)] == [dead.run_id]

    assert _status(instance, dead) == dg.DagsterRunStatus.FAILURE
    for run in (alive, unknown, remote):
        assert _status(instance, run) == dg.DagsterRunStatus.STARTED
    assert (
        f"Run {dead.run_id} (writer) lost its run worker: marked failed" in capsys.readouterr().out
    )
    (failure,) = instance.get_records_for_run(
        dead.run_id, of_type=dg.DagsterEventType.RUN_FAILURE
    ).records
    assert "ended without reporting the run's end" in (failure.event_log_entry.message or "")
    assert fail_runs_of_dead_workers(instance) == []


def test_a_pid_reused_by_a_later_process_is_not_the_worker(live_process):
    assert worker_alive(RunWorker(live_process.pid, started_at=time.time()))
    # The worker reported in a minute before this process started: its PID was reused.
    assert not worker_alive(RunWorker(live_process.pid, started_at=time.time() - 60))
    assert not worker_alive(RunWorker(_dead_pid(), started_at=time.time()))


def test_following_a_run_whose_worker_dies_ends_with_its_failure(instance):
    run = _started_run(instance, _dead_pid())
    events: list[dg.EventLogEntry] = []
    started = time.monotonic()
    assert follow_run(run.run_id, events.append, poll_seconds=0.1) == dg.DagsterRunStatus.FAILURE
    assert time.monotonic() - started < 30
    assert events[-1].dagster_event_type == dg.DagsterEventType.RUN_FAILURE
