"""Shared fixtures: landing folders written to temp dirs and real Dagster runs on real DuckDB."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import polars as pl
import pytest
import yaml

from seg_assets.definitions import defs
from seg_assets.defs.automation.landing import build_landing_sensor
from seg_assets.defs.partitions import (
    RANGE_END_TAG,
    RANGE_START_TAG,
    month_range_tags,
    monthly_partitions,
)
from seg_assets.defs.resources import (
    GroundTruth,
    LandingFiles,
    ServingFile,
    StewardOverridesFile,
    warehouse_resource,
)
from seg_assets.defs.sources.assets import SOURCE_CONTRACTS
from seg_assets.lib.automation.settings import load_automation_settings
from seg_assets.lib.generator import GeneratorSettings, generate
from seg_assets.lib.kpi.settings import load_kpi_settings
from seg_assets.lib.model_runner import MonthWindow, run_model
from seg_assets.lib.project import config_dir, sql_dir
from seg_assets.lib.serving import serving_beside
from seg_assets.lib.source_contracts import SourceContract
from seg_assets.lib.sql_models import parse_model
from seg_assets.lib.warehouse import connect_warehouse, copy_warehouse

TINY_LANDING = Path(__file__).parent / "fixtures" / "tiny_landing"


def csv_as_parquet(csv_path: Path, parquet_path: Path) -> None:
    """Write a hand-made CSV as the Parquet extract of a source whose contract says Parquet
    (every column as text, as an untyped export would hold it)."""
    pl.read_csv(csv_path, infer_schema=False).write_parquet(parquet_path)


def write_tiny_landing(target: Path) -> Path:
    """Copy the hand-made landing fixture, converting sources whose contract says Parquet."""
    shutil.copytree(TINY_LANDING, target)
    for contract in SOURCE_CONTRACTS.values():
        if contract.format == "parquet":
            csv_path = target / contract.system / f"{contract.entity}.csv"
            csv_as_parquet(csv_path, contract.landing_file(target))
            csv_path.unlink()
    return target


def scratch_contract(
    name: str, columns: tuple[tuple[str, str], ...], **settings: object
) -> SourceContract:
    """A CSV contract for loader tests: ``<system>__<entity>`` keyed on its first column."""
    system, entity = name.split("__")
    return SourceContract(
        name=name,
        system=system,
        entity=entity,
        format="csv",
        description="Test extract.",
        key=columns[0][0],
        columns=columns,
        **settings,
    )


def write_landing_file(root: Path, contract: SourceContract, content: str | bytes) -> Path:
    """Write ``content`` as ``contract``'s file in the landing folder ``root/landing``."""
    path = contract.landing_file(root / "landing")
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    return root / "landing"


def write_month_calendar(con: duckdb.DuckDBPyConnection) -> None:
    """Build ``intermediate.int_months``, the calendar monthly models take their months from,
    and ``intermediate.int_as_of_month_windows``, its trailing windows, for every month of it."""
    for name in ("int_months", "int_as_of_month_windows"):
        model = parse_model(sql_dir() / "intermediate" / f"{name}.sql")
        run_model(con, model, "test", {}, MonthWindow(date(2000, 1, 1), date(2100, 1, 1)))


def one_month_tags(partition_key: str) -> dict[str, str]:
    """Run tags selecting one monthly partition."""
    return month_range_tags(partition_key)


