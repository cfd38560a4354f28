"""Launch runs of the project's code location as the UI does, and follow their event logs.

A run created here is tied to the code location of ``workspace.yaml``: it shows under its job
and on the Overview timeline, and the UI can re-execute it. With a live Dagster daemon the run
waits in the instance's run queue (one warehouse run at a time, see ``dagster.yaml``); without
one, nothing would dequeue it, so it is launched directly once no other run is in progress.
"""

import fcntl
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.definitions.assets.job.asset_job import IMPLICIT_ASSET_JOB_NAME
from dagster._core.definitions.selector import JobSubsetSelector
from dagster._core.remote_representation.code_location import CodeLocation
from dagster._core.remote_representation.external import RemoteRepository
from dagster._core.storage.dagster_run import ACTIVE_RUN_STATUSES, RunsFilter
from dagster._core.workspace.context import WorkspaceProcessContext, WorkspaceRequestContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster._daemon.controller import get_daemon_statuses
from dagster._utils.tags import normalize_tags

from seg_assets.cli.run_workers import fail_if_worker_gone, fail_runs_of_dead_workers
from seg_assets.lib.dagster_home import dagster_home
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.project import PROJECT_ROOT

# The tags that name a run's partitions (one key, or a range in one run).
PARTITION_TAGS = (
    "dagster/partition",
    "dagster/asset_partition_range_start",
    "dagster/asset_partition_range_end",
)

# The daemon that dequeues submitted runs (QueuedRunCoordinatorDaemon.daemon_type()).
QUEUE_DAEMON = "QUEUED_RUN_COORDINATOR"
# A daemon writes a heartbeat every 30 s and leaves the last one behind when it stops; Dagster's
# health check tolerates 30 minutes of silence, far too long to tell whether one is dequeuing.
HEARTBEAT_GRACE_SECONDS = 30
# How often to look again while another run of the instance holds the warehouse.
WAIT_POLL_SECONDS = 1.0
# How often a followed run's worker is looked for (a killed worker leaves its run STARTED).
WORKER_CHECK_SECONDS = 5.0
# In DAGSTER_HOME: held while this module creates the instance's storage, and from the check
# that no run is in progress until the run it launches is STARTING (see _instance_lock).
INSTANCE_LOCK_FILE = "seg_assets_launch.lock"


def workspace_file() -> str:
    """The project's ``workspace.yaml``, the same file ``dagster dev`` (``make ui``) loads."""
    return str(PROJECT_ROOT / "workspace.yaml")


