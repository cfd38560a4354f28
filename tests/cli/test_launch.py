"""Runs launched on the code location wait for the warehouse: in the daemon's queue when one is
alive, else in the launching process until no other run is in progress."""

import threading
import time
import uuid
from pathlib import Path

import dagster as dg
import pytest
from conftest import write_tiny_landing
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
    QueuedRunCoordinatorDaemon,
)
from dagster._daemon.types import DaemonHeartbeat

from seg_assets.cli.launch import (
    QUEUE_DAEMON,
    WAIT_POLL_SECONDS,
    follow_run,
    launch_assets,
    project_instance,
    queue_daemon_alive,
    workspace_file,
)
from seg_assets.definitions import defs

# Small and unpartitioned: the settings tables come from config files alone.
SELECTION = "group:settings"
SETTINGS_KEYS = {
    key
    for key in defs.resolve_asset_graph().materializable_asset_keys
    if defs.resolve_asset_graph().get(key).group_name == "settings"
}


@pytest.fixture
def project_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary instance and warehouse; the code server and run workers inherit them."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("SEG_ASSETS_LANDING", str(write_tiny_landing(tmp_path / "landing")))
    monkeypatch.setenv("SEG_ASSETS_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SEG_ASSETS_SERVING", str(tmp_path / "serving.duckdb"))
    return tmp_path


def _report(instance: dg.DagsterInstance, run: dg.DagsterRun, event: dg.DagsterEventType) -> None:
    instance.report_dagster_event(
        dg.DagsterEvent(event_type_value=event.value, job_name=run.job_name), run_id=run.run_id
    )


def test_without_a_daemon_launch_waits_for_the_run_in_progress(project_env, capsys):
    with project_instance() as instance:
        # Another writer of the warehouse, started and not finished.
        other = instance.add_run(dg.DagsterRun(job_name="another_writer", run_id=str(uuid.uuid4())))
        _report(instance, other, dg.DagsterEventType.RUN_START)
        assert instance.get_run_by_id(other.run_id).status == dg.DagsterRunStatus.STARTED
        assert not queue_daemon_alive(instance)

        launched: list[str] = []
        errors: list[BaseException] = []

        def launch() -> None:
            try:
                launched.append(launch_assets(SELECTION, {}))
            except BaseException as error:
                errors.append(error)

        launcher = threading.Thread(target=launch)
        launcher.start()
        waiting = f"Waiting for run {other.run_id} (another_writer, started) to finish"
        output = ""
        deadline = time.monotonic() + 120
        while waiting not in output and time.monotonic() < deadline and launcher.is_alive():
            time.sleep(0.2)
            output += capsys.readouterr().out
        assert waiting in output, (output, errors)
        # It keeps waiting, polling, and launches nothing while the other run goes on.
        time.sleep(3 * WAIT_POLL_SECONDS)
        assert launcher.is_alive()
        assert [run.run_id for run in instance.get_runs()] == [other.run_id]

        _report(instance, other, dg.DagsterEventType.RUN_SUCCESS)
        finished = instance.get_run_record_by_id(other.run_id).end_time
        launcher.join(timeout=120)
        assert not errors, errors
        (run_id,) = launched
        output += capsys.readouterr().out
        assert output.count("Waiting for run") == 1  # one line per run waited for

        events: list[dg.EventLogEntry] = []
        assert follow_run(run_id, events.append, poll_seconds=0.2) == dg.DagsterRunStatus.SUCCESS
        record = instance.get_run_record_by_id(run_id)
        assert record.start_time >= finished
        assert record.dagster_run.remote_job_origin is not None
        assert record.dagster_run.asset_selection == SETTINGS_KEYS
    # follow_run reports every event once, in order, up to the end of the run (the run worker
    # may still log its own exit after that).
    types = [entry.dagster_event_type for entry in events if entry.dagster_event]
    assert types.count(dg.DagsterEventType.RUN_SUCCESS) == 1
    assert types.count(dg.DagsterEventType.ASSET_MATERIALIZATION) == len(SETTINGS_KEYS)
    assert [entry.timestamp for entry in events] == sorted(entry.timestamp for entry in events)


def test_with_a_live_daemon_the_run_waits_in_the_queue(project_env, capsys):
    with project_instance() as instance:
        assert not queue_daemon_alive(instance)
        stale = time.time() - 600
        instance.add_daemon_heartbeat(DaemonHeartbeat(stale, QUEUE_DAEMON, "gone", None))
        assert not queue_daemon_alive(instance)
        instance.add_daemon_heartbeat(DaemonHeartbeat(time.time(), QUEUE_DAEMON, "alive", None))
        assert queue_daemon_alive(instance)

    run_id = launch_assets(SELECTION, {})

    assert f"Run {run_id} is in the run queue of the Dagster daemon" in capsys.readouterr().out
    with project_instance() as instance:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.QUEUED
        # What the daemon does next: dequeue it and launch it on its own code server.
        with WorkspaceProcessContext(instance, WorkspaceFileTarget([workspace_file()])) as context:
            with QueuedRunCoordinatorDaemon(interval_seconds=1) as daemon:
                list(daemon.run_iteration(context))
        events: list[dg.EventLogEntry] = []
        assert follow_run(run_id, events.append, poll_seconds=0.2) == dg.DagsterRunStatus.SUCCESS
        types = [entry.dagster_event_type for entry in events]
        assert types.index(dg.DagsterEventType.RUN_ENQUEUED) < types.index(
            dg.DagsterEventType.RUN_STARTING
        )
