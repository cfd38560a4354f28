"""The same inputs and settings give the same warehouse in any folder: the default data built
twice, in two folders, and every table's checksum compared (run stamps aside, see
seg_assets/lib/warehouse/checksums.py). Minutes of work: marker ``reliability``."""

import shutil

import pytest
from conftest import run_pipeline
from reliability_helpers import differing_tables, warehouse_checksums

from seg_assets.lib.generator import GeneratorSettings, generate
from seg_assets.lib.project import config_dir

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
        checksums.append(warehouse_checksums(database))
    assert len(checksums[0]) > 100
    assert differing_tables(*checksums) == []
