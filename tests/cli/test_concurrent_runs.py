"""One writer at a time: two `seg-assets materialize` started together on one instance and one
warehouse run one after the other, waiting in the launching process without a daemon and in
the daemon's run queue with one. Real processes, no fakes: the races are between processes.

Without the launch lock of seg_assets.cli.launch, two commands started together on a new
DAGSTER_HOME broke its run storage for good (both stamped its schema version), and on an
existing one both found no run in progress and launched together, their runs failing each
other on DuckDB's file lock.
"""

import fcntl
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest
from conftest import project_environment, write_tiny_landing

from seg_assets.cli.launch import INSTANCE_LOCK_FILE, queue_daemon_alive, workspace_file
from seg_assets.lib.dagster_home import project_instance_config
from seg_assets.lib.project import PROJECT_ROOT

SEG_ASSETS = str(Path(sys.executable).with_name("seg-assets"))
DAGSTER_DAEMON = str(Path(sys.executable).with_name("dagster-daemon"))
# Small and unpartitioned: the settings tables come from config files alone.
MATERIALIZE = (SEG_ASSETS, "materialize", "--select", "group:settings")
SETTINGS_ASSETS = 7
DEADLINE_SECONDS = 180
RUN_ID = re.compile(r"Materializing \d+ assets \(run (?P<run_id>[0-9a-f-]{36}) ")


def _start(command: tuple[str, ...], env: dict[str, str], log: Path) -> subprocess.Popen:
    # Its own process group, with default SIGINT, so a failed test can stop it and its children
    # (code server, run worker) together.
    with log.open("w") as out:
        return subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )


def _stop_group(process: subprocess.Popen, grace_seconds: float = 30) -> None:
    """SIGINT to the process group, then SIGKILL to whatever of it is left after the grace."""
    try:
        os.killpg(process.pid, signal.SIGINT)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        process.poll()  # reap the leader: a zombie still counts as a member of its group
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    """Processes a test starts; any still running at its end are stopped with their group."""
    processes: list[subprocess.Popen] = []
    yield processes
    for process in reversed(processes):
        if process.poll() is None:
            _stop_group(process)


def _materialize_twice(
    env: dict[str, str], root: Path, started: list[subprocess.Popen]
) -> list[tuple[subprocess.Popen, Path]]:
    """Start two `seg-assets materialize` together; each process with its console log."""
    logs = [root / f"materialize_{n}.log" for n in (1, 2)]
    processes = [_start(MATERIALIZE, env, log) for log in logs]
    started.extend(processes)
    return list(zip(processes, logs, strict=True))


def _succeeded(materializing: list[tuple[subprocess.Popen, Path]]) -> dict[str, str]:
    """Each command's console output by its run id, once both succeeded."""
    outputs: dict[str, str] = {}
    for process, log in materializing:
        code = process.wait(timeout=DEADLINE_SECONDS)
        output = log.read_text()
        assert code == 0, output[-4000:]
        assert f"Done: {SETTINGS_ASSETS} assets" in output, output[-4000:]
        found = RUN_ID.search(output)
        assert found, output[-4000:]
        outputs[found["run_id"]] = output
    assert len(outputs) == 2, outputs  # two runs, not one reported twice
    return outputs


def _wait_for(
    condition: Callable[[], bool], materializing: list[tuple[subprocess.Popen, Path]], what: str
) -> None:
    """Poll ``condition`` until it holds; fail with the commands' output if one ends first."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        ended = [
            log.read_text()[-3000:] for process, log in materializing if process.poll() is not None
        ]
        assert not ended, f"a command ended before {what}: {ended}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _has_child(pid: int) -> bool:
    """Whether the process has started a child (for `seg-assets`: its code server)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return any(task.joinpath("children").read_text().strip() for task in tasks)
    except OSError:  # it, or one of its threads, has just ended
        return False


def _blocked_on(lock_file: Path) -> set[int]:
    """PIDs waiting to take the flock of ``lock_file`` (the "->" lines of /proc/locks)."""
    inode = f":{lock_file.stat().st_ino} "
    return {
        int(line.split("->")[1].split()[3])
        for line in Path("/proc/locks").read_text().splitlines()
        if "->" in line and " FLOCK " in line and inode in line
    }


def _event_time(instance: dg.DagsterInstance, run_id: str, event: dg.DagsterEventType) -> float:
    (record,) = instance.get_records_for_run(run_id, of_type=event).records
    return record.event_log_entry.timestamp


