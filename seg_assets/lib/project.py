"""Where the project's files live, overridable by environment variables."""

import os
from pathlib import Path

# The repository root holds sql/, expectations/ and config/ beside the package.
PROJECT_ROOT = Path(os.environ.get("SEG_ASSETS_HOME", Path(__file__).resolve().parents[2]))


def _path_from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value).expanduser().resolve() if value else default


def warehouse_path() -> Path:
    """DuckDB file the pipeline writes (``SEG_ASSETS_WAREHOUSE``)."""
    return _path_from_env("SEG_ASSETS_WAREHOUSE", PROJECT_ROOT / "data" / "warehouse.duckdb")


def serving_path() -> Path:
    """DuckDB file BI tools read, replaced whole after each successful run
    (``SEG_ASSETS_SERVING``)."""
    return _path_from_env("SEG_ASSETS_SERVING", PROJECT_ROOT / "data" / "serving.duckdb")


def landing_dir() -> Path:
    """Folder of source-system extracts, one sub-folder per system (``SEG_ASSETS_LANDING``)."""
    return _path_from_env("SEG_ASSETS_LANDING", PROJECT_ROOT / "data" / "landing")


def truth_dir() -> Path:
    """Folder of the planted ground truth (``SEG_ASSETS_TRUTH``); assets read it only to report
    how well master data matches it, never to match."""
    return _path_from_env("SEG_ASSETS_TRUTH", PROJECT_ROOT / "data" / "truth")


def sql_dir() -> Path:
    """Folder of SQL models, one sub-folder per schema."""
    return PROJECT_ROOT / "sql"


def expectations_dir() -> Path:
    """Folder of Great Expectations suites, one JSON file per table."""
    return PROJECT_ROOT / "expectations"


def config_dir() -> Path:
    """Folder of YAML settings (``SEG_ASSETS_CONFIG``)."""
    return _path_from_env("SEG_ASSETS_CONFIG", PROJECT_ROOT / "config")
