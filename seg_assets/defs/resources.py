"""Resources shared by every asset: the DuckDB warehouse, the landing folder, the serving file,
the steward overrides of master data and the planted truth that evaluations compare against."""

from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from seg_assets.lib.mdm.overrides import default_overrides_path
from seg_assets.lib.pipeline_settings import load_pipeline_settings
from seg_assets.lib.project import landing_dir, serving_path, truth_dir, warehouse_path
from seg_assets.lib.warehouse import attach_curated_store, open_database


class LandingFiles(dg.ConfigurableResource):
    """Root folder holding one sub-folder of extracts per source system."""

    path: str


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

    Two departures from dagster-duckdb: a file another process holds fails the step at once,
    naming that process (dagster-duckdb retries for about 100 s, step after step), and the
    connection is closed when a step fails too (dagster-duckdb closes it only after a clean
    exit; after a failure it lives on in the traceback and keeps the files locked).
    """

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the warehouse, closed however the block ends."""
        config = {"custom_user_agent": "dagster", **self.connection_config}
        with closing(open_database(Path(self.database), config=config)) as con:
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