def _one_after_the_other(
    instance: dg.DagsterInstance, run_ids: set[str]
) -> tuple[dg.RunRecord, dg.RunRecord]:
    """The two runs' records, earlier first, asserting that both succeeded and that the later
    one was launched (STARTING) only after the earlier one had ended."""
    records = instance.get_run_records()
    assert {record.dagster_run.run_id for record in records} == run_ids  # nothing else ran
    earlier, later = sorted(records, key=lambda record: record.start_time or 0.0)
    for record in (earlier, later):
        assert record.dagster_run.status == dg.DagsterRunStatus.SUCCESS
        assert record.start_time is not None and record.end_time is not None
    assert earlier.end_time <= later.start_time, "the two runs' execution windows overlap"
    later_starting = _event_time(
        instance, later.dagster_run.run_id, dg.DagsterEventType.RUN_STARTING
    )
    assert earlier.end_time <= later_starting, "the later run was launched before the other ended"
    return earlier, later


def test_without_a_daemon_the_second_cli_run_waits_for_the_first(tmp_path, started):
    env = project_environment(tmp_path)
    write_tiny_landing(tmp_path / "landing")
    lock_file = Path(env["DAGSTER_HOME"]) / INSTANCE_LOCK_FILE

    # A fresh DAGSTER_HOME: the two commands also create the instance's storage together.
    materializing = _materialize_twice(env, tmp_path, started)
    pids = {process.pid for process, _ in materializing}
    # Both opened the instance and started their code server. Holding the launch lock now
    # stops both at the check for a run in progress; released, they race for it at once.
    _wait_for(lambda: all(_has_child(pid) for pid in pids), materializing, "the code servers")
    with lock_file.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        _wait_for(
            lambda: _blocked_on(lock_file) == pids,
            materializing,
            "both commands to wait for the launch lock",
        )
        with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
            launched = instance.get_runs()
        assert not launched, "a command launched its run before it had the launch lock"
    outputs = _succeeded(materializing)

    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        assert not queue_daemon_alive(instance)
        earlier, later = _one_after_the_other(instance, set(outputs))
    first, second = earlier.dagster_run.run_id, later.dagster_run.run_id
    # The later run's command said which run it waited for, once; the earlier one never waited.
    assert outputs[second].count(f"Waiting for run {first} (__ASSET_JOB, ") == 1, outputs[second]
    assert "Waiting for run" not in outputs[first], outputs[first]
    assert "run queue" not in outputs[first] + outputs[second]


# A real `dagster-daemon run` (every daemon, sensors included) and two runs through its queue:
# 35 s on an idle machine, up to 105 s on this shared one, so with the daemon end-to-end suite.
@pytest.mark.e2e
def test_with_the_daemon_two_cli_runs_go_through_the_queue_one_at_a_time(tmp_path, started):
    env = project_environment(tmp_path)
    # No extracts: the landing sensor, which the daemon runs too, finds nothing to launch.
    (tmp_path / "landing").mkdir()
    home = Path(env["DAGSTER_HOME"])
    home.mkdir()
    (home / "dagster.yaml").write_text(project_instance_config().read_text())

    with dg.DagsterInstance.from_config(str(home)) as instance:
        # The instance's storage exists before the daemon opens it.
        daemon = _start(
            (DAGSTER_DAEMON, "run", "-w", workspace_file()), env, tmp_path / "daemon.log"
        )
        started.append(daemon)
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not queue_daemon_alive(instance):
            assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()[-4000:]
            assert time.monotonic() < deadline, "no heartbeat of the daemon's run queue"
            time.sleep(0.5)

        outputs = _succeeded(_materialize_twice(env, tmp_path, started))

        for run_id, output in outputs.items():
            assert f"Run {run_id} is in the run queue of the Dagster daemon" in output, output
            assert "Waiting for run" not in output, output
        earlier, later = _one_after_the_other(instance, set(outputs))
        # The later run was QUEUED while the earlier one ran; the daemon launched it (STARTING)
        # only after the earlier one had ended (checked above).
        later_id = later.dagster_run.run_id
        assert _event_time(instance, later_id, dg.DagsterEventType.RUN_ENQUEUED) < earlier.end_time
        for record in (earlier, later):
            run_id = record.dagster_run.run_id
            assert _event_time(instance, run_id, dg.DagsterEventType.RUN_ENQUEUED) < _event_time(
                instance, run_id, dg.DagsterEventType.RUN_STARTING
            )
