"""The command line the Makefile calls: progress while it runs, clear errors when it cannot."""

import os
import subprocess
import sys
from pathlib import Path

from conftest import write_tiny_landing

from seg_assets.definitions import defs

SEG_ASSETS = str(Path(sys.executable).with_name("seg-assets"))


def _run(args: list[str], tmp_path: Path, landing: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SEG_ASSETS_LANDING": str(landing),
        "SEG_ASSETS_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    return subprocess.run([SEG_ASSETS, *args], env=env, capture_output=True, text=True, timeout=300)


def test_materialize_reports_each_asset_and_summary_lists_tables(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    result = _run(["materialize"], tmp_path, landing)
    assert result.returncode == 0, result.stdout + result.stderr
    total = len(list(defs.resolve_all_asset_specs()))
    assert f"[{total:>3}/{total}]" in result.stdout
    assert "raw/erp__order_lines" in result.stdout
    assert f"Done: {total} assets" in result.stdout
    assert (tmp_path / "dagster_home" / "dagster.yaml").exists()
    summary = _run(["summary"], tmp_path, landing)
    assert summary.returncode == 0
    assert "| marts | fct_customer_months | 2 |" in summary.stdout
    assert "| stg_erp__order_lines | duplicate_key | 1 |" in summary.stdout


def test_a_missing_source_file_is_reported_plainly_and_the_run_fails(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    (landing / "erp" / "orders.csv").unlink()
    result = _run(["materialize"], tmp_path, landing)
    assert result.returncode == 1
    assert f"erp: {landing / 'erp' / 'orders.csv'}: landing file for source erp__orders" in (
        result.stdout
    )
    assert "Traceback" not in result.stdout


def test_an_unknown_partition_is_refused(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    result = _run(["materialize", "--partition", "1999-01-01"], tmp_path, landing)
    assert result.returncode == 2
    assert "partition '1999-01-01' is not one of the monthly partitions" in result.stderr
