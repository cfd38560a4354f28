"""Pipeline-wide settings from ``config/pipeline.yaml``, with environment overrides."""

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from seg_assets.lib.project import config_dir


@dataclass(frozen=True)
class PipelineSettings:
    """Partition start and DuckDB connection settings."""

    partitions_start: str
    duckdb_config: dict[str, Any]


@cache
def _read(path: Path) -> PipelineSettings:
    document = yaml.safe_load(path.read_text()) or {}
    return PipelineSettings(
        partitions_start=str(document["partitions"]["start"]),
        duckdb_config=dict(document.get("duckdb") or {}),
    )


def load_pipeline_settings() -> PipelineSettings:
    """Settings for this process; ``SEG_ASSETS_PARTITION_START`` overrides the partition start
    and ``SEG_ASSETS_DUCKDB_MEMORY_LIMIT`` DuckDB's memory limit (e.g. ``6GB`` for a large run)."""
    settings = _read(config_dir() / "pipeline.yaml")
    memory_limit = os.environ.get("SEG_ASSETS_DUCKDB_MEMORY_LIMIT")
    return PipelineSettings(
        partitions_start=os.environ.get("SEG_ASSETS_PARTITION_START") or settings.partitions_start,
        duckdb_config={
            **settings.duckdb_config,
            **({"memory_limit": memory_limit} if memory_limit else {}),
        },
    )


def load_quarantine_rules() -> dict[str, str]:
    """Reason text for each quarantine rule code, from ``config/quarantine_rules.yaml``."""
    document = yaml.safe_load((config_dir() / "quarantine_rules.yaml").read_text()) or {}
    return {str(rule): str(reason) for rule, reason in (document.get("rules") or {}).items()}
