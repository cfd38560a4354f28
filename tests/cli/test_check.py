"""`seg-assets check` validates the configuration and the landing files, prints what a run
would do, and writes nothing; `seg-assets materialize` refuses a bad configuration before it
launches anything."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import config_copy, project_environment, write_tiny_landing

from seg_assets.lib.config.catalog import CONFIG_FILES

SEG_ASSETS = str(Path(sys.executable).with_name("seg-assets"))


def _seg_assets(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SEG_ASSETS, *args],
        env=project_environment(root),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def project(tmp_path) -> Path:
    write_tiny_landing(tmp_path / "landing")
    return tmp_path


def test_a_sound_project_checks_out_and_lists_what_would_run(project):
    done = _seg_assets(project, "check")

    assert done.returncode == 0, done.stdout + done.stderr
    for config_file in CONFIG_FILES:
        assert f"ok    {config_file.name}" in done.stdout
    assert "ok    erp__order_lines" in done.stdout
    assert "job full_refresh: 81 assets" in done.stdout
    assert "monthly partitions" in done.stdout
    assert "Everything checks out; nothing was written." in done.stdout
    assert sorted(path.name for path in project.iterdir()) == ["landing"]


def test_every_problem_is_listed_and_nothing_is_written(project):
    folder = config_copy(project, "segmentation.yaml", retrain_every_month=3, seed="x")
    (folder / "kpi.yml").write_text("alerts: {}\n")
    (project / "landing" / "crm" / "accounts.csv").unlink()

    done = _seg_assets(project, "check")

    assert done.returncode == 1
    segmentation = folder / "segmentation.yaml"
    assert "ERROR segmentation.yaml" in done.stdout
    assert f"{segmentation}: 2 errors:" in done.stdout
    assert "retrain_every_month: unknown key; did you mean retrain_every_months?" in done.stdout
    assert "seed: should be a valid integer (got 'x')" in done.stdout
    unread = (
        f"{folder / 'kpi.yml'}: no part of the platform reads this file; did you mean kpi.yaml?"
    )
    assert unread in done.stdout
    assert "2 problem(s): fix them before running; nothing was written." in done.stdout
    # The landing files are checked once the configuration holds.
    assert "crm__accounts" not in done.stdout
    assert sorted(path.name for path in project.iterdir()) == ["config", "landing"]


def test_a_missing_landing_file_is_named(project):
    (project / "landing" / "crm" / "accounts.csv").unlink()

    done = _seg_assets(project, "check")

    assert done.returncode == 1
    assert "ERROR crm__accounts                crm/accounts.csv" in done.stdout
    assert "landing file for source crm__accounts is missing" in done.stdout
    assert "1 problem(s)" in done.stdout


def test_materialize_refuses_a_bad_configuration_before_launching(project):
    config_copy(project, "marts.yaml", clasification={})

    done = _seg_assets(project, "materialize")

    assert done.returncode != 0
    assert "has errors in 1 file; nothing was run" in done.stderr
    assert "clasification: unknown key; did you mean classification?" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (project / "warehouse.duckdb").exists()
    assert not (project / "dagster_home").exists()
