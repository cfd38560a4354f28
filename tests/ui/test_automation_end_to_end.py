"""End to end with a real daemon: drifted extracts land, and with no manual step the landing
sensor refreshes that month, the drift sensor asks for a retrain, the guard decides and the
serving snapshot gets the new segments. Inside a change freeze the model waits instead, until
`seg-assets models approve` publishes it."""

import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from conftest import free_port, freeze_around_today, project_environment
from dagster._core.scheduler.instigation import TickStatus

from seg_assets.lib.generator import GeneratorSettings, generate
from seg_assets.lib.project import config_dir

pytestmark = pytest.mark.e2e

SEG_ASSETS = str(Path(sys.executable).with_name("seg-assets"))
SCALE = {"customers": 300, "months": 14, "order_lines": 23_000}
DRIFTED_MONTH = "2025-12-01"
AFTER_DRIFT = "2026-01-01"
DRIFT = {
    "from_month": DRIFTED_MONTH,
    "archetype_switch": {"share": 0.3, "from": ["long_tail_occasional"], "to": "large_steady"},
    "market_shift": {"units_per_line_factor": 0.8},
}
SENSOR_SECONDS = 5
DEADLINE_SECONDS = 420
TRIGGER = "seg_assets/trigger"


def _config(target: Path, freeze: bool) -> None:
    """The project's config with sensors every few seconds (and a freeze around today)."""
    shutil.copytree(config_dir(), target, dirs_exist_ok=True)
    automation = yaml.safe_load((target / "automation.yaml").read_text())
    for key in ("landing_interval_seconds", "drift_interval_seconds"):
        automation["sensors"][key] = SENSOR_SECONDS
    automation["sensors"]["landing_settle_seconds"] = 2
    (target / "automation.yaml").write_text(yaml.safe_dump(automation))
    if freeze:
        freeze_around_today(target)


def _seg_assets(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([SEG_ASSETS, *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Undrifted sources materialized through the CLI, and the drifted extracts set aside."""
    root = tmp_path_factory.mktemp("e2e")
    plain = GeneratorSettings.from_yaml(config_dir() / "generator.yaml", **SCALE)
    generate(plain, root / "landing", root / "truth")
    drifted = GeneratorSettings.from_yaml(config_dir() / "generator.yaml", **SCALE, drift=DRIFT)
    generate(drifted, root / "drifted_landing", root / "drifted_truth")
    _config(root / "config", freeze=False)
    _seg_assets(project_environment(root), "materialize")
    return root


@pytest.fixture
def workspace(baseline: Path, tmp_path: Path, request) -> Path:
    """A copy of the baseline (warehouse, snapshot, run history) for one test."""
    root = tmp_path / "root"
    shutil.copytree(baseline, root)
    _config(root / "config", freeze=getattr(request, "param", False))
    return root


@pytest.fixture
def daemon(workspace: Path) -> Iterator[Path]:
    """`seg-assets ui` (webserver and daemon) on the workspace, stopped with Ctrl-C."""
    port = free_port()
    server = subprocess.Popen(
        [SEG_ASSETS, "ui", "--port", str(port)],
        env=project_environment(workspace),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait(lambda: _answers(f"http://127.0.0.1:{port}/server_info"), "the UI to start")
        yield workspace
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=90)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def _wait(condition: Callable[[], object], what: str, seconds: float = DEADLINE_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(2)
    pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}")


def _instance(root: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(root / "dagster_home"))


def _finished_run(root: Path, trigger: str) -> dg.DagsterRun | None:
    with _instance(root) as instance:
        runs = instance.get_runs(dg.RunsFilter(tags={TRIGGER: trigger}))
    for run in runs:
        if run.status == dg.DagsterRunStatus.FAILURE:
            pytest.fail(f"the {trigger} run {run.run_id} failed")
    return next((run for run in runs if run.status == dg.DagsterRunStatus.SUCCESS), None)


def _sensor_ticked(root: Path, name: str) -> bool:
    """Whether the sensor finished an evaluation that stored its cursor."""
    done = (TickStatus.SKIPPED, TickStatus.SUCCESS)
    with _instance(root) as instance:
        return any(
            tick.status in done and tick.cursor
            for state in instance.all_instigator_state()
            if state.name == name
            for tick in instance.get_ticks(state.instigator_origin_id, state.selector_id)
        )


def _serving(root: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(root / "serving.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _published_version(root: Path) -> str:
    [(version,)] = _serving(
        root,
        "select any_value(model_version) from segmentation.customer_segments where as_of_month = ?",
        [date.fromisoformat(DRIFTED_MONTH)],
    )
    return version


def _land_the_drifted_month(root: Path) -> None:
    """Wait for the landing sensor's baseline tick, then deliver the drifted extracts."""
    _wait(lambda: _sensor_ticked(root, "landing_files_sensor"), "the landing sensor's first tick")
    for extract in (root / "drifted_landing").rglob("*.*"):
        target = root / "landing" / extract.relative_to(root / "drifted_landing")
        # Delivered as a landing process should: written beside, then renamed into place.
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(extract, partial)
        partial.replace(target)


def _drift_retrain(root: Path) -> tuple[dg.DagsterRun, dg.DagsterRun]:
    landing = _wait(lambda: _finished_run(root, "landing"), "the landing sensor's run")
    # The drifted month's orders, and the shipments, returns and payments they bring in the
    # month after it: nothing earlier is refreshed.
    assert landing.tags["dagster/asset_partition_range_start"] == DRIFTED_MONTH
    assert landing.tags["dagster/asset_partition_range_end"] in (DRIFTED_MONTH, AFTER_DRIFT)
    retrain = _wait(lambda: _finished_run(root, "drift"), "the drift sensor's retrain")
    assert retrain.tags["dagster/asset_partition_range_start"] == DRIFTED_MONTH
    assert "volume share" in retrain.tags["seg_assets/reason"]
    return landing, retrain


def test_drifted_extracts_lead_to_a_guarded_retrain_in_the_serving_snapshot(daemon):
    before = _published_version(daemon)
    _land_the_drifted_month(daemon)
    _drift_retrain(daemon)
    decisions = _serving(
        daemon,
        "select model_version, decision, decided_by from segmentation.model_decisions"
        " where as_of_month = ? order by decided_at",
        [date.fromisoformat(DRIFTED_MONTH)],
    )
    assert [row[1:] for row in decisions] == [("published", "guard")]
    after = _published_version(daemon)
    assert after == decisions[0][0] != before
    assert after.startswith("2025-12-")


@pytest.mark.parametrize("workspace", [True], indirect=True)
def test_inside_a_freeze_the_model_waits_until_approved(daemon):
    before = _published_version(daemon)
    _land_the_drifted_month(daemon)
    _drift_retrain(daemon)
    [(candidate, decision, reason)] = _serving(
        daemon,
        "select model_version, decision, reason from segmentation.model_decisions"
        " where as_of_month = ?",
        [date.fromisoformat(DRIFTED_MONTH)],
    )
    assert decision == "pending_approval" and "year-end close" in reason
    assert _published_version(daemon) == before
    env = project_environment(daemon)
    pending = _seg_assets(env, "models", "pending")
    assert candidate in pending.stdout and "change freeze" in pending.stdout
    _seg_assets(env, "models", "approve", candidate, "--by", "Ana", "--reason", "freeze lifted")
    assert _published_version(daemon) == candidate
    listed = _seg_assets(env, "models", "list").stdout
    assert f"| {candidate} |" in listed and "approved" in listed
