"""Runs on a warehouse folder that fills up or is read-only: the failing steps say which folder
and what to do, the serving file (in its own folder) keeps the last publication, and once the
folder is fixed the next run succeeds and publishes.

The folders are real tmpfs mounts (root only, see ``storage_mounts``).
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import assert_served_tables_match, write_tiny_landing
from storage_mounts import Mounts, folder_bytes, mount_refusal, used_kib

from seg_assets.definitions import defs
from seg_assets.defs.partitions import month_range_tags
from seg_assets.defs.resources import (
    GroundTruth,
    LandingFiles,
    ServingFile,
    StewardOverridesFile,
    warehouse_resource,
)
from seg_assets.lib.serving import serving_beside
from seg_assets.lib.warehouse import copy_warehouse

ROOMY_KIB = 64 * 1024
PUBLICATION = "select publication_id from bi.publication"
STORAGE_ERROR = "seg_assets.lib.warehouse.storage.WarehouseStorageError: "


@pytest.fixture
def mounts() -> Iterator[Mounts]:
    """tmpfs mounts for the test, unmounted however it ends (skips where mounting is refused)."""
    reason = mount_refusal()
    if reason:
        pytest.skip(reason)
    mounted = Mounts()
    yield mounted
    mounted.unmount_all()


def _run(
    database: Path, landing: Path, serving: Path, selection: dg.AssetSelection | None = None
) -> dg.ExecuteInProcessResult:
    """The pipeline (or ``selection``) with its checks, publishing to ``serving`` in a folder of
    its own (the conftest runs publish beside the warehouse)."""
    return dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources={
            "duckdb": warehouse_resource(str(database)),
            "landing": LandingFiles(path=str(landing)),
            "serving": ServingFile(path=str(serving)),
            "steward_overrides": StewardOverridesFile(path=str(landing.parent / "none.yaml")),
            "ground_truth": GroundTruth(path=str(landing.parent / "truth")),
        },
        tags=month_range_tags(),
        selection=selection,
        raise_on_error=False,
        instance=dg.DagsterInstance.ephemeral(),
    )


def _steps(result: dg.ExecuteInProcessResult, event_type: str) -> list[dg.DagsterEvent]:
    return [e for e in result.all_events if e.event_type_value == event_type]


def _asset_steps(*groups: str) -> set[str]:
    """The steps materializing the assets of ``groups`` (their checks are steps of their own)."""
    return {
        "__".join(key.path)
        for assets in defs.assets
        for key, group in assets.group_names_by_key.items()
        if group in groups
    }


def _failure_messages(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """The error each failed step raised, by step."""
    return {
        event.step_key: event.step_failure_data.error.cause.message
        for event in _steps(result, "STEP_FAILURE")
    }


def _publication(serving: Path) -> str:
    with duckdb.connect(str(serving), read_only=True) as reader:
        return reader.execute(PUBLICATION).fetchall()[0][0]


@pytest.mark.reliability
def test_a_warehouse_folder_filling_up_mid_run_fails_clearly_and_recovers(tmp_path, mounts):
    landing = write_tiny_landing(tmp_path / "landing")
    serving = tmp_path / "serving" / "serving.duckdb"
    # The earlier successful run, on a roomy volume, published the serving file.
    old = mounts.tmpfs(tmp_path / "old_volume", ROOMY_KIB)
    assert _run(old / "warehouse.duckdb", landing, serving).success
    published, publication = folder_bytes(serving.parent), _publication(serving)
    # The warehouse moves to a smaller volume. Measured on the tiny data: raw, staging and
    # settings peak at 9.5 MB, a whole build at 17.2 MB; two thirds of a build holds the first
    # and not the second.
    folder = mounts.tmpfs(tmp_path / "small_volume", used_kib(old) * 2 // 3)
    database = folder / "warehouse.duckdb"
    failed = _run(database, landing, serving)

    assert not failed.success
    succeeded = {event.step_key for event in _steps(failed, "STEP_SUCCESS")}
    assert _asset_steps("sources", "staging") <= succeeded, "the disk should fill up later"
    failures = _failure_messages(failed)
    assert failures and "serving__published_warehouse" not in succeeded
    for step, message in failures.items():
        assert message.startswith(f"{STORAGE_ERROR}No space left on device: writing {folder}/"), (
            step
        )
        assert f"because {folder} is full (" in message
        assert "the serving file is untouched" in message
        assert f"Free space in {folder} (or point SEG_ASSETS_WAREHOUSE" in message
    # The serving folder is byte for byte the earlier publication, and it still opens.
    assert folder_bytes(serving.parent) == published
    assert _publication(serving) == publication
    # Only the warehouse's files (and the logs DuckDB replays) are left: no staged, compacting
    # or temporary file holds space or blocks the rerun.
    assert set(os.listdir(folder)) <= {
        "warehouse.duckdb",
        "warehouse.duckdb.wal",
        "warehouse.curated.duckdb",
        "warehouse.curated.duckdb.wal",
    }

    mounts.resize(folder, ROOMY_KIB)
    assert _run(database, landing, serving).success
    assert _publication(serving) != publication
    assert assert_served_tables_match(database, serving)


def test_a_read_only_warehouse_folder_fails_every_step_and_changes_nothing(
    tiny_warehouse, tmp_path, mounts
):
    tiny, landing = tiny_warehouse
    folder = mounts.tmpfs(tmp_path / "warehouse", ROOMY_KIB)
    database = folder / "warehouse.duckdb"
    copy_warehouse(tiny, database)
    serving = tmp_path / "serving" / "serving.duckdb"
    serving.parent.mkdir()
    shutil.copyfile(serving_beside(tiny), serving)
    warehouse, published = folder_bytes(folder), serving.read_bytes()
    mounts.read_only(folder)

    result = _run(database, landing, serving, dg.AssetSelection.groups("settings"))

    assert not result.success
    failures = _failure_messages(result)
    assert len(failures) == 7  # every settings table: none could open the warehouse
    for message in failures.values():
        assert message.startswith(
            f"{STORAGE_ERROR}{folder} is not writable (read-only file system): {database}"
            " cannot be created or written."
        )
        assert f"Remount {folder} read-write, or point SEG_ASSETS_WAREHOUSE" in message
    assert folder_bytes(folder) == warehouse
    assert serving.read_bytes() == published
