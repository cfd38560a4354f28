"""Resources shared by every asset: the DuckDB warehouse, the landing folder and the serving
file."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from seg_assets.lib.pipeline_settings import load_pipeline_settings
from seg_assets.lib.project import landing_dir, serving_path, warehouse_path


class LandingFiles(dg.ConfigurableResource):
    """Root folder holding one sub-folder of extracts per source system."""

    path: str


class ServingFile(dg.ConfigurableResource):
    """DuckDB file that BI tools read, replaced whole after each successful run."""

    path: str


def warehouse_resource(database: str | None = None) -> DuckDBResource:
    """DuckDB resource on ``database`` (default: ``SEG_ASSETS_WAREHOUSE``), with memory limits."""
    target = database or str(warehouse_path())
    return DuckDBResource(database=target, connection_config=load_pipeline_settings().duckdb_config)


def default_resources() -> dict[str, object]:
    """Resources as configured by the environment."""
    warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    return {
        "duckdb": warehouse_resource(),
        "landing": LandingFiles(path=str(landing_dir())),
        "serving": ServingFile(path=str(serving_path())),
    }