def run_pipeline(
    database: Path,
    landing: Path,
    tags: Mapping[str, str] | None = None,
    selection: str | dg.AssetSelection | None = None,
    raise_on_error: bool = True,
    overrides: Path | None = None,
    truth: Path | None = None,
    run_config: Mapping[str, object] | None = None,
    instance: dg.DagsterInstance | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialize the pipeline (or a selection) with its checks into ``database``.

    Steward overrides come from ``overrides`` (none by default) and planted truth from
    ``truth`` (by default ``truth`` beside the landing folder, where the generator writes it).
    The run is recorded in ``instance`` (a fresh ephemeral one by default).
    """
    return dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources={
            "duckdb": warehouse_resource(str(database)),
            "landing": LandingFiles(path=str(landing)),
            "serving": ServingFile(path=str(serving_beside(database))),
            "steward_overrides": StewardOverridesFile(
                path=str(overrides or database.parent / "no_overrides.yaml")
            ),
            "ground_truth": GroundTruth(path=str(truth or landing.parent / "truth")),
        },
        tags=dict(tags or month_range_tags()),
        selection=selection,
        raise_on_error=raise_on_error,
        instance=instance or dg.DagsterInstance.ephemeral(),
        run_config=dict(run_config or {}),
    )


# The segmentation step (and its drift history) with the marts that read its tables.
# Check evaluations of a full run: raw and staging conservation, 14 suites, 11 master-data
# (golden-customer checks on segments and their history included), 4 cost-to-serve, 3
# segmentation checks, the drift warning, one warning per KPI watched for alerts, and the
# plausibility checks (key format and previous run per source, 7 master-data link rates).
CHECKS_PER_FULL_RUN = (
    13 + 13 + 14 + 11 + 4 + 3 + 1 + len(load_kpi_settings().alerts.kpis) + 13 + 13 + 7
)

SEGMENTATION_AND_MARTS = dg.AssetSelection.groups("segmentation") | dg.AssetSelection.assets(
    dg.AssetKey(["kpi", "fct_segment_profiles"]),
    dg.AssetKey(["kpi", "fct_tier_segment_crosstab"]),
    dg.AssetKey(["kpi", "dim_customer_segment_history"]),
    dg.AssetKey(["kpi", "fct_segment_migration"]),
)


def evaluate_sensor(
    sensor: dg.SensorDefinition,
    instance: dg.DagsterInstance,
    cursor: str | None = None,
    **resources,
):
    """One tick of ``sensor`` on ``instance`` from ``cursor``, as the daemon evaluates it."""
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    return sensor.evaluate_tick(context)


def landing_sensor(settle_seconds: int = 0) -> dg.SensorDefinition:
    """The landing sensor as config/automation.yaml sets it up, with ``settle_seconds`` of
    settle time (none by default: tests write whole files)."""
    settings = load_automation_settings().with_sensors(landing_settle_seconds=settle_seconds)
    return build_landing_sensor(settings)


def requested_months(request: dg.RunRequest) -> tuple[str, str]:
    """First and last month a run request selects."""
    return request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]


def config_copy(tmp_path: Path, file: str, **changes: object) -> Path:
    """The project's config folder with top-level ``changes`` made to ``file``."""
    target = tmp_path / "config"
    if not target.exists():
        shutil.copytree(config_dir(), target)
    document = yaml.safe_load((target / file).read_text())
    document.update(changes)
    (target / file).write_text(yaml.safe_dump(document))
    return target


def segment_again(database: Path, generated: dict, month: date, run_config=None, **options):
    """Run the segmentation step and its marts for ``month`` on ``database``."""
    return run_pipeline(
        database,
        generated["landing"],
        tags=one_month_tags(month.isoformat()),
        selection=SEGMENTATION_AND_MARTS,
        run_config=run_config,
        **options,
    )


def project_environment(root: Path) -> dict[str, str]:
    """Environment for a `seg-assets` subprocess whose data, config and run history live in
    ``root`` (config from ``root/config`` when that folder exists)."""
    env = {
        **os.environ,
        "SEG_ASSETS_LANDING": str(root / "landing"),
        "SEG_ASSETS_TRUTH": str(root / "truth"),
        "SEG_ASSETS_WAREHOUSE": str(root / "warehouse.duckdb"),
        "SEG_ASSETS_SERVING": str(root / "serving.duckdb"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "OMP_NUM_THREADS": "1",
    }
    if (root / "config").exists():
        env["SEG_ASSETS_CONFIG"] = str(root / "config")
    return env


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def freeze_around_today(config_folder: Path, reason: str = "year-end close") -> None:
    """Add a change freeze from yesterday to tomorrow to ``config_folder/automation.yaml``."""
    path = config_folder / "automation.yaml"
    automation = yaml.safe_load(path.read_text())
    today = date.today()
    automation["guard"]["freeze_windows"] = [
        {
            "start": (today - timedelta(days=1)).isoformat(),
            "end": (today + timedelta(days=1)).isoformat(),
            "reason": reason,
        }
    ]
    path.write_text(yaml.safe_dump(automation))


def assert_failed_before_any_step(result: dg.ExecuteInProcessResult) -> str:
    """The run failed in set-up (its preflight): no step started. Returns the failure message."""
    assert not result.success
    started = [event for event in result.all_events if event.is_step_start]
    assert started == []
    failure = next(event for event in result.all_events if event.is_failure)
    return failure.event_specific_data.error.to_string()


def materialization_metadata(result: dg.ExecuteInProcessResult, key: list[str]) -> dict:
    """Metadata values of the last materialization of ``key`` in ``result`` (a run over many
    months records one per month, with the same metadata)."""
    event = [
        e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey(key)
    ][-1]
    return {name: value.value for name, value in event.materialization.metadata.items()}


@contextmanager
def file_held_by_another_process(path: Path) -> Iterator[int]:
    """A DuckDB file opened for writing by a child process (as a notebook left open would),
    for the duration of the block; yields the child's PID."""
    ready = path.with_name(f"{path.name}.held")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, pathlib, sys, time\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "pathlib.Path(sys.argv[2]).touch()\n"
            "time.sleep(120)",
            str(path),
            str(ready),
        ]
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert holder.poll() is None and time.monotonic() < deadline, "holder did not start"
            time.sleep(0.05)
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()
        ready.unlink(missing_ok=True)


def query(database: Path, sql: str, params: object = None) -> list[tuple]:
    """Rows of ``sql`` run read-only against ``database``."""
    with connect_warehouse(database, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def assert_served_tables_match(database: Path, serving: Path) -> set[str]:
    """Every table of the serving file holds exactly the rows of the warehouse's table of the
    same name; returns the served schemas."""
    # The warehouse's names route each schema to its file (working file or curated store).
    with connect_warehouse(database, read_only=True) as con:
        con.execute(f"attach '{serving}' as serving (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables()"
            " where database_name = 'serving' and schema_name <> 'serving_meta'"
        ).fetchall()
        for schema, table in tables:
            working, served = f"{schema}.{table}", f"serving.{schema}.{table}"
            [(differ,)] = con.execute(
                f"select count(*) from ((select * from {working} except all select * from"
                f" {served}) union all (select * from {served} except all select * from"
                f" {working}))"
            ).fetchall()
            assert differ == 0, f"{schema}.{table} differs between warehouse and serving file"
    return {schema for schema, _ in tables}


def generated_warehouse(root: Path, **scale: int) -> dict:
    """Generate sources at ``scale`` (customers, months, order_lines) into ``root`` and
    materialize the whole pipeline on them; the result for tests that only read it."""
    settings = GeneratorSettings.from_yaml(config_dir() / "generator.yaml", **scale)
    generate(settings, root / "landing", root / "truth")
    database = root / "warehouse.duckdb"
    return {
        "database": database,
        "landing": root / "landing",
        "truth": root / "truth",
        "result": run_pipeline(database, root / "landing"),
    }


def with_planted_archetypes(generated: dict, frame: pl.DataFrame) -> pl.DataFrame:
    """Rows of ``frame`` (keyed on customer_key) with the archetype the generator planted for
    the customer, through the crosswalk of its ERP records."""
    truth = pl.read_csv(generated["truth"] / "customer_archetypes.csv")
    keys = pl.DataFrame(
        query(
            generated["database"],
            "select substr(record_id, 5) as customer_id, customer_key from mdm.crosswalk"
            " where record_id like 'erp:%'",
        ),
        schema=["customer_id", "customer_key"],
        orient="row",
    )
    return (
        truth.join(keys, on="customer_id")
        .join(frame, on="customer_key")
        .unique(["archetype", "customer_key"])
    )


def read_mart(database: Path, table: str, where: str = "", params: object = None) -> pl.DataFrame:
    """Rows of ``table`` (optionally filtered by ``where``), in a stable order."""
    with connect_warehouse(database, read_only=True) as con:
        return con.sql(f"select * from {table} {where} order by all", params=params).pl()


def customers_active_in_windows(database: Path, window_months: int) -> set[tuple[str, date]]:
    """(customer_key, as-of month) for every partition month and every customer with orders in
    that month or the ``window_months - 1`` before it: the rows a windowed mart must have."""
    customer_months = query(
        database, "select customer_key, order_month from marts.fct_customer_months"
    )
    active = set()
    for key in monthly_partitions.get_partition_keys():
        as_of = date.fromisoformat(key)
        active |= {
            (customer, as_of)
            for customer, order_month in customer_months
            if 0
            <= (as_of.year - order_month.year) * 12 + as_of.month - order_month.month
            < window_months
        }
    return active


def assert_month_refresh_rewrites_only_that_month(
    generated: dict,
    copy: Path,
    table: str,
    column: str,
    selection: dg.AssetSelection,
    refreshed: date = date(2025, 6, 1),
    untouched: date = date(2025, 7, 1),
) -> None:
    """Tamper with ``column`` of ``table`` in two months of a copy of a generated warehouse,
    refresh ``refreshed`` alone, and assert it was rebuilt as before and ``untouched`` was not."""
    copy_warehouse(generated["database"], copy)
    before = read_mart(copy, table)
    with connect_warehouse(copy) as con:
        con.execute(
            f"update {table} set {column} = 'tampered' where as_of_month in (?, ?)",
            [refreshed, untouched],
        )
    result = run_pipeline(
        copy, generated["landing"], tags=one_month_tags(refreshed.isoformat()), selection=selection
    )
    assert result.success
    after = read_mart(copy, table)
    assert after.filter(pl.col("as_of_month") != untouched).equals(
        before.filter(pl.col("as_of_month") != untouched)
    )
    kept = after.filter(pl.col("as_of_month") == untouched)
    assert kept.height > 0 and (kept[column] == "tampered").all()


@pytest.fixture(scope="session")
def generated_year(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """300 customers over 14 months (three segmentable), fully materialized once: tests must
    only read it."""
    return generated_warehouse(
        tmp_path_factory.mktemp("generated_year"), customers=300, months=14, order_lines=23_000
    )


BLOB_CENTERS = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
ROWS_PER_BLOB = 50


def make_blobs(seed: int = 7, spread: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Three separated 2-D blobs of ``ROWS_PER_BLOB`` rows each, with their true labels."""
    rng = np.random.default_rng(seed)
    features = np.vstack(
        [c + rng.normal(0.0, spread, size=(ROWS_PER_BLOB, 2)) for c in BLOB_CENTERS]
    )
    truth = np.repeat(np.arange(len(BLOB_CENTERS)), ROWS_PER_BLOB)
    return features, truth


@pytest.fixture
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """Seeded blobs for the segmentation core."""
    return make_blobs()


@pytest.fixture
def uniform_noise() -> np.ndarray:
    """Seeded 4-D uniform noise: data with no segments in it."""
    return np.random.default_rng(1).uniform(size=(150, 4))


@pytest.fixture(scope="session")
def tiny_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The hand-made fixture, fully materialized once; tests must only read it."""
    root = tmp_path_factory.mktemp("tiny")
    landing = write_tiny_landing(root / "landing")
    database = root / "warehouse.duckdb"
    run_pipeline(database, landing)
    return database, landing
