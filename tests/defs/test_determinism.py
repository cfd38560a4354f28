"""The same inputs and settings give the same warehouse in any folder: the default data built
twice, in two folders, and every table's checksum compared (run stamps aside, see
seg_assets/lib/warehouse/checksums.py). Minutes of work: marker ``reliability``."""

import shutil

import pytest
from conftest import run_pipeline

from seg_assets.lib.generator import GeneratorSettings, generate
from seg_assets.lib.project import config_dir
from seg_assets.lib.warehouse import connect_warehouse
from seg_assets.lib.warehouse.checksums import table_checksums

pytestmark = pytest.mark.reliability


def test_two_runs_of_the_same_inputs_in_two_folders_give_the_same_tables(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    generate(
        GeneratorSettings.from_yaml(config_dir() / "generator.yaml"),
        first / "landing",
        first / "truth",
    )
    shutil.copytree(first, second)
    checksums = []
    for root in (first, second):
        database = root / "warehouse.duckdb"
        assert run_pipeline(database, root / "landing").success
        with connect_warehouse(database, read_only=True) as con:
            checksums.append(table_checksums(con))
    assert len(checksums[0]) > 100
    assert checksums[0].keys() == checksums[1].keys()
    differ = sorted(
        table for table, checksum in checksums[0].items() if checksums[1][table] != checksum
    )
    assert differ == []
