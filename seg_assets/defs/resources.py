"""Resources shared by every asset: the DuckDB warehouse, the landing folder, the serving file,
the steward overrides of master data and the planted truth that evaluations compare against."""

from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from seg_assets.lib.config.catalog import validate_configuration
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.generator.pipeline import default_sources_path
from seg_assets.lib.landing_files import landing_file_errors
from seg_assets.lib.mdm.overrides import default_overrides_path
from seg_assets.lib.pipeline_settings import load_pipeline_settings
from seg_assets.lib.project import landing_dir, serving_path, truth_dir, warehouse_path
from seg_assets.lib.raw_loading import RAW_SCHEMA
from seg_assets.lib.source_contracts import load_source_contracts
from seg_assets.lib.warehouse import (
    attach_curated_store,
    open_database,
    warehouse_storage_faults,
)


class PreflightError(SegAssetsError):
    """A run's cheap checks failed: it stopped before writing any table."""


def _planned_step_keys(context: dg.InitResourceContext) -> frozenset[str] | None:
    """The steps of the run being set up (None outside a run: every step counts)."""
    run, instance = context.dagster_run, context.instance
    if run is None or instance is None:
        return None
    if run.step_keys_to_execute is not None:
        return frozenset(run.step_keys_to_execute)
    if run.execution_plan_snapshot_id is None:
        return None
    plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
    return frozenset(step.key for step in plan.steps)


class LandingFiles(dg.ConfigurableResource):
    """Root folder holding one sub-folder of extracts per source system.

    Set up before the run's first step: every landing file the run loads must be present,
    readable and have its declared columns, or the run fails before any table is rewritten.
    """

    path: str

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Check the landing files of the run's raw steps, all at once."""
        planned = _planned_step_keys(context)
        contracts = [
            contract
            for contract in load_source_contracts(default_sources_path()).values()
            if planned is None
            or dg.AssetKey([RAW_SCHEMA, contract.name]).to_python_identifier() in planned
        ]
        errors = landing_file_errors(contracts, Path(self.path))
        if errors:
            listed = "\n".join(str(error) for error in errors)
            raise PreflightError(
                f"{len(errors)} landing file(s) cannot be loaded; the run stopped before"
                f" writing any table:\n{listed}"
            )


class ServingFile(dg.ConfigurableResource):
    """DuckDB file that BI tools read, replaced whole after each successful run."""

    path: str


class StewardOverridesFile(dg.ConfigurableResource):
    """Version-controlled YAML of force-match, force-split and set-parent decisions."""

    path: str


class GroundTruth(dg.ConfigurableResource):
    """Folder of planted truth; read only to report match quality, never to match."""

    path: str


class WarehouseResource(DuckDBResource):
    """DuckDBResource on the working file with the curated store attached.

    Three departures from dagster-duckdb: a file another process holds fails the step at once,
    naming that process (dagster-duckdb retries for about 100 s, step after step); a full,
    read-only or forbidden warehouse folder fails it with ``WarehouseStorageError`` naming the
    folder, whatever statement hit it; and the connection is closed when a step fails too
    (dagster-duckdb closes it only after a clean exit; after a failure it lives on in the
    traceback and keeps the files locked).
    """

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Validate every configuration file before the run's first step writes a table."""
        validate_configuration()

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the warehouse, closed however the block ends."""
        config = {"custom_user_agent": "dagster", **self.connection_config}
        database = Path(self.database)
        with (
            warehouse_storage_faults(database),
            closing(open_database(database, config=config)) as con,
        ):
            attach_curated_store(con)
            yield con


def warehouse_resource(database: str | None = None) -> DuckDBResource:
    """DuckDB resource on ``database`` (default: ``SEG_ASSETS_WAREHOUSE``), with memory limits."""
    target = database or str(warehouse_path())
    return WarehouseResource(
        database=target, connection_config=load_pipeline_settings().duckdb_config
    )


def default_resources() -> dict[str, object]:
    """Resources as configured by the environment."""
    warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    return {
        "duckdb": warehouse_resource(),
        "landing": LandingFiles(path=str(landing_dir())),
        "serving": ServingFile(path=str(serving_path())),
        "steward_overrides": StewardOverridesFile(path=str(default_overrides_path())),
        "ground_truth": GroundTruth(path=str(truth_dir())),
    }