@contextmanager
def _instance_lock(home: Path) -> Iterator[None]:
    # Dagster serialises neither step across processes. Two processes opening a new instance
    # both stamp its SQLite schema version, leaving two "heads" that make every later open fail
    # (dagster-io/dagster#27390); two launchers that both find no run in progress both launch,
    # and their runs fail each other on DuckDB's file lock. Closing the file releases it, also
    # when the process dies.
    with (home / INSTANCE_LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@contextmanager
def project_instance() -> Iterator[dg.DagsterInstance]:
    """The instance of ``DAGSTER_HOME`` (the project's ``.dagster_home`` by default)."""
    home = dagster_home()
    os.environ["DAGSTER_HOME"] = str(home)
    with _instance_lock(home):
        instance = dg.DagsterInstance.get()
    with instance:
        yield instance


def code_server_log() -> Path:
    """Where the code server and the run workers it starts write their console output (the
    Dagster log of every event, which `dagster dev` would print in its terminal)."""
    return dagster_home() / "logs" / "code_server.log"


@contextmanager
def _console_to(log_file: Path) -> Iterator[None]:
    # Processes started inside inherit stdout and stderr: point both at the log file.
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with log_file.open("ab") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, copy in enumerate(saved, start=1):
            os.dup2(copy, fd)
            os.close(copy)


@contextmanager
def _code_location(
    instance: dg.DagsterInstance,
) -> Iterator[tuple[WorkspaceRequestContext, CodeLocation, RemoteRepository]]:
    with ExitStack() as stack:
        # A code server process loads the definitions, as under `dagster dev`; leaving the
        # context asks it to stop once the runs it started have finished. The run worker's
        # console log would flood the terminal: RunProgress reports from the event log instead.
        with _console_to(code_server_log()):
            process_context = stack.enter_context(
                WorkspaceProcessContext(
                    instance,
                    WorkspaceFileTarget(paths=[workspace_file()]),
                    version=dg.__version__,
                    code_server_log_level="WARNING",
                )
            )
        workspace = process_context.create_request_context()
        names = workspace.code_location_names
        if len(names) != 1:
            raise SegAssetsError(
                f"{workspace_file()} names {len(names)} code locations; expected one"
            )
        error = workspace.get_code_location_error(names[0])
        if error is not None:
            raise SegAssetsError(
                f"code location {names[0]} of {workspace_file()} failed to load:"
                f" {error.message.strip()} (code server output: {code_server_log()})"
            )
        location = workspace.get_code_location(names[0])
        (repository,) = location.get_repositories().values()
        yield workspace, location, repository


def queue_daemon_alive(instance: dg.DagsterInstance) -> bool:
    """Whether a Dagster daemon is dequeuing this instance's run queue: its last heartbeat is
    at most one heartbeat interval and a grace period old.

    Errors in its last heartbeat do not count: a daemon that reported one still dequeues.
    """
    status = get_daemon_statuses(
        instance,
        [QUEUE_DAEMON],
        ignore_errors=True,
        heartbeat_tolerance_seconds=HEARTBEAT_GRACE_SECONDS,
    )[QUEUE_DAEMON]
    return bool(status.required and status.healthy)


@contextmanager
def no_run_in_progress(
    instance: dg.DagsterInstance, poll_seconds: float = WAIT_POLL_SECONDS
) -> Iterator[None]:
    """Wait until no run of the instance is starting, running or canceling (printing one line
    per run waited for), then hold the instance's launch lock for the block: a run launched in
    it is STARTING before any other process launching through here looks again."""
    reported: set[str] = set()
    while True:
        with _instance_lock(Path(instance.root_directory)):
            # A run whose worker was killed would never finish: fail it rather than wait.
            fail_runs_of_dead_workers(instance)
            run = _run_in_progress(instance)
            if run is None:
                yield
                return
        if run.run_id not in reported:
            reported.add(run.run_id)
            print(
                f"Waiting for run {_describe(run)} to finish: the warehouse takes one run at a"
                " time (Ctrl-C stops waiting)",
                flush=True,
            )
        time.sleep(poll_seconds)


def _run_in_progress(instance: dg.DagsterInstance) -> dg.DagsterRun | None:
    active = instance.get_runs(RunsFilter(statuses=ACTIVE_RUN_STATUSES), limit=1)
    return active[0] if active else None


def _describe(run: dg.DagsterRun) -> str:
    return f"{run.run_id} ({run.job_name}, {run.status.value.lower()})"


def _resolve_selection(selection: str, repository: RemoteRepository) -> frozenset[dg.AssetKey]:
    graph = repository.asset_graph
    try:
        with warnings.catch_warnings():
            # The selection grammar passes a beta parameter on: nothing the user can act on.
            warnings.simplefilter("ignore", dg.BetaWarning)
            keys = dg.AssetSelection.from_string(selection).resolve(graph)
    except dg.DagsterError as error:
        raise SegAssetsError(f"asset selection {selection!r}: {error}") from None
    materializable = frozenset(key for key in keys if graph.get(key).is_materializable)
    if not materializable:
        raise SegAssetsError(
            f"asset selection {selection!r} matches no asset that can be materialized;"
            " examples: 'group:segmentation', 'key:marts/fct_customer_features+'"
        )
    return materializable


def _create_and_start_run(
    instance: dg.DagsterInstance,
    job_name: str,
    tags: Mapping[str, str],
    run_config: Mapping[str, Any] | None,
    selection: str | None,
) -> str:
    with _code_location(instance) as (workspace, location, repository):
        if not repository.has_job(job_name):
            jobs = ", ".join(sorted(job.name for job in repository.get_all_jobs()))
            raise SegAssetsError(f"no job {job_name!r} in code location {location.name}: {jobs}")
        asset_selection = None
        if selection is not None:
            asset_selection = _resolve_selection(selection, repository)
            if all(repository.asset_graph.get(k).partitions_def is None for k in asset_selection):
                # Months mean nothing to unpartitioned assets: the run would only look ranged.
                tags = {k: v for k, v in tags.items() if k not in PARTITION_TAGS}
        # What the UI's launchpad and `dagster job launch` do: a run of the remote job, so it
        # belongs to the code location (job page, timeline, re-execution).
        remote_job = location.get_job(
            JobSubsetSelector(
                location_name=location.name,
                repository_name=repository.name,
                job_name=job_name,
                op_selection=None,
                asset_selection=asset_selection,
            )
        )
        run_config = dict(run_config or {})
        plan = location.get_execution_plan(
            remote_job, run_config, step_keys_to_execute=None, known_state=None, instance=instance
        ).execution_plan_snapshot
        create_run = partial(
            instance.create_run,
            job_name=job_name,
            run_id=None,
            run_config=run_config,
            status=None,
            tags=normalize_tags({**remote_job.tags, **tags}),
            root_run_id=None,
            parent_run_id=None,
            step_keys_to_execute=plan.step_keys_to_execute,
            execution_plan_snapshot=plan,
            job_snapshot=remote_job.job_snapshot,
            parent_job_snapshot=remote_job.parent_job_snapshot,
            asset_selection=asset_selection,
            asset_check_selection=None,
            resolved_op_selection=remote_job.resolved_op_selection,
            op_selection=None,
            remote_job_origin=remote_job.get_remote_origin(),
            job_code_origin=remote_job.get_python_origin(),
            asset_graph=repository.asset_graph,
        )
        if queue_daemon_alive(instance):
            # The daemon's run monitoring cannot see a dead worker's run, which holds the queue.
            fail_runs_of_dead_workers(instance)
            run = create_run()
            ahead = _run_in_progress(instance)
            instance.submit_run(run.run_id, workspace)
            print(
                f"Run {run.run_id} is in the run queue of the Dagster daemon"
                + (f", behind run {_describe(ahead)}" if ahead else ""),
                flush=True,
            )
            return run.run_id
        # Nothing would dequeue a submitted run: launch it, but never beside another run. The
        # run is created only once it can start, so no run of it waits in the UI as not started.
        with no_run_in_progress(instance):
            run = create_run()
            instance.launch_run(run.run_id, workspace)
        return run.run_id


def launch_job(job_name: str, tags: dict[str, str], run_config: dict | None = None) -> str:
    """Create a run of the code location's job ``job_name`` and queue or launch it.

    Parameters
    ----------
    job_name
        A job of the code location in ``workspace.yaml`` (``full_refresh``, ...).
    tags
        Run tags, merged over the job's own (partition tags select the months).
    run_config
        Run config, as the UI's launchpad would take it (default: none).

    Returns
    -------
    str
        The run id; :func:`follow_run` reports its events until it finishes.
    """
    with project_instance() as instance:
        return _create_and_start_run(instance, job_name, tags, run_config, selection=None)


def launch_assets(selection: str, tags: dict[str, str], run_config: dict | None = None) -> str:
    """Like :func:`launch_job` for a Dagster asset selection (``group:sources``,
    ``key:marts/fct_customer_features+``): a run of the implicit asset job, as the UI's
    *Materialize* button creates, with the selected assets and their checks. Partition tags are
    dropped when no selected asset is partitioned."""
    with project_instance() as instance:
        return _create_and_start_run(
            instance, IMPLICIT_ASSET_JOB_NAME, tags, run_config, selection=selection
        )


def stop_run(run_id: str, timeout_seconds: float = 60.0) -> dg.DagsterRunStatus:
    """Cancel the run (take it off the queue, or ask its run worker to stop) and wait for it to
    finish; return its status then (still in progress if it did not stop in time)."""
    with project_instance() as instance:
        run = instance.get_run_by_id(run_id)
        if run is None:
            raise SegAssetsError(f"no run {run_id} in the instance at {dagster_home()}")
        if not run.is_finished:
            try:
                instance.run_coordinator.cancel_run(run_id)
            except dg.DagsterError:
                # Its code server is gone (Ctrl-C reaches it too): the run worker stops itself.
                pass
        deadline = time.monotonic() + timeout_seconds
        while not run.is_finished and time.monotonic() < deadline:
            time.sleep(WAIT_POLL_SECONDS)
            run = instance.get_run_by_id(run_id) or run
        return run.status


def follow_run(
    run_id: str,
    on_event: Callable[[dg.EventLogEntry], None],
    poll_seconds: float = 0.5,
) -> dg.DagsterRunStatus:
    """Call ``on_event`` for each event of the run, in order, until the run has finished;
    return its final status. Says so (once) when the run waits in a queue no daemon serves."""
    with project_instance() as instance:
        cursor = None
        warned = False
        next_worker_check = time.monotonic() + WORKER_CHECK_SECONDS
        while True:
            run = instance.get_run_by_id(run_id)
            if run is None:
                raise SegAssetsError(f"no run {run_id} in the instance at {dagster_home()}")
            if run.status == dg.DagsterRunStatus.QUEUED and not warned:
                if not queue_daemon_alive(instance):
                    warned = True
                    print(
                        f"No Dagster daemon is dequeuing run {run_id}: start one (`make ui`) or"
                        " cancel the run in the UI's Runs page",
                        flush=True,
                    )
            # The status is read before the events: once it is final, every event is stored.
            connection = instance.get_records_for_run(run_id, cursor=cursor)
            for record in connection.records:
                on_event(record.event_log_entry)
            cursor = connection.cursor
            if connection.has_more:
                continue
            if run.is_finished:
                return run.status
            if time.monotonic() >= next_worker_check:
                # A killed run worker never reports the end: the run is failed instead.
                fail_if_worker_gone(instance, run)
                next_worker_check = time.monotonic() + WORKER_CHECK_SECONDS
            time.sleep(poll_seconds)
