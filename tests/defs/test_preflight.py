"""A run checks what it can check cheaply before its first step: every configuration file and
the landing files of the sources it loads. When one is wrong the run fails with every problem
listed and no table, no file of the warehouse, and no serving snapshot changes."""

import hashlib
import shutil
from pathlib import Path

import pytest
from conftest import assert_failed_before_any_step, config_copy, run_pipeline, serving_beside

from seg_assets.lib.source_contracts import load_source_contracts
from seg_assets.lib.warehouse import warehouse_files

SOURCE_CONTRACTS = load_source_contracts(Path(__file__).parents[2] / "config" / "sources.yaml")


def file_digests(database: Path) -> dict[str, str]:
    """SHA-256 of the warehouse's files and its serving snapshot, by name."""
    paths = [*warehouse_files(database), serving_beside(database)]
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


@pytest.fixture
def built(tiny_warehouse, tmp_path) -> tuple[Path, Path]:
    """A copy of the materialized tiny warehouse (with its serving file) and its landing."""
    database, landing = tiny_warehouse
    copy = tmp_path / "warehouse.duckdb"
    for path in [*warehouse_files(database), serving_beside(database)]:
        shutil.copy2(path, tmp_path / path.name)
    shutil.copytree(landing, tmp_path / "landing")
    return copy, tmp_path / "landing"


def test_broken_landing_files_fail_the_run_before_it_writes_naming_each(built):
    database, landing = built
    before = file_digests(database)
    orders = SOURCE_CONTRACTS["erp__orders"].landing_file(landing)
    header, *rows = orders.read_text().splitlines()
    orders.write_text("\n".join([header.replace("order_id", "order_number"), *rows]))
    SOURCE_CONTRACTS["crm__accounts"].landing_file(landing).unlink()

    message = assert_failed_before_any_step(run_pipeline(database, landing, raise_on_error=False))

    assert "2 landing file(s) cannot be loaded" in message
    assert f"erp: {orders}: line 1 (header): missing column(s) order_id" in message
    assert "landing file for source crm__accounts is missing" in message
    assert file_digests(database) == before


def test_a_run_that_loads_no_broken_source_is_not_held_up_by_it(built):
    database, landing = built
    SOURCE_CONTRACTS["crm__accounts"].landing_file(landing).unlink()

    result = run_pipeline(database, landing, selection="group:settings")

    assert result.success


def test_a_malformed_configuration_fails_the_run_before_it_writes(built, tmp_path, monkeypatch):
    database, landing = built
    before = file_digests(database)
    folder = config_copy(tmp_path, "segmentation.yaml", retrain_every_month=3)
    monkeypatch.setenv("SEG_ASSETS_CONFIG", str(folder))

    message = assert_failed_before_any_step(run_pipeline(database, landing, raise_on_error=False))

    assert f"{folder / 'segmentation.yaml'}: line " in message
    assert "retrain_every_month: unknown key; did you mean retrain_every_months?" in message
    assert file_digests(database) == before
