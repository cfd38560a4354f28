"""The command line the Makefile calls: progress while it runs, clear errors when it cannot,
and runs that belong to the code location (its job page, timeline and re-execution)."""

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import dagster as dg
import pytest
from conftest import write_tiny_landing

from seg_assets.cli import main
from seg_assets.definitions import defs
from seg_assets.defs.partitions import RANGE_END_TAG, RANGE_START_TAG, monthly_partitions

SEG_ASSETS = str(Path(sys.executable).with_name("seg-assets"))
SOURCE_KEYS = {
    key
    for key in defs.resolve_asset_graph().materializable_asset_keys
    if defs.resolve_asset_graph().get(key).group_name == "sources"
}


def _run(args: list[str], tmp_path: Path, landing: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SEG_ASSETS_LANDING": str(landing),
        "SEG_ASSETS_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        # The published snapshot too: the project's data/serving.duckdb is not the tests' to write.
        "SEG_ASSETS_SERVING": str(tmp_path / "serving.duckdb"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    return subprocess.run([SEG_ASSETS, *args], env=env, capture_output=True, text=True, timeout=300)


def _only_run(tmp_path: Path) -> tuple[dg.DagsterRun, set[dg.AssetKey]]:
    """The one run the command left in its instance, and the assets it materialized."""
    with dg.DagsterInstance.from_config(str(tmp_path / "dagster_home")) as instance:
        (run,) = instance.get_runs()
        built = instance.get_asset_keys_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        )
    return run, set(built)


def test_materialize_reports_each_asset_and_summary_lists_tables(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    result = _run(["materialize"], tmp_path, landing)
    assert result.returncode == 0, result.stdout + result.stderr
    total = len(list(defs.resolve_all_asset_specs()))
    assert f"[{total:>3}/{total}]" in result.stdout
    assert "raw/erp__order_lines" in result.stdout
    assert f"Done: {total} assets" in result.stdout
    assert (tmp_path / "dagster_home" / "dagster.yaml").exists()
    # The segmentation step reports each month it works on while it runs.
    for month in monthly_partitions.get_partition_keys():
        assert f"      segment_customers: {month}: " in result.stdout
    # A run of the code location's job, as the UI or `dagster job launch` would create it.
    run, built = _only_run(tmp_path)
    assert run.job_name == "full_refresh"
    assert run.remote_job_origin is not None
    assert run.remote_job_origin.repository_origin.code_location_origin.location_name == (
        "seg_assets.definitions"
    )
    assert run.status == dg.DagsterRunStatus.SUCCESS
    keys = monthly_partitions.get_partition_keys()
    assert (run.tags[RANGE_START_TAG], run.tags[RANGE_END_TAG]) == (keys[0], keys[-1])
    assert run.tags["seg_assets/warehouse"] == "write"  # the job's own tags are kept
    assert len(built) == total
    # The run worker's Dagster console log goes to a file, not over the progress lines.
    assert "dagster - DEBUG" not in result.stdout + result.stderr
    assert "RUN_START" in (tmp_path / "dagster_home" / "logs" / "code_server.log").read_text()
    summary = _run(["summary"], tmp_path, landing)
    assert summary.returncode == 0
    assert "| marts | fct_customer_months | 2 |" in summary.stdout
    assert "| kpi | fct_segment_kpi_months |" in summary.stdout
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


def test_one_partition_runs_full_refresh_for_that_month_only(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    result = _run(["materialize", "--partition", "2025-10-01"], tmp_path, landing)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "for months 2025-10-01 ... 2025-10-01" in result.stdout
    assert "      segment_customers: 2025-10-01: " in result.stdout
    assert "      segment_customers: 2025-09-01: " not in result.stdout
    run, _ = _only_run(tmp_path)
    assert run.job_name == "full_refresh"
    assert run.remote_job_origin is not None
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert (run.tags[RANGE_START_TAG], run.tags[RANGE_END_TAG]) == ("2025-10-01", "2025-10-01")


def test_a_selection_materializes_only_its_assets(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    result = _run(["materialize", "--select", "group:sources"], tmp_path, landing)
    assert result.returncode == 0, result.stdout + result.stderr
    total = len(SOURCE_KEYS)
    assert f"Materializing {total} assets (run " in result.stdout
    assert f"Done: {total} assets" in result.stdout
    assert "staging/" not in result.stdout
    run, built = _only_run(tmp_path)
    # The implicit asset job with an asset selection: what the UI's Materialize button launches.
    assert run.job_name == "__ASSET_JOB"
    assert run.remote_job_origin is not None
    assert run.asset_selection == SOURCE_KEYS
    assert built == SOURCE_KEYS
    assert run.status == dg.DagsterRunStatus.SUCCESS
    # The sources are not partitioned: the run carries no months.
    assert RANGE_START_TAG not in run.tags


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "2025-10-01", "--to", "2025-09-01"],
            "is after --to 2025-09-01",
        ),
        (["--partition", "2025-10-01", "--to", "2025-11-01"], "use it or --from/--to, not both"),
        (["--to", "2025-13-01"], "--to: partition '2025-13-01' is not one of the monthly"),
        (["--select", "key:no_such_table"], "matches no asset that can be materialized"),
        (["--select", "group:(("], "asset selection 'group:(('"),
    ],
)
def test_bad_months_and_selections_are_refused_before_any_run(tmp_path, args, message):
    landing = write_tiny_landing(tmp_path / "landing")
    result = _run(["materialize", *args], tmp_path, landing)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    home = tmp_path / "dagster_home"
    if home.exists():  # a selection is checked against the code location, in the instance
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert instance.get_runs() == []


def test_version_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"seg-assets {version('seg_assets')}\n"


def test_help_is_plain_text_and_lists_the_materialize_options(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    top = capsys.readouterr().out
    assert "Customer segmentation as Dagster assets on DuckDB" in top
    assert "--version" in top
    with pytest.raises(SystemExit):
        main(["materialize", "--help"])
    materialize_help = capsys.readouterr().out
    for option in ("--partition", "--from", "--to", "--select", "group:segmentation"):
        assert option in materialize_help
    for text in (top, materialize_help):
        assert "`" not in text
